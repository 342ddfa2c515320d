# Follows the basic usage parts of PyTorch's "Introduction to torch.compile" tutorial
# (https://github.com/pytorch/tutorials/blob/main/intermediate_source/torch_compile_tutorial.py), written anew in
# its idiom: a compiled function, the decorator, a compiled Module and Module.compile(), data-dependent control
# flow, torch._dynamo.reset() and a few steps of training through a compiled model, seeded; torch -> minidl in the
# imports only. Compiled code must give the eager results (minidl runs it eagerly).
import warnings

import minidl as torch
import minidl._dynamo

torch.manual_seed(0)

gpu_ok = False
if torch.cuda.is_available():
    device_cap = torch.cuda.get_device_capability()
    if device_cap in ((7, 0), (8, 0), (9, 0)):
        gpu_ok = True
if not gpu_ok:
    warnings.warn("GPU is not NVIDIA V100, A100, or H100. Speedup numbers may be lower than expected.")


def foo(x, y):
    a = torch.sin(x)
    b = torch.cos(y)
    return a + b


opt_foo1 = torch.compile(foo, backend="eager")
x, y = torch.randn(3, 3), torch.randn(3, 3)
print(opt_foo1(x, y).round(decimals=4))
print(torch.allclose(opt_foo1(x, y), foo(x, y)), opt_foo1.__name__, opt_foo1 is foo)


@torch.compile(backend="eager")
def opt_foo2(x, y):
    a = torch.sin(x)
    b = torch.cos(y)
    return a + b


print(torch.equal(opt_foo2(x, y), foo(x, y)))


def inner(x):
    return torch.sin(x)


@torch.compile(backend="eager")
def outer(x, y):
    a = inner(x)
    b = torch.cos(y)
    return a + b


print(torch.equal(outer(x, y), foo(x, y)))


class MyModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)

    def forward(self, x):
        return torch.nn.functional.relu(self.lin(x))


mod = MyModule()
opt_mod = torch.compile(mod, backend="eager")
print(type(opt_mod).__name__, isinstance(opt_mod, torch.nn.Module), opt_mod._orig_mod is mod)
print(opt_mod)
print(list(opt_mod.state_dict().keys()))
print(opt_mod.lin is mod.lin, opt_mod.training, mod.training)
opt_mod.eval()
print(opt_mod.training, mod.training)
opt_mod.train()
print(torch.equal(opt_mod(x), mod(x)))
print(opt_mod(x).round(decimals=4))

mod2 = MyModule()
print(mod2.compile(backend="eager"))
print(type(mod2).__name__, torch.equal(mod2(x), torch.nn.functional.relu(mod2.lin(x))))


def f1(x, y):
    if x.sum() < 0:
        return -y
    return y


def test_fns(fn1, fn2, args):
    out1 = fn1(*args)
    out2 = fn2(*args)
    return torch.allclose(out1, out2)


torch._dynamo.reset()
compile_f1 = torch.compile(f1, backend="eager")
inp1, inp2 = torch.randn(5, 5), torch.randn(5, 5)
print("compile 1, 1:", test_fns(f1, compile_f1, (inp1, inp2)))
print("compile 1, 2:", test_fns(f1, compile_f1, (-inp1, inp2)))


def f2(x, y):
    return x + y


compile_f2 = torch.compile(f2, backend="eager")
print("compile 2:", test_fns(f2, compile_f2, (inp1, 3)))
print("~" * 10)

model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
compiled_model = torch.compile(model, backend="eager")


def train(mod, data):
    opt.zero_grad(True)
    pred = mod(data[0])
    loss = torch.nn.CrossEntropyLoss()(pred, data[1])
    loss.backward()
    opt.step()
    return loss


data = (torch.randn(16, 4), torch.randint(3, (16,)))
for i in range(5):
    print(f"train step {i}: loss {train(compiled_model, data).item():.4f}")
sd = compiled_model.state_dict()
print([k for k in sd][:2], len(sd))
restored = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
restored.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in sd.items()})
print(torch.equal(restored(data[0]), model(data[0])))
print(torch._dynamo.config.suppress_errors, torch.compiler.is_compiling())
