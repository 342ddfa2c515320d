# Follows PyTorch's tutorial "Implementing High-Performance Transformers with Scaled Dot Product Attention (SDPA)"
# (https://github.com/pytorch/tutorials/blob/main/intermediate_source/scaled_dot_product_attention_tutorial.py),
# written anew in its idiom at CPU sizes, seeded: F.scaled_dot_product_attention, sdpa_kernel/SDPBackend dispatch
# control timed with torch.utils.benchmark, a causal self-attention block (dense batches), torch.compile,
# the profiler around record_function, and the causal_upper_left/causal_lower_right attention biases;
# torch -> minidl in the imports only.
import random

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.utils.benchmark as benchmark
from minidl.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(0)
random.seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

query, key, value = torch.randn(2, 3, 8, device=device), torch.randn(2, 3, 8, device=device), torch.randn(
    2, 3, 8, device=device)
print(F.scaled_dot_product_attention(query, key, value).round(decimals=4))


def benchmark_torch_function_in_microseconds(f, *args, **kwargs):
    t0 = benchmark.Timer(stmt="f(*args, **kwargs)", globals={"args": args, "kwargs": kwargs, "f": f})
    return t0.blocked_autorange(min_run_time=0.05).mean * 1e6


batch_size, max_sequence_len, num_heads, embed_dimension = 2, 16, 2, 8
dtype = torch.float32
query = torch.rand(batch_size, num_heads, max_sequence_len, embed_dimension, device=device, dtype=dtype)
key = torch.rand(batch_size, num_heads, max_sequence_len, embed_dimension, device=device, dtype=dtype)
value = torch.rand(batch_size, num_heads, max_sequence_len, embed_dimension, device=device, dtype=dtype)
print(f"The default implementation runs in "
      f"{benchmark_torch_function_in_microseconds(F.scaled_dot_product_attention, query, key, value):.3f} microseconds")
reference = F.scaled_dot_product_attention(query, key, value)

with sdpa_kernel(SDPBackend.MATH):
    math_time = benchmark_torch_function_in_microseconds(F.scaled_dot_product_attention, query, key, value)
    print(f"The math implementation runs in {math_time:.3f} microseconds")
    print(torch.allclose(F.scaled_dot_product_attention(query, key, value), reference, atol=1e-6))
for backend in (SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION):
    with sdpa_kernel(backend):
        try:
            F.scaled_dot_product_attention(query, key, value)
            print(backend.name, "ran")
        except RuntimeError:
            print(backend.name, "is not supported. See warnings for reasons.")
with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
    print(torch.allclose(F.scaled_dot_product_attention(query, key, value), reference, atol=1e-6))
print(list(SDPBackend.__members__)[:5])


class CausalSelfAttention(nn.Module):
    def __init__(self, num_heads: int, embed_dimension: int, bias: bool = False, is_causal: bool = False,
                 dropout: float = 0.0):
        super().__init__()
        assert embed_dimension % num_heads == 0
        self.c_attn = nn.Linear(embed_dimension, 3 * embed_dimension, bias=bias)
        self.c_proj = nn.Linear(embed_dimension, embed_dimension, bias=bias)
        self.dropout = dropout
        self.resid_dropout = nn.Dropout(dropout)
        self.num_heads = num_heads
        self.embed_dimension = embed_dimension
        self.is_causal = is_causal

    def forward(self, x):
        query_projected = self.c_attn(x)
        batch_size = query_projected.size(0)
        embed_dim = query_projected.size(2)
        head_dim = embed_dim // (self.num_heads * 3)
        query, key, value = query_projected.chunk(3, -1)
        query = query.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        key = key.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        value = value.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        if self.training:
            dropout = self.dropout
            is_causal = self.is_causal
        else:
            dropout = 0.0
            is_causal = False
        y = F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=dropout, is_causal=is_causal)
        y = y.transpose(1, 2).view(batch_size, -1, self.num_heads * head_dim)
        y = self.resid_dropout(self.c_proj(y))
        return y


num_heads = 2
heads_per_dim = 4
embed_dimension = num_heads * heads_per_dim
model = CausalSelfAttention(num_heads=num_heads, embed_dimension=embed_dimension, bias=False, is_causal=True,
                            dropout=0.1).to(device).to(dtype).eval()
print(model)


def generate_rand_batch(batch_size, max_sequence_len, embed_dimension, pad_percentage=None, dtype=torch.float16,
                        device="cuda"):
    if not pad_percentage:
        return torch.randn(batch_size, max_sequence_len, embed_dimension, dtype=dtype, device=device), None
    seq_len_list = [int(max_sequence_len * (1 - random.gauss(pad_percentage, 0.01))) for _ in range(batch_size)]
    seq_len_list[random.randint(0, batch_size - 1)] = max_sequence_len
    return (torch.nested.nested_tensor([torch.randn(seq_len, embed_dimension, dtype=dtype, device=device)
                                        for seq_len in seq_len_list]), seq_len_list)


# (the tutorial's nested-tensor batch, generate_rand_batch(..., pad_percentage=0.5), needs torch.nested, which
# minidl lacks; the dense batch only)
random_dense, _ = generate_rand_batch(4, 12, embed_dimension, pad_percentage=None, dtype=dtype, device=device)
print(random_dense.shape)
with torch.no_grad():
    dense_out = model(random_dense)
print(dense_out.shape, dense_out.sum().round(decimals=3))

x = torch.rand(2, 8, embed_dimension, device=device, dtype=dtype)
print(f"The non compiled module runs in  {benchmark_torch_function_in_microseconds(model, x):.3f} microseconds")
compiled_model = torch.compile(model, backend="eager")
compiled_model(x)
print(f"The compiled module runs in  {benchmark_torch_function_in_microseconds(compiled_model, x):.3f} microseconds")
print(torch.allclose(compiled_model(x), model(x)))

from minidl.profiler import ProfilerActivity, profile, record_function

activities = [ProfilerActivity.CPU]
with profile(activities=activities, record_shapes=False) as prof:
    with record_function(" Non-Compilied Causal Attention"):
        for _ in range(3):
            model(x)
table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
print(" Non-Compilied Causal Attention" in table, "Self CPU time total" in table)

from minidl.nn.attention.bias import causal_lower_right, causal_upper_left

batch_size, sequence_length_q, sequence_length_kv, num_heads, embed_dimension = 2, 2, 5, 2, 4
query = torch.rand(batch_size, num_heads, sequence_length_q, embed_dimension, device=device, dtype=dtype)
key = torch.rand(batch_size, num_heads, sequence_length_kv, embed_dimension, device=device, dtype=dtype)
value = torch.rand(batch_size, num_heads, sequence_length_kv, embed_dimension, device=device, dtype=dtype)
upper_left_bias = causal_upper_left(sequence_length_q, sequence_length_kv)
lower_right_bias = causal_lower_right(sequence_length_q, sequence_length_kv)
print(type(upper_left_bias).__name__, type(lower_right_bias).__name__)
assert type(upper_left_bias) == type(lower_right_bias)
assert issubclass(type(upper_left_bias), torch.Tensor)
print(upper_left_bias)
print(lower_right_bias)
out_upper_left = F.scaled_dot_product_attention(query, key, value, upper_left_bias)
out_lower_right = F.scaled_dot_product_attention(query, key, value, lower_right_bias)
out_is_causal = F.scaled_dot_product_attention(query, key, value, is_causal=True)
print(torch.allclose(out_upper_left, out_is_causal))
print(torch.allclose(out_upper_left, out_lower_right))
print(out_lower_right[0, 0].round(decimals=4))
