# Follows the parts of PyTorch's recipe "Extension points in nn.Module for load_state_dict and tensor subclasses"
# (https://github.com/pytorch/tutorials/blob/main/recipes_source/recipes/swap_tensors.py) that need no
# __torch_dispatch__ tensor subclass, written anew in its idiom: torch.utils.swap_tensors, an optimizer holding the
# old Parameter after an out-of-place assignment, the torch.__future__ conversion switches (overwrite: new
# Parameter objects; swap: the same ones) and load_state_dict through Tensor.module_load with assign=True into a
# meta-device skeleton, seeded; torch -> minidl in the imports only.
import minidl as torch
import minidl.nn as nn

torch.manual_seed(0)
t1 = torch.arange(2)
t2 = torch.arange(3)
print(f"Before swapping, t1: {t1}, t2: {t2}")
torch.utils.swap_tensors(t1, t2)
print(f"After swapping, t1: {t1}, t2: {t2}")

mod = torch.nn.Linear(1, 2, bias=False)
optimizer = torch.optim.SGD(mod.parameters())
print(f"weight in mod: {mod.weight}")
print(f"weight in optimizer: {optimizer.param_groups[0]['params']}")
mod.weight = torch.nn.Parameter(2 * mod.weight)
print(f"weight in mod: {mod.weight}")
print(f"weight in optimizer: {optimizer.param_groups[0]['params']}")


def ids(m):
    return id(m.weight), id(m.bias)


print(torch.__future__.get_overwrite_module_params_on_conversion(),
      torch.__future__.get_swap_module_params_on_conversion())
for overwrite, swap in ((False, False), (True, False), (False, True), (True, True)):
    torch.__future__.set_overwrite_module_params_on_conversion(overwrite)
    torch.__future__.set_swap_module_params_on_conversion(swap)
    m = nn.Linear(3, 5, dtype=torch.float32)
    m.weight.grad = torch.ones(5, 3)
    before = ids(m)
    weight_before = m.weight
    m.bfloat16()
    print(f"overwrite={overwrite} swap={swap}: same ids {ids(m) == before}, dtype {m.weight.dtype}, "
          f"grad {m.weight.grad.dtype}, old object {weight_before.dtype}, {type(m.weight).__name__}")
    m.double()
    print(m.weight.dtype, m.bias.dtype, m.weight.requires_grad)
torch.__future__.set_overwrite_module_params_on_conversion(False)
torch.__future__.set_swap_module_params_on_conversion(False)

for swap in (False, True):
    torch.__future__.set_swap_module_params_on_conversion(swap)
    with torch.device("meta"):
        m = nn.Linear(3, 5)
    before = ids(m)
    print(f"m.state_dict() before load_state_dict():\n {m.state_dict()}")
    state_dict = nn.Linear(3, 5).state_dict()
    m.load_state_dict(state_dict, assign=True)
    print(f"swap={swap}: same ids {ids(m) == before}, {m.weight.device}, {type(m.weight).__name__}, "
          f"{m.weight.requires_grad}, shares storage {m.weight.data_ptr() == state_dict['weight'].data_ptr()}")
    print(f"m.state_dict() after load_state_dict():\n {m.state_dict()}")
    m2 = nn.Linear(3, 5)
    w = m2.weight
    fresh = {k: v.clone() for k, v in state_dict.items()}  # PyTorch's state_dict now remembers assign=True
    m2.load_state_dict(fresh)
    print(w is m2.weight, torch.equal(m2.weight, fresh["weight"]), m2.weight.data_ptr() == fresh["weight"].data_ptr())
torch.__future__.set_swap_module_params_on_conversion(False)

src = torch.ones(2, 2)
dest = torch.zeros(2, 2)
out = dest.module_load(src)
print(out, dest, out is dest, out.data_ptr() == dest.data_ptr())
out = dest.module_load(src * 3, assign=True)
print(out, dest)
