"""Top-level ``minidl`` names added for PyTorch's surface: creation (``asarray``, ``frombuffer``,
``empty_strided``, ``scalar_tensor``, ``range``), ``frexp``/``msort``, window functions, the module-level
in-place functions, the ``*_copy`` functions and ``as_strided``, runtime helpers and ``compile``. Values
against NumPy or PyTorch 2.13's (read once and written here by hand); float64 gradcheck + gradgradcheck for
the differentiable ones."""
import math
import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(5)


def t64(*shape):
    return mdl.tensor(RNG.standard_normal(shape), requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_constants():
    assert (mdl.pi, mdl.e, mdl.inf, mdl.newaxis) == (math.pi, math.e, math.inf, None) and math.isnan(mdl.nan)
    assert mdl.zeros(2, 3)[:, mdl.newaxis].shape == (2, 1, 3)


def test_asarray_shares_memory_as_pytorch():
    x = mdl.ones(2)
    assert mdl.asarray(x) is x
    assert mdl.asarray(x, dtype=mdl.float64).dtype == mdl.float64
    a = np.arange(3.0)
    y = mdl.asarray(a)
    assert y.dtype == mdl.float64 and np.shares_memory(y.numpy(), a)
    assert not np.shares_memory(mdl.asarray(a, copy=True).numpy(), a)
    assert mdl.asarray([1, 2]).dtype == mdl.int64 and mdl.asarray([1.0, 2.0]).dtype == mdl.float32
    assert mdl.asarray(3.5).shape == () and mdl.asarray(np.float64(3.5)).dtype == mdl.float64
    with pytest.raises(ValueError, match="can't alias arbitrary sequence"):
        mdl.asarray([1, 2], copy=False)
    with pytest.raises(ValueError, match="can't alias"):
        mdl.asarray(a, dtype=mdl.float32, copy=False)
    assert mdl.asarray(mdl.ones(2), requires_grad=True).requires_grad
    assert mdl.asarray(bytearray(b"\x01\x02")).tolist() == [1, 2]


def test_frombuffer():
    buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    x = mdl.frombuffer(buf, dtype=mdl.int32)
    assert x.tolist() == [1, 2] and x.dtype == mdl.int32
    x[0] = 7
    assert buf[0] == 7                                    # shares the buffer's memory
    assert mdl.frombuffer(buf, dtype=mdl.int32, count=1, offset=4).tolist() == [2]
    with pytest.raises(ValueError, match="must be a multiple of element size"):
        mdl.frombuffer(buf, dtype=mdl.int64, offset=1)
    with pytest.raises(ValueError, match="must not be 0"):
        mdl.frombuffer(bytearray(), dtype=mdl.int32)
    with pytest.raises(ValueError, match="must not be greater than actual buffer length"):
        mdl.frombuffer(buf, dtype=mdl.int32, count=3)
    with pytest.warns(UserWarning, match="not writable"):
        assert mdl.frombuffer(b"\x01\x00\x00\x00", dtype=mdl.int32).tolist() == [1]


def test_empty_strided_scalar_tensor_range():
    s = mdl.empty_strided((2, 3), (1, 2))
    assert s.shape == (2, 3) and s.stride() == (1, 2) and s.dtype == mdl.float32
    with pytest.raises(RuntimeError, match=r"dimensionality of sizes \(2\) must match dimensionality of strides"):
        mdl.empty_strided((2, 3), (1,))
    assert mdl.scalar_tensor(3).dtype == mdl.float32 and mdl.scalar_tensor(3).item() == 3.0
    assert mdl.scalar_tensor(2, dtype=mdl.int32).dtype == mdl.int32 and mdl.scalar_tensor(True).item() == 1.0
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        assert mdl.range(1, 4).tolist() == [1.0, 2.0, 3.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mdl.range(1, 4).dtype == mdl.float32
        assert mdl.range(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
        assert mdl.range(0, 5, 2, dtype=mdl.int64).tolist() == [0, 2, 4]
        assert mdl.range(3, 1, -1).tolist() == [3.0, 2.0, 1.0]
        with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
            mdl.range(3, 1)
        with pytest.raises(RuntimeError, match="step must be nonzero"):
            mdl.range(0, 1, 0)


def test_frexp_and_msort():
    mant, expo = mdl.frexp(mdl.tensor([8.0, 0.3, -5.0, 0.0], dtype=mdl.float64))
    m_ref, e_ref = np.frexp(np.array([8.0, 0.3, -5.0, 0.0]))
    np.testing.assert_array_equal(mant.numpy(), m_ref)
    assert expo.tolist() == e_ref.tolist() and expo.dtype == mdl.int32
    assert type(mdl.frexp(mdl.ones(1))).__name__ == "frexp"
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        mdl.frexp(mdl.tensor([8, 3]))
    a = RNG.standard_normal((4, 3))
    np.testing.assert_array_equal(mdl.msort(mdl.tensor(a)).numpy(), np.sort(a, axis=0))
    check(mdl.msort, t64(5, 2))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 8])
def test_window_functions_match_numpy(n):
    def periodic(fn, n):
        return fn(n + 1)[:-1] if n > 1 else np.ones(n)

    def symmetric(fn, n):
        return fn(n) if n > 1 else np.ones(n)

    for name, ref in (("hann_window", np.hanning), ("hamming_window", np.hamming),
                      ("blackman_window", np.blackman), ("bartlett_window", np.bartlett),
                      ("kaiser_window", lambda k: np.kaiser(k, 12.0))):
        fn = getattr(mdl, name)
        np.testing.assert_allclose(fn(n, dtype=mdl.float64).numpy(), periodic(ref, n), atol=1e-12, err_msg=name)
        np.testing.assert_allclose(fn(n, False, dtype=mdl.float64).numpy(), symmetric(ref, n), atol=1e-12,
                                   err_msg=name)
        assert fn(n).dtype == mdl.float32


def test_window_arguments_and_errors():
    np.testing.assert_allclose(mdl.hamming_window(8, True, 0.5, 0.5, dtype=mdl.float64).numpy(),
                               mdl.hann_window(8, dtype=mdl.float64).numpy(), atol=1e-12)
    np.testing.assert_allclose(mdl.kaiser_window(5, False, 8.0, dtype=mdl.float64).numpy(), np.kaiser(5, 8.0))
    assert mdl.hann_window(3, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="expects floating point dtypes"):
        mdl.hann_window(5, dtype=mdl.long)
    with pytest.raises(RuntimeError, match="non-negative window_length, got window_length=-1"):
        mdl.hann_window(-1)


def test_module_level_in_place_functions():
    x = mdl.tensor([-1.0, 2.0])
    assert mdl.relu_(x) is x and x.tolist() == [0.0, 2.0]
    y = mdl.tensor([0.0, 1.0])
    assert mdl.exp_(y) is y and y.tolist() == pytest.approx([1.0, math.e])
    z = mdl.tensor([-3.0, 0.5, 3.0])
    assert mdl.clamp_(z, -1, 1).tolist() == [-1.0, 0.5, 1.0] and mdl.clip_(z, max=0.0).tolist() == [-1.0, 0.0, 0.0]
    assert mdl.zero_(z) is z and z.tolist() == [0.0, 0.0, 0.0]
    assert mdl.fill_(z, 2.5).tolist() == [2.5] * 3
    n = mdl.tensor([float("nan"), float("inf"), 1.0])
    assert mdl.nan_to_num_(n, nan=0.0, posinf=9.0).tolist() == [0.0, 9.0, 1.0]
    w = mdl.tensor([0.0, 2.0], dtype=mdl.float64)
    assert mdl.xlogy_(w, mdl.tensor([0.0, math.e], dtype=mdl.float64)).tolist() == pytest.approx([0.0, 2.0])
    v = mdl.tensor([1.0, 3.0])
    assert mdl.ldexp_(v, mdl.tensor([2, 1])).tolist() == [4.0, 6.0]
    for name in ("sigmoid_", "tanh_", "abs_", "log_", "sqrt_", "rsqrt_", "neg_", "floor_", "ceil_", "round_",
                 "trunc_", "sin_", "cos_", "square_"):
        a = RNG.uniform(0.5, 2.0, size=4)
        got = getattr(mdl, name)(mdl.tensor(a)).numpy()
        np.testing.assert_allclose(got, getattr(mdl, name[:-1])(mdl.tensor(a)).numpy(), err_msg=name)
    with pytest.raises(TypeError, match="argument 'input'"):
        mdl.relu_([1.0])
    leaf = mdl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        mdl.relu_(leaf)


def test_fill_is_out_of_place_and_differentiable_in_the_value():
    x = mdl.zeros(2, 3)
    out = mdl.fill(x, 2.5)
    assert out.tolist() == [[2.5] * 3] * 2 and x.tolist() == [[0.0] * 3] * 2 and out.dtype == x.dtype
    v = mdl.tensor(1.5, dtype=mdl.float64, requires_grad=True)
    check(lambda value: mdl.fill(mdl.zeros(2, 3, dtype=mdl.float64), value) * 2, v)
    with pytest.raises(RuntimeError, match="0-dimension value tensor"):
        mdl.fill(x, mdl.ones(2))


def test_view_copies_are_new_memory_with_the_views_values():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mdl.tensor(a)
    cases = [
        (mdl.view_copy(x, (6, 4)), a.reshape(6, 4)),
        (mdl.permute_copy(x, (2, 0, 1)), a.transpose(2, 0, 1)),
        (mdl.transpose_copy(x, 0, 2), a.swapaxes(0, 2)),
        (mdl.t_copy(x[0]), a[0].T),
        (mdl.squeeze_copy(x[:1], 0), a[0]),
        (mdl.squeeze_copy(mdl.zeros(1, 2, 1), (0, 2)), np.zeros(2)),
        (mdl.unsqueeze_copy(x, 1), a[:, None]),
        (mdl.expand_copy(x[:, :1], (2, 5, 4)), np.broadcast_to(a[:, :1], (2, 5, 4))),
        (mdl.diagonal_copy(x, 1, 1, 2), np.diagonal(a, 1, 1, 2)),
        (mdl.select_copy(x, 1, 2), a[:, 2]),
        (mdl.slice_copy(x, 2, 1, None, 2), a[:, :, 1::2]),
        (mdl.narrow_copy(x, 2, 1, 2), a[:, :, 1:3]),
        (mdl.alias_copy(x), a),
        (mdl.detach_copy(x), a),
        (mdl.unfold_copy(x, 2, 2, 2), a.reshape(2, 3, 2, 2)),
        (mdl.as_strided_copy(x, (2, 2), (1, 1), 3), np.array([[3.0, 4.0], [4.0, 5.0]])),
    ]
    for got, ref in cases:
        np.testing.assert_array_equal(got.numpy(), ref)
        assert got.is_contiguous() and not np.shares_memory(got.numpy(), x.numpy())
    pieces = mdl.split_copy(x, 2, 2)
    assert isinstance(pieces, tuple) and [p.shape for p in pieces] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape for p in mdl.split_with_sizes_copy(x, [1, 3], 2)] == [(2, 3, 1), (2, 3, 3)]
    assert [p.tolist() for p in mdl.unbind_copy(x, 0)] == [a[0].tolist(), a[1].tolist()]


