# Follows PyTorch's recipe "Changing default device"
# (https://github.com/pytorch/tutorials/blob/main/recipes_source/recipes/changing_default_device.py), written anew
# in its idiom: torch.device as a context manager and torch.set_default_device / get_default_device, with the meta
# device standing in for CUDA on a CPU-only machine (and CUDA used when present), plus the default dtype switches;
# torch -> minidl in the imports only.
import minidl as torch

print(f"{torch.get_default_device()=}")
target = "cuda" if torch.cuda.is_available() else "meta"

with torch.device(target):
    mod = torch.nn.Linear(20, 30)
    print(mod.weight.device.type == target, mod.weight.shape)
    out = mod(torch.randn(128, 20))
    print(out.device.type == target, out.shape, out.dtype)
    print(torch.get_default_device().type == target)
    print(torch.zeros(2).device.type == target, torch.arange(3).device.type == target,
          torch.tensor([1.0, 2.0]).device.type == target, torch.empty(1, 2).device.type == target)
    print(torch.zeros(2, device="cpu").device)
    with torch.device("cpu"):
        print(torch.ones(1).device, torch.get_default_device())
    print(torch.ones(1).device.type == target)

print(torch.ones(1).device, torch.get_default_device())
print(mod.weight.device.type == target)

torch.set_default_device(target)
mod = torch.nn.Linear(20, 30)
print(mod.weight.device.type == target, torch.get_default_device().type == target)
print(torch.randn(3, 4).device.type == target, torch.full((2,), 1.5).device.type == target)
x = torch.ones(2, device="cpu")
print(x.device, (x + 1).device)
torch.set_default_device("cpu")
print(torch.get_default_device(), torch.ones(1).device)
torch.set_default_device(None)
print(torch.get_default_device())

torch.manual_seed(0)
mod = torch.nn.Linear(3, 2)
with torch.device("cpu"):
    print(mod(torch.ones(1, 3)).round(decimals=4))

print(torch.get_default_dtype())
torch.set_default_dtype(torch.float64)
print(torch.get_default_dtype(), torch.tensor([1.5]).dtype, torch.zeros(1).dtype, torch.tensor([1]).dtype,
      torch.nn.Linear(2, 2).weight.dtype, torch.arange(0.0, 1.0, 0.5).dtype, torch.tensor(2 + 1j).dtype)
torch.set_default_dtype(torch.float32)
print(torch.get_default_dtype(), torch.tensor(2 + 1j).dtype)
try:
    torch.set_default_dtype(torch.int64)
except TypeError as err:
    print("TypeError:", err)
print(torch.device("cpu") == torch.device("cpu", None), torch.device("cpu", 0), repr(torch.device("meta")))
