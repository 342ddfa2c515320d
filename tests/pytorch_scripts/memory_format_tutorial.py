"""Channels-last memory format (PyTorch's ``intermediate_source/memory_format_tutorial.py``), written anew for minidl
in the tutorial's idiom: strides of ``to(memory_format=...)``, ``contiguous(memory_format=...)``, ``is_contiguous``
on the ambiguous N1HW case, ``empty(..., memory_format=)``, format kept by ``clone``, ``empty_like`` and pointwise ops,
a Conv2d converted with ``Module.to(memory_format=)`` (on the CPU in float64, where the tutorial's block uses CUDA
half), and the tutorial's checker that wraps every public callable of ``torch.Tensor``, ``torch.nn.functional`` and
``torch`` to catch operators that lose channels-last, then restores them. Only the import lines name minidl.
"""
import minidl as torch

N, C, H, W = 10, 3, 32, 32
x = torch.empty(N, C, H, W)
print(x.stride())
x = x.to(memory_format=torch.channels_last)
print(x.shape)
print(x.stride())
x = x.to(memory_format=torch.contiguous_format)
print(x.stride())
x = x.contiguous(memory_format=torch.channels_last)
print(x.stride())
print(x.is_contiguous(memory_format=torch.channels_last))
special_x = torch.empty(4, 1, 4, 4)
print(special_x.is_contiguous(memory_format=torch.channels_last))
print(special_x.is_contiguous(memory_format=torch.contiguous_format))
x = torch.empty(N, C, H, W, memory_format=torch.channels_last)
print(x.stride())
y = x.clone()
print(y.stride())
if torch.cuda.is_available():
    y = x.cuda()
    print(y.stride())
y = torch.empty_like(x)
print(y.stride())
z = x + y
print(z.stride())
model = torch.nn.Conv2d(8, 4, 3)
model = model.to(memory_format=torch.channels_last)
print(model.weight.stride(), model.weight.is_contiguous(memory_format=torch.channels_last))
input = torch.randint(1, 10, (2, 8, 4, 4), dtype=torch.float32, requires_grad=True)
input = input.to(memory_format=torch.channels_last, dtype=torch.float64)
print(input.stride(), input.dtype, input.is_leaf)
out = model.double()(input)
print(out.is_contiguous(memory_format=torch.channels_last), out.stride())
a = torch.nn.functional.relu(out)
print(a.stride())
print(torch.ones(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().stride())
print(torch.ones(2, 3, 4, 5).to(memory_format=torch.channels_last).permute(0, 2, 3, 1).is_contiguous())
t = torch.ones(2, 3, 4, 5, 6).to(memory_format=torch.channels_last_3d)
def contains_cl(args):
    for t in args:
        if isinstance(t, torch.Tensor):
            if t.is_contiguous(memory_format=torch.channels_last) and not t.is_contiguous():
                return True
        elif isinstance(t, list) or isinstance(t, tuple):
            if contains_cl(list(t)):
                return True
    return False
def print_inputs(args, indent=""):
    for t in args:
        if isinstance(t, torch.Tensor):
            print(indent, t.stride(), t.shape, t.device, t.dtype)
        elif isinstance(t, list) or isinstance(t, tuple):
            print(indent, type(t))
            print_inputs(list(t), indent=indent + "    ")
        else:
            print(indent, t)
calls = []
def check_wrapper(fn):
    name = fn.__name__
    def check_cl(*args, **kwargs):
        calls.append(name)
        was_cl = contains_cl(args)
        try:
            result = fn(*args, **kwargs)
        except Exception as e:
            print("`{}` inputs are:".format(name))
            print_inputs(args)
            print("-------------------")
            raise e
        failed = False
        if was_cl:
            if isinstance(result, torch.Tensor):
                if result.dim() == 4 and not result.is_contiguous(memory_format=torch.channels_last):
                    print("`{}` got channels_last input, but output is not channels_last:".format(name),
                          result.shape, result.stride(), result.device, result.dtype)
                    failed = True
        if failed and True:
            print("`{}` inputs are:".format(name))
            print_inputs(args)
            raise Exception("Operator `{}` lost channels_last property".format(name))
        return result
    return check_cl
old_attrs = dict()
def attribute(m):
    old_attrs[m] = dict()
    for i in dir(m):
        e = getattr(m, i)
        exclude_functions = ["is_cuda", "has_names", "numel", "stride", "Tensor", "is_contiguous", "__class__"]
        if i not in exclude_functions and not i.startswith("_") and "__call__" in dir(e):
            try:
                old_attrs[m][i] = e
                setattr(m, i, check_wrapper(e))
            except Exception as e:
                print(i)
                print(e)
attribute(torch.Tensor)
attribute(torch.nn.functional)
attribute(torch)
model = torch.nn.Sequential(torch.nn.Conv2d(8, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
model = model.to(memory_format=torch.channels_last)
input = torch.randn(2, 8, 10, 10).to(memory_format=torch.channels_last)
output = model(input)
print(output.shape, output.stride())
print(sorted({"conv2d", "batch_norm", "relu", "max_pool2d", "to", "randn"} & set(calls)))
for (m, attrs) in old_attrs.items():
    for (k, v) in attrs.items():
        setattr(m, k, v)
print(torch.ones(2).add(1))