VIEW_COPIES = {
    "view_copy": lambda u: mdl.view_copy(u, (3, 4)),
    "permute_copy": lambda u: mdl.permute_copy(u, (1, 0, 2)),
    "transpose_copy": lambda u: mdl.transpose_copy(u, 0, 2),
    "t_copy": lambda u: mdl.t_copy(u[0]),
    "squeeze_copy": lambda u: mdl.squeeze_copy(u[:1], 0),
    "unsqueeze_copy": lambda u: mdl.unsqueeze_copy(u, 1),
    "expand_copy": lambda u: mdl.expand_copy(u[:, :1], (2, 5, 2)),
    "diagonal_copy": lambda u: mdl.diagonal_copy(u, 0, 1, 2),
    "select_copy": lambda u: mdl.select_copy(u, 1, 2),
    "slice_copy": lambda u: mdl.slice_copy(u, 1, 0, 3, 2),
    "split_copy": lambda u: mdl.split_copy(u, 2, 1)[1],
    "split_with_sizes_copy": lambda u: mdl.split_with_sizes_copy(u, [1, 2], 1)[1],
    "unbind_copy": lambda u: mdl.unbind_copy(u, 0)[1],
    "narrow_copy": lambda u: mdl.narrow_copy(u, 1, 1, 2),
    "alias_copy": lambda u: mdl.alias_copy(u),
    "unfold_copy": lambda u: mdl.unfold_copy(u, 1, 2, 1),
    "as_strided_copy": lambda u: mdl.as_strided_copy(u, (3, 3), (2, 1), 1),
}


