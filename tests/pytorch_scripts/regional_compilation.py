# Follows PyTorch's recipe "Reducing torch.compile cold start compilation time with regional compilation"
# (https://github.com/pytorch/tutorials/blob/main/recipes_source/recipes/regional_compilation.py), written anew in
# its idiom on the CPU (CUDA when present) with 8 repeated layers and the eager backend: full-model against
# per-layer torch.compile, torch.compiler.reset() and torch._inductor.utils.fresh_inductor_cache() around the
# first call, and the two models' state dicts and outputs compared, seeded; torch -> minidl in the imports only.
from time import perf_counter

import minidl as torch
import minidl._inductor.utils

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(10, 10)
        self.relu1 = torch.nn.ReLU()
        self.linear2 = torch.nn.Linear(10, 10)
        self.relu2 = torch.nn.ReLU()

    def forward(self, x):
        a = self.linear1(x)
        a = self.relu1(a)
        a = torch.sigmoid(a)
        b = self.linear2(a)
        b = self.relu2(b)
        return b


class Model(torch.nn.Module):
    def __init__(self, apply_regional_compilation):
        super().__init__()
        self.linear = torch.nn.Linear(10, 10)
        if apply_regional_compilation:
            self.layers = torch.nn.ModuleList([torch.compile(Layer(), backend="eager") for _ in range(8)])
        else:
            self.layers = torch.nn.ModuleList([Layer() for _ in range(8)])

    def forward(self, x):
        x = self.linear(x)
        for layer in self.layers:
            x = layer(x)
        return x


model = Model(apply_regional_compilation=False).to(device)
full_compiled_model = torch.compile(model, backend="eager")
regional_compiled_model = Model(apply_regional_compilation=True).to(device)
print(type(full_compiled_model).__name__, type(regional_compiled_model.layers[0]).__name__)
print(list(full_compiled_model.state_dict())[:3])
print(list(regional_compiled_model.state_dict())[:4])
print(len(list(regional_compiled_model.parameters())), len(regional_compiled_model.state_dict()))
print(regional_compiled_model.layers[0])


def measure_latency(fn, input):
    torch.compiler.reset()
    with torch._inductor.utils.fresh_inductor_cache():
        start = perf_counter()
        result = fn(input)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        end = perf_counter()
        return end - start, result


input = torch.randn(10, 10, device=device)
full_model_compilation_latency, full_out = measure_latency(full_compiled_model, input)
print(f"Full model compilation time = {full_model_compilation_latency:.2f} seconds")
regional_compilation_latency, regional_out = measure_latency(regional_compiled_model, input)
print(f"Regional compilation time = {regional_compilation_latency:.2f} seconds")

# the regional model's state dict, with its per-layer "_orig_mod." stripped, loads into the plain model
renamed = {k.replace("._orig_mod", ""): v for k, v in regional_compiled_model.state_dict().items()}
print(model.load_state_dict(renamed))
print(torch.allclose(full_compiled_model(input), regional_compiled_model(input)))
print(full_out.shape, regional_out.sum().round(decimals=4))
