"""Reasoning about shapes with the ``meta`` device (PyTorch's ``recipes_source/recipes/reasoning_about_shapes.py``),
written anew for minidl in the recipe's idiom: a Conv2d made on ``meta`` applied to a small and to a huge
(2**10 x 3 x 2**16 x 2**16) meta input, timed with ``timeit``; then a LeNet built under ``with torch.device("meta")``
with a forward hook on every module printing its output's shape. Only the import lines name minidl.
"""
import timeit

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F

t = torch.rand(2, 3, 10, 10, device="meta")
conv = torch.nn.Conv2d(3, 5, 2, device="meta")
start = timeit.default_timer()
out = conv(t)
end = timeit.default_timer()
print(out)
print(f"Time taken: {end - start}")

# no data is made, so a huge input costs no more than a small one
t_large = torch.rand(2**10, 3, 2**16, 2**16, device="meta")
start = timeit.default_timer()
out = conv(t_large)
end = timeit.default_timer()
print(out)
print(f"Time taken: {end - start}")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def fw_hook(module, input, output):
    print(f"Shape of output to {module} is {output.shape}.")


with torch.device("meta"):
    net = Net()
    inp = torch.randn((1024, 3, 32, 32))

for _name, layer in net.named_modules():
    layer.register_forward_hook(fw_hook)

out = net(inp)
print(net.fc1.weight)
print(net.conv1.bias.requires_grad, out.is_meta, out.device)