@pytest.mark.parametrize("name", sorted(VIEW_COPIES))
def test_view_copy_gradients(name):
    fn = VIEW_COPIES[name]
    check(lambda u: fn(u * 1) ** 2, t64(2, 3, 2))


def test_as_strided_values_gradients_and_errors():
    x = mdl.arange(6.0)
    y = x[2:]
    assert mdl.as_strided(y, (2, 2), (1, 1)).tolist() == [[2.0, 3.0], [3.0, 4.0]]   # default: y's own offset
    assert y.as_strided((2,), (2,), 0).tolist() == [0.0, 2.0]
    assert mdl.as_strided(x.reshape(2, 3).t(), (2, 2), (1, 1)).tolist() == [[0.0, 1.0], [1.0, 2.0]]
    view = mdl.as_strided(x, (3,), (2,))
    x[2] = 50.0
    assert view.tolist() == [0.0, 50.0, 4.0]                                          # a view, as PyTorch's
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 24"):
        mdl.as_strided(mdl.arange(6.0), (3, 3), (1, 1), 5)
    leaf = mdl.arange(6.0, requires_grad=True)
    mdl.as_strided(leaf * 1, (2, 2), (1, 1), 1).sum().backward()
    assert leaf.grad.tolist() == [0.0, 1.0, 2.0, 1.0, 0.0, 0.0]
    check(lambda u: mdl.as_strided(u * 1, (3, 3), (2, 1), 0) ** 2, t64(7))
    check(lambda u: mdl.as_strided(u.t(), (2, 2), (1, 1)) * 3, t64(2, 3))
    z = mdl.arange(6.0)
    assert mdl.as_strided_(z, (2, 2), (1, 1), 1) is z and z.tolist() == [[1.0, 2.0], [2.0, 3.0]]


