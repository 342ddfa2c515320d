# Follows PyTorch's tutorial "Jacobians, Hessians, hvp, vhp, and more: composing function transforms"
# (https://github.com/pytorch/tutorials/blob/main/intermediate_source/jacobians_hessians.py), written anew in its
# idiom with smaller sizes and fewer timing runs; torch -> minidl in the imports only.
import minidl as torch
import minidl.nn.functional as F
from functools import partial
_ = torch.manual_seed(0)


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 16
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)


def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)


xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)

jacobian = compute_jac(xp)
print(jacobian.shape)
print(jacobian[0].round(decimals=4))

from minidl.func import vmap, vjp

_, vjp_fn = vjp(partial(predict, weight, bias), x)
ft_jacobian, = vmap(vjp_fn)(unit_vectors)
assert torch.allclose(ft_jacobian, jacobian)

from minidl.func import jacrev

ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
assert torch.allclose(ft_jacobian, jacobian)


def get_perf(first, first_descriptor, second, second_descriptor):
    """takes torch.benchmark objects and compares delta of second vs first."""
    faster = second.times[0]
    slower = first.times[0]
    gain = (slower - faster) / slower
    if gain < 0:
        gain *= -1
    final_gain = gain * 100
    print(f" Performance delta: {final_gain:.4f} percent improvement with {second_descriptor} ")


from minidl.utils.benchmark import Timer

without_vmap = Timer(stmt="compute_jac(xp)", globals=globals())
with_vmap = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=globals())
no_vmap_timer = without_vmap.timeit(5)
with_vmap_timer = with_vmap.timeit(5)
print(type(no_vmap_timer).__name__, no_vmap_timer.number_per_run, len(no_vmap_timer.times))
print(no_vmap_timer.stmt, "|", with_vmap_timer.stmt)
get_perf(no_vmap_timer, "without vmap", with_vmap_timer, "vmap")

ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
print(ft_jac_weight.shape, ft_jac_bias.shape)
print(ft_jac_bias.diagonal().round(decimals=4))

from minidl.func import jacrev, jacfwd

Din = 8
Dout = 64
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)
print(weight.shape)
using_fwd = Timer(stmt="jacfwd(predict, argnums=2)(weight, bias, x)", globals=globals())
using_bwd = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=globals())
jacfwd_timing = using_fwd.timeit(3)
jacrev_timing = using_bwd.timeit(3)
print(jacfwd_timing.times[0] > 0, jacrev_timing.times[0] > 0)
assert torch.allclose(jacfwd(predict, argnums=2)(weight, bias, x), jacrev(predict, argnums=2)(weight, bias, x),
                      atol=1e-6)
print(jacfwd(predict, argnums=2)(weight, bias, x).sum().round(decimals=3))

from minidl.func import hessian

Din = 24
Dout = 6
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)

hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
print(hess_api.shape, hess_api.dtype)
print(torch.allclose(hess_api, hess_fwdfwd, atol=1e-5), torch.allclose(hess_api, hess_revrev, atol=1e-5))
print(hess_api[0, :3, :3].round(decimals=4))

batch_size = 8
Din = 5
Dout = 7
weight = torch.randn(Dout, Din)
print(f"weight shape = {weight.shape}")
bias = torch.randn(Dout)
x = torch.randn(batch_size, Din)
x_batch = x

compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
print(batch_jacobian0.shape)


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
assert torch.allclose(batch_jacobian0, batch_jacobian1)

compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))
batch_hess = compute_batch_hessian(weight, bias, x)
print(batch_hess.shape)

from minidl.func import jvp, grad, vjp


def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def f(x):
    return x.sin().sum()


x = torch.randn(32)
tangent = torch.randn(32)
result = hvp(f, (x,), (tangent,))
print(result[:4].round(decimals=4))


def hvp_revrev(f, primals, tangents):
    _, vjp_fn = vjp(grad(f), *primals)
    return vjp_fn(*tangents)


result_hvp_revrev = hvp_revrev(f, (x,), (tangent,))
assert torch.allclose(result, result_hvp_revrev[0])

# the torch.autograd.functional spellings of the same quantities
from minidl.autograd.functional import jacobian as af_jacobian, hessian as af_hessian, hvp as af_hvp, vhp as af_vhp

print(torch.allclose(af_jacobian(partial(predict, weight, bias), x_batch[0]), batch_jacobian0[0]))
print(torch.allclose(af_hessian(f, x), torch.diag(-x.sin())))
value, hv = af_hvp(f, x, tangent)
value2, vh = af_vhp(f, x, tangent)
print(value.round(decimals=4), torch.allclose(hv, result), torch.allclose(vh, result))
print(type(result_hvp_revrev).__name__, len(result_hvp_revrev))
