# Follows the CPU-side snippets of PyTorch's "Performance Tuning Guide"
# (https://github.com/pytorch/tutorials/blob/main/recipes_source/recipes/tuning_guide.py), written anew as one
# script: DataLoader workers with pinned memory, no_grad/inference_mode, bias-free Conv before BatchNorm,
# set_to_none gradients, a TorchScript-fused GELU, channels_last, activation checkpointing, disabled debugging
# APIs, thread settings, bfloat16 autocast and the TF32/matmul precision switches, seeded; torch -> minidl in
# the imports only.
import minidl as torch
import minidl.nn as nn
import minidl.utils.checkpoint
from minidl.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

torch.backends.cudnn.benchmark = True
print(torch.backends.cudnn.benchmark, torch.backends.cudnn.enabled)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = True
print(torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision("high")
print(torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision("highest")

data = TensorDataset(torch.randn(16, 3, 8, 8), torch.randint(0, 4, (16,)))
loader = DataLoader(data, batch_size=4, num_workers=2, pin_memory=torch.cuda.is_available())
print(len(loader), sum(x.shape[0] for x, _ in loader), loader.pin_memory)

model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1, bias=False),
    nn.BatchNorm2d(8),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(8, 4),
)
print(model[0].bias)

with torch.no_grad():
    out = model(data.tensors[0][:4])
print(out.requires_grad, out.shape)
with torch.inference_mode():
    out = model(data.tensors[0][:4])
print(out.requires_grad, out.is_inference(), torch.is_inference_mode_enabled())

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = nn.functional.cross_entropy(model(data.tensors[0][:4]), data.tensors[1][:4])
loss.backward()
model.zero_grad(set_to_none=True)
print(all(p.grad is None for p in model.parameters()))
loss = nn.functional.cross_entropy(model(data.tensors[0][:4]), data.tensors[1][:4])
loss.backward()
for param in model.parameters():
    param.grad = None
optimizer.zero_grad()
print(all(p.grad is None for p in model.parameters()))


@torch.jit.script
def fused_gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / 1.41421))


x = torch.linspace(-2, 2, 5)
print(fused_gelu(x).round(decimals=4))
print(torch.allclose(fused_gelu(x), nn.functional.gelu(x), atol=1e-4))

images = data.tensors[0][:4].to(memory_format=torch.channels_last)
model = model.to(memory_format=torch.channels_last)
print(images.is_contiguous(memory_format=torch.channels_last), model[0].weight.is_contiguous(
    memory_format=torch.channels_last), model[0].weight.stride())
model.eval()
reference = model(images.contiguous())
print(torch.allclose(model(images), reference, atol=1e-6))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(6, 6)
        self.lin2 = nn.Linear(6, 6)

    def forward(self, x):
        return self.lin2(torch.relu(self.lin1(x)))


block = Block()
inp = torch.randn(3, 6, requires_grad=True)
y = torch.utils.checkpoint.checkpoint(block, inp, use_reentrant=False)
y.sum().backward()
grad_ckpt = inp.grad.clone()
inp.grad = None
block(inp).sum().backward()
print(torch.allclose(grad_ckpt, inp.grad), y.grad_fn is not None)
segments = torch.utils.checkpoint.checkpoint_sequential(nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 2)),
                                                        2, inp, use_reentrant=False)
print(segments.shape)

torch.autograd.set_detect_anomaly(False)
print(torch.is_anomaly_enabled())
with torch.autograd.profiler.profile(enabled=False) as prof:
    block(inp)
with torch.autograd.profiler.emit_nvtx(enabled=False):
    block(inp)
print(prof.enabled if hasattr(prof, "enabled") else False)

torch.set_num_threads(2)
print(torch.get_num_threads())

with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    lin = nn.Linear(4, 4)
    out = lin(torch.randn(2, 4))
    print(out.dtype, torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
    print((out.float() + 1).dtype, torch.relu(out).dtype)
print(torch.is_autocast_enabled("cpu"))
scaler = torch.amp.GradScaler("cpu", enabled=False)
print(scaler.is_enabled(), scaler.scale(torch.tensor(2.0)))