def test_runtime_helpers():
    x = mdl.zeros(2)
    assert mdl.typename(x) == "torch.FloatTensor" and mdl.typename(mdl.zeros(1, dtype=mdl.long)) == "torch.LongTensor"
    assert mdl.typename(3) == "int" and mdl.typename(np.zeros(1)) == "numpy.ndarray"
    assert mdl.typename(mdl.nn.Linear(1, 1)).endswith(".Linear")
    assert mdl.is_storage(x.untyped_storage()) and not mdl.is_storage(x)
    assert mdl.get_device(x) == -1 and mdl.detach(x).tolist() == x.tolist()
    d = mdl.detach(mdl.ones(2, requires_grad=True) * 2)
    assert not d.requires_grad and d.creator is None
    with pytest.raises(TypeError, match="argument 'input'"):
        mdl.detach([1.0])
    before = mdl.get_num_interop_threads()
    assert isinstance(before, int) and before >= 1
    mdl.set_num_interop_threads(3)
    assert mdl.get_num_interop_threads() == 3
    mdl.set_num_interop_threads(before)
    with pytest.raises(RuntimeError, match="positive integer"):
        mdl.set_num_interop_threads(0)
    assert mdl.set_flush_denormal(True) is False and mdl.set_flush_denormal(False) is False
    assert mdl.is_warn_always_enabled() is False
    mdl.set_warn_always(True)
    assert mdl.is_warn_always_enabled() is True
    mdl.set_warn_always(False)
    with pytest.raises(RuntimeError, match="expects a bool"):
        mdl.set_warn_always(1)
    assert not mdl.is_inference_mode_enabled()


