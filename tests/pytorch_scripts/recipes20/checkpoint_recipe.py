"""``torch.utils.checkpoint`` as its docs and the activation-checkpointing notes use it: ``checkpoint`` with
``use_reentrant=False`` and ``True``, keyword arguments, ``checkpoint_sequential`` over segments, a checkpointed
block inside a module, preserved RNG state for dropout (``preserve_rng_state``), and gradients equal to the
unchecked run's."""
import minidl as torch
import minidl.nn as nn
from minidl.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lin = nn.Linear(d, d)
        self.drop = nn.Dropout(0.3)

    def forward(self, x, scale=1.0):
        return self.drop(torch.tanh(self.lin(x))) * scale


class Model(nn.Module):
    def __init__(self, d, n, use_ckpt):
        super().__init__()
        self.blocks = nn.ModuleList(Block(d) for _ in range(n))
        self.head = nn.Linear(d, 1)
        self.use_ckpt = use_ckpt

    def forward(self, x):
        for blk in self.blocks:
            if self.use_ckpt:
                x = checkpoint(blk, x, scale=0.5, use_reentrant=False)
            else:
                x = blk(x, scale=0.5)
        return self.head(x).sum()


x = torch.randn(4, 8)
plain = Model(8, 3, use_ckpt=False)
ckpt = Model(8, 3, use_ckpt=True)
ckpt.load_state_dict(plain.state_dict())
torch.manual_seed(1)
loss_plain = plain(x)
loss_plain.backward()
torch.manual_seed(1)
loss_ckpt = ckpt(x)
loss_ckpt.backward()
print("%.5f %.5f" % (loss_plain.item(), loss_ckpt.item()))
for (name, p), q in zip(plain.named_parameters(), ckpt.parameters()):
    print(name, torch.allclose(p.grad, q.grad, atol=1e-6))

# reentrant variant needs an input requiring grad to produce gradients
inp = torch.randn(3, 8, requires_grad=True)
lin = nn.Linear(8, 8)
out = checkpoint(lambda t: torch.sigmoid(lin(t)) * 2, inp, use_reentrant=True)
out.sum().backward()
print(inp.grad.shape, lin.weight.grad.shape, out.requires_grad, out.grad_fn.name())

# checkpoint_sequential
torch.manual_seed(2)
seq = nn.Sequential(*[nn.Linear(8, 8) for _ in range(4)], nn.ReLU())
inp = torch.randn(5, 8, requires_grad=True)
ref = seq(inp).sum()
ref.backward()
g_ref = inp.grad.clone()
inp.grad = None
out = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
out.sum().backward()
print("%.5f %.5f" % (ref.item(), out.sum().item()), torch.allclose(g_ref, inp.grad, atol=1e-6))

# no grad needed: checkpoint still returns the forward result
with torch.no_grad():
    y = checkpoint(seq, inp, use_reentrant=False)
print(y.requires_grad, y.shape)

# preserve_rng_state=True reproduces dropout in the recomputation
d = nn.Dropout(0.5)
w = torch.ones(6, requires_grad=True)
torch.manual_seed(3)
out = checkpoint(lambda t: d(t * 2), w, use_reentrant=False, preserve_rng_state=True)
out.sum().backward()
print(out.detach(), w.grad, out.grad_fn is not None)
