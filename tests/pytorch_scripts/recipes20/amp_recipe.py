"""After PyTorch's "Automatic Mixed Precision" recipe, on the CPU: a stack of Linear+ReLU trained under
``torch.autocast("cpu", dtype=torch.bfloat16)`` with ``torch.amp.GradScaler`` (disabled on the CPU, as the recipe's
``enabled=use_amp`` switch), the output dtypes autocast chooses per op, nesting with ``enabled=False``, and the
scaler's state dict saved and restored with the model."""
import minidl as torch

torch.manual_seed(0)
device = "cpu"
batch_size = 16
in_size = 32
out_size = 8
num_layers = 3
num_batches = 5
epochs = 2


def make_model(in_size, out_size, num_layers):
    layers = []
    for _ in range(num_layers - 1):
        layers.append(torch.nn.Linear(in_size, in_size))
        layers.append(torch.nn.ReLU())
    layers.append(torch.nn.Linear(in_size, out_size))
    return torch.nn.Sequential(*tuple(layers)).to(device=device)


data = [torch.randn(batch_size, in_size, device=device) for _ in range(num_batches)]
targets = [torch.randn(batch_size, out_size, device=device) for _ in range(num_batches)]
loss_fn = torch.nn.MSELoss().to(device)

# default precision
net = make_model(in_size, out_size, num_layers)
opt = torch.optim.SGD(net.parameters(), lr=0.001)
for epoch in range(epochs):
    for input, target in zip(data, targets):
        output = net(input)
        loss = loss_fn(output, target)
        loss.backward()
        opt.step()
        opt.zero_grad()
    print("fp32 epoch", epoch, "%.5f" % loss.item())

# autocast
torch.manual_seed(0)
net = make_model(in_size, out_size, num_layers)
opt = torch.optim.SGD(net.parameters(), lr=0.001)
for epoch in range(epochs):
    for input, target in zip(data, targets):
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            output = net(input)
            assert output.dtype is torch.bfloat16
            loss = loss_fn(output, target)
            assert loss.dtype is torch.float32
        loss.backward()
        opt.step()
        opt.zero_grad()
    print("autocast epoch", epoch, "%.2f" % loss.item(), output.dtype, net[0].weight.grad is None)

# GradScaler, disabled on the CPU as the recipe does off CUDA
use_amp = False
scaler = torch.amp.GradScaler("cpu", enabled=use_amp)
print(scaler.is_enabled(), scaler.get_scale())
for epoch in range(epochs):
    for input, target in zip(data, targets):
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=True):
            output = net(input)
            loss = loss_fn(output, target)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.1)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
print(scaler.scale(loss) is loss, type(scaler.state_dict()), scaler.state_dict())

checkpoint = {"model": net.state_dict(), "optimizer": opt.state_dict(), "scaler": scaler.state_dict()}
torch.save(checkpoint, "amp_checkpoint.pt")
checkpoint = torch.load("amp_checkpoint.pt")
net.load_state_dict(checkpoint["model"])
opt.load_state_dict(checkpoint["optimizer"])
scaler.load_state_dict(checkpoint["scaler"])
print(sorted(checkpoint), list(checkpoint["optimizer"]["param_groups"][0]))

# per-op dtypes inside autocast
a = torch.randn(4, 4)
b = torch.randn(4, 4)
with torch.autocast("cpu", dtype=torch.bfloat16):
    print(torch.mm(a, b).dtype, (a @ b).dtype, torch.addmm(a, a, b).dtype, (a + b).dtype, torch.relu(a).dtype)
    print(torch.softmax(a, 0).dtype, torch.nn.functional.linear(a, b).dtype, torch.bmm(a[None], b[None]).dtype)
    print(torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
    with torch.autocast("cpu", enabled=False):
        print(torch.mm(a, b).dtype, torch.is_autocast_enabled("cpu"))
    c = torch.mm(a, b)
    print(torch.mm(c, a).dtype, (c + a).dtype, torch.cat([c, a]).dtype)
print(torch.is_autocast_enabled("cpu"))


@torch.autocast("cpu", dtype=torch.bfloat16)
def decorated(x, y):
    return x @ y


print(decorated(a, b).dtype)
with torch.autocast("cpu"):
    print(torch.mm(a, b).dtype, torch.get_autocast_dtype("cpu"))