def test_compile_wraps_the_model_and_checks_pytorchs_arguments():
    """As PyTorch's: a Module comes back as an OptimizedModule around it (state_dict keys prefixed ``_orig_mod.``),
    a function as a new function wrapping it; both run eagerly with the same results."""
    model = mdl.nn.Linear(2, 1)
    compiled = mdl.compile(model)
    assert type(compiled).__name__ == "OptimizedModule" and compiled._orig_mod is model
    assert list(compiled.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert compiled.weight is model.weight and compiled.training
    compiled.eval()
    assert not model.training
    x = mdl.ones(3, 2)
    assert mdl.equal(compiled(x), model(x))
    full = mdl.compile(model, fullgraph=True, dynamic=False, backend="eager", mode="max-autotune")
    assert full._orig_mod is model

    @mdl.compile(mode="reduce-overhead")
    def double(v):
        return v * 2

    assert double(mdl.ones(2)).tolist() == [2.0, 2.0]
    again = mdl.compile(double, backend=lambda gm, inputs: gm)
    assert again is not double and again.__name__ == "double"
    assert mdl.compile(double, disable=True) is double
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        mdl.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        mdl.compile(model, mode="default", options={"a": 1})
    with pytest.raises(RuntimeError, match="Invalid backend: 'nope'"):
        mdl.compile(model, backend="nope")
    with pytest.raises(AssertionError, match="A callable function is expected"):
        mdl.compile(3)


def test_dlpack_round_trips_share_memory():
    a = np.arange(3.0)
    x = mdl.from_dlpack(a)
    x[0] = 5.0
    assert a[0] == 5.0 and x.dtype == mdl.float64
    y = mdl.ones(2)
    back = np.from_dlpack(y)
    back[1] = 7.0
    assert y.tolist() == [1.0, 7.0] and y.__dlpack_device__() == (1, 0)
    assert mdl.from_dlpack(y).tolist() == y.tolist()
    copied = mdl.from_dlpack(a, copy=True)
    copied[1] = -1.0
    assert a[1] == 1.0 and mdl.from_dlpack(a, device="cpu").tolist() == a.tolist()
    with pytest.raises(BufferError, match="require gradient"):
        mdl.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(RuntimeError, match="__dlpack__"):
        mdl.from_dlpack(3)


def test_module_level_forms_of_methods():
    x = mdl.arange(6.0).reshape(2, 3)
    assert mdl.adjoint(x).tolist() == x.t().tolist()
    assert mdl.angle(mdl.tensor([-2.0, 3.0])).tolist() == pytest.approx([math.pi, 0.0])
    assert mdl.put(x, mdl.tensor([0]), mdl.tensor([9.0])).tolist()[0][0] == 9.0
    with pytest.warns(UserWarning, match="beta"):
        assert mdl.index_reduce(x, 1, mdl.tensor([0, 0, 1]), x + 1, "amax").tolist() == [[2.0, 3.0, 2.0],
                                                                                       [5.0, 6.0, 5.0]]
    assert mdl.nonzero_static(mdl.tensor([0, 4]), size=2).tolist() == [[1], [-1]]
    assert [p.shape for p in mdl.split_with_sizes(x, [1, 2], 1)] == [(2, 1), (2, 2)]
    assert len(mdl.unsafe_chunk(x, 3, 1)) == 3 and len(mdl.unsafe_split(x, 1)) == 2
    assert [p.shape for p in mdl.unsafe_split_with_sizes(x, [2, 1], 1)] == [(2, 2), (2, 1)]
    assert not mdl.is_vulkan_available()
    capsule = mdl.to_dlpack(mdl.ones(2))
    assert type(capsule).__name__ == "PyCapsule"
    mdl.set_anomaly_enabled(True)
    assert mdl.is_anomaly_enabled()
    mdl.set_anomaly_enabled(False)
    assert not mdl.is_anomaly_enabled()


def test_feature_dropout_zeroes_whole_feature_maps():
    x = mdl.ones(4, 6, 5)
    assert mdl.feature_dropout(x, 0.5, False) is x
    mdl.manual_seed(0)
    out = mdl.feature_dropout(x, 0.5, True).numpy()
    per_map = out.reshape(24, 5)
    assert all(len(set(row.tolist())) == 1 for row in per_map)            # each (n, c) map kept or dropped whole
    assert set(np.unique(out).tolist()) <= {0.0, 2.0} and 0 < (per_map[:, 0] == 0).sum() < 24
    y = mdl.ones(2, 3, 2)
    assert mdl.feature_dropout_(y, 0.5, True) is y
    check(lambda u: mdl.feature_dropout(u, 0.0, True) * u, t64(2, 3, 2))
    mdl.manual_seed(1)
    mask = mdl.feature_dropout(mdl.ones(2, 3, 2, dtype=mdl.float64), 0.4, True).detach()

    def fn(u):
        mdl.manual_seed(1)
        return mdl.feature_dropout(u, 0.4, True)

    a = t64(2, 3, 2)
    np.testing.assert_allclose(fn(a).detach().numpy(), a.detach().numpy() * mask.numpy())
    check(fn, a)


def test_embedding_renorm_matches_pytorch():
    w = mdl.arange(12.0).reshape(4, 3)
    assert mdl.embedding_renorm_(w, mdl.tensor([0, 1, 1]), 2.0, 2.0) is w
    np.testing.assert_allclose(w.numpy(), [[0.0, 0.8944, 1.7889], [0.8485, 1.1314, 1.4142], [6.0, 7.0, 8.0],
                                           [9.0, 10.0, 11.0]], atol=1e-4)          # PyTorch 2.13's values


def test_utils_swap_tensors_exchanges_contents_in_place():
    """``torch.utils.swap_tensors`` (the swap-tensors recipe): data, dtype, class, ``grad_fn`` and attributes
    change places while both objects keep their identity, so an optimizer holding a parameter sees its
    replacement; a non-Tensor is refused."""
    import minidl
    t1, t2 = minidl.arange(2), minidl.arange(3.0)
    minidl.utils.swap_tensors(t1, t2)
    assert t1.tolist() == [0.0, 1.0, 2.0] and t1.dtype == minidl.float32 and t2.tolist() == [0, 1]
    a = minidl.ones(2, requires_grad=True)
    b, c = a * 2, minidl.zeros(3)
    minidl.utils.swap_tensors(b, c)
    assert b.grad_fn is None and c.grad_fn.name() == "MulBackward0"
    c.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    p, q = minidl.nn.Parameter(minidl.ones(2)), minidl.zeros(3)
    minidl.utils.swap_tensors(p, q)
    assert type(p) is minidl.Tensor and type(q) is minidl.nn.Parameter and q.requires_grad
    mod = minidl.nn.Linear(1, 2, bias=False)
    optimizer = minidl.optim.SGD(mod.parameters())
    replacement = minidl.nn.Parameter(2 * mod.weight.detach())
    minidl.utils.swap_tensors(mod.weight, replacement)
    assert optimizer.param_groups[0]["params"][0] is mod.weight
    assert minidl.equal(mod.weight, 2 * replacement.detach())
    with pytest.raises(AttributeError, match="t2 must be a Tensor"):
        minidl.utils.swap_tensors(minidl.ones(1), 3)
