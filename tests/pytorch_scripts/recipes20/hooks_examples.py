"""Module and tensor hooks as PyTorch's docs and the "forward and backward hooks" examples use them: forward hooks
reading and replacing outputs, forward pre-hooks (and ``with_kwargs=True`` ones rewriting keyword arguments), full
backward hooks and pre-hooks seeing ``grad_input``/``grad_output``, tensor hooks scaling gradients,
``register_module_forward_hook``-style feature extraction, ``always_call`` and handles removed."""
import minidl as torch
import minidl.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x, scale=1.0):
        return self.fc2(self.act(self.fc1(x))) * scale


net = Net()
x = torch.randn(5, 4)

features = {}


def get_activation(name):
    def hook(model, input, output):
        features[name] = output.detach()
    return hook


handles = [net.fc1.register_forward_hook(get_activation('fc1')),
           net.act.register_forward_hook(get_activation('act'))]
out = net(x)
print({k: tuple(v.shape) for k, v in features.items()}, torch.equal(features['act'], features['fc1'].clamp(min=0)))
for h in handles:
    h.remove()


def double_output(module, args, output):
    return output * 2


h = net.fc2.register_forward_hook(double_output)
print(torch.allclose(net(x), out * 2))
h.remove()
print(torch.allclose(net(x), out))


def pre_hook(module, args):
    print('pre_hook', type(module).__name__, [tuple(a.shape) for a in args])
    return (args[0] + 1,)


h = net.fc1.register_forward_pre_hook(pre_hook)
y1 = net(x)
h.remove()
print(torch.allclose(y1, net(x + 1)))


def kw_pre_hook(module, args, kwargs):
    print('kw_pre_hook', len(args), sorted(kwargs))
    kwargs = dict(kwargs)
    kwargs['scale'] = 10.0
    return args, kwargs


def kw_hook(module, args, kwargs, output):
    print('kw_hook', sorted(kwargs), kwargs['scale'])
    return output + 0


h1 = net.register_forward_pre_hook(kw_pre_hook, with_kwargs=True)
h2 = net.register_forward_hook(kw_hook, with_kwargs=True)
print(torch.allclose(net(x, scale=0.5), out * 10))
h1.remove()
h2.remove()


def backward_hook(module, grad_input, grad_output):
    print('backward', type(module).__name__, [None if g is None else tuple(g.shape) for g in grad_input],
          [tuple(g.shape) for g in grad_output])


def backward_pre_hook(module, grad_output):
    print('backward_pre', type(module).__name__, [tuple(g.shape) for g in grad_output])
    return (grad_output[0] * 0.5,)


hs = [net.fc2.register_full_backward_hook(backward_hook), net.act.register_full_backward_hook(backward_hook),
      net.fc2.register_full_backward_pre_hook(backward_pre_hook)]
xin = x.clone().requires_grad_()
net.zero_grad()
net(xin).sum().backward()
g_half = net.fc2.weight.grad.clone()
for h in hs:
    h.remove()
net.zero_grad()
net(xin).sum().backward()
print(torch.allclose(g_half * 2, net.fc2.weight.grad))

# a hook on the model's first layer input: grad_input is None for an input not requiring grad
h = net.fc1.register_full_backward_hook(backward_hook)
net.zero_grad()
net(x).sum().backward()
h.remove()

# tensor hooks
w = torch.ones(3, requires_grad=True)
hw = w.register_hook(lambda g: g * 3)
(w * 2).sum().backward()
print(w.grad)
hw.remove()
w.grad = None
(w * 2).sum().backward()
print(w.grad)

v = torch.ones(2, requires_grad=True)
mid = v * 4
mid.register_hook(lambda g: print('mid grad', g))
mid.retain_grad()
mid.sum().backward()
print(mid.grad, v.grad)

# post-accumulate-grad hook on a parameter
p = nn.Parameter(torch.ones(2))
p.register_post_accumulate_grad_hook(lambda param: print('accumulated', param.grad))
(p * 5).sum().backward()

# always_call runs the hook even when forward raises


class Boom(nn.Module):
    def forward(self, x):
        raise ValueError('boom')


b = Boom()
b.register_forward_hook(lambda m, i, o: print('always_call hook ran, output', o), always_call=True)
try:
    b(torch.ones(1))
except ValueError as err:
    print('raised', err)
print(len(net._forward_hooks), len(net.fc1._forward_pre_hooks), len(net.fc2._backward_hooks))
