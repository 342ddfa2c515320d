"""The Python half of PyTorch's tutorial "Loading a TorchScript Model in C++" (advanced/cpp_export).

Local copy of the tutorial's Python code blocks, in order, imports rewritten; the tutorial shows
``output[0, :5]`` as an interactive value, printed here, and its two ways of making a ScriptModule
(tracing ResNet-18, scripting ``MyModule``) end with the ``save`` calls it uses for the C++ side.
"""
import minidl as torch
import minidl.vision as torchvision

# An instance of your model.
model = torchvision.models.resnet18()

# An example input you would normally provide to your model's forward() method.
example = torch.rand(1, 3, 224, 224)

# Use torch.jit.trace to generate a torch.jit.ScriptModule via tracing.
traced_script_module = torch.jit.trace(model, example)

output = traced_script_module(torch.ones(1, 3, 224, 224))
print(output[0, :5])


class MyModule(torch.nn.Module):
    def __init__(self, N, M):
        super(MyModule, self).__init__()
        self.weight = torch.nn.Parameter(torch.rand(N, M))

    def forward(self, input):
        if input.sum() > 0:
            output = self.weight.mv(input)
        else:
            output = self.weight + input
        return output


my_module = MyModule(10, 20)
sm = torch.jit.script(my_module)

traced_script_module.save("traced_resnet_model.pt")
sm.save("my_module_model.pt")
