"""Tensor's kind/placement queries, storages and memory formats, with PyTorch's answers for dense CPU tensors
(values read once from PyTorch 2.13 and written here by hand)."""
import inspect
import mmap
import multiprocessing
import os

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def test_kind_queries_of_a_dense_cpu_tensor():
    x = mdl.zeros(2, 3)
    assert x.is_cpu and x.get_device() == -1 and mdl.get_device(x) == -1
    assert x.layout is mdl.strided and isinstance(mdl.strided, mdl.layout) and repr(mdl.strided) == "minidl.strided"
    for name in ("is_sparse", "is_quantized", "is_meta", "is_nested", "is_mps", "is_xpu", "is_mkldnn",
                 "is_sparse_csr"):
        assert getattr(x, name) is False, name
    assert not x.is_conj() and not x.is_neg() and x.resolve_conj() is x and x.resolve_neg() is x
    assert mdl.resolve_conj(x) is x and not mdl.is_conj(x) and not mdl.is_neg(x) and mdl.resolve_neg(x) is x
    assert x.name is None and x.output_nr == 0
    assert x.dim_order() == (0, 1) and x.t().dim_order() == (1, 0)
    with pytest.raises(TypeError, match="memory_format"):
        mdl.memory_format()


class _TwoOutputs(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb * 3


def test_output_nr_names_the_output_of_a_multi_output_op():
    x = mdl.randn(4, 3, requires_grad=True)
    a, b = _TwoOutputs.apply(x)
    assert (a.output_nr, b.output_nr, x.output_nr, (x * 2).output_nr) == (0, 1, 0, 0)


def test_data_ptr_and_is_set_to():
    x = mdl.arange(6.0)
    assert x[2:].data_ptr() - x.data_ptr() == 2 * 4
    assert mdl.empty(0).data_ptr() == 0
    assert x.is_set_to(x) and not x.is_set_to(x.reshape(2, 3)) and not x.is_set_to(x.clone())


def test_is_inference():
    y = mdl.ones(2)
    with mdl.inference_mode():
        z = mdl.ones(2)
        w = y * 2
        assert mdl.is_inference_mode_enabled()
    with mdl.no_grad():
        u = mdl.ones(2)
    assert z.is_inference() and w.is_inference() and not y.is_inference() and not u.is_inference()
    assert mdl.is_inference(z) and not mdl.is_inference_mode_enabled()


def test_pin_memory_follows_pytorch_without_a_gpu():
    x = mdl.ones(3)
    assert not x.is_pinned()
    if mdl.cuda.is_available():
        p = x.pin_memory()
        assert p.is_pinned() and p.tolist() == x.tolist()
    else:
        with pytest.raises(RuntimeError, match="accelerator"):
            x.pin_memory()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="share_memory_ is checked across a fork")
def test_share_memory_is_seen_by_a_forked_child():
    x = mdl.zeros(4)
    view_before = x
    assert x.share_memory_() is view_before and x.is_shared() and x.tolist() == [0.0] * 4
    assert not mdl.zeros(1).is_shared()
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_write_seven, args=(x,))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0 and x.tolist() == [7.0] * 4


def _write_seven(t):
    t.fill_(7.0)


def test_untyped_and_typed_storage():
    x = mdl.tensor([1, 2, 3, 4], dtype=mdl.int16)
    u = x[2:].untyped_storage()
    assert u.nbytes() == u.size() == len(u) == 8 and u.element_size() == 1
    assert u.tolist() == [1, 0, 2, 0, 3, 0, 4, 0] and u[2] == 2 and u.data_ptr() == x.data_ptr()
    u[0] = 7
    assert x.tolist()[0] == 7
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = x.storage()
    assert s.size() == len(s) == 4 and s.dtype == mdl.int16 and s.tolist() == [7, 2, 3, 4] and s[1] == 2
    assert s.nbytes() == 8 and s.element_size() == 2 and s.untyped().nbytes() == 8
    assert mdl.is_storage(u) and mdl.is_storage(s) and not mdl.is_storage(x)
    y = mdl.zeros(2, dtype=mdl.int16)
    y.set_(u, 1, (2,), (2,))
    assert y.tolist() == [2, 4]
    with pytest.raises(RuntimeError, match="out of bounds"):
        mdl.zeros(2, dtype=mdl.int16).set_(u, 3, (2,), (1,))


def test_memory_format_objects():
    formats = (mdl.contiguous_format, mdl.channels_last, mdl.channels_last_3d, mdl.preserve_format)
    assert all(isinstance(f, mdl.memory_format) for f in formats)
    assert repr(mdl.channels_last) == "minidl.channels_last"


def test_channels_last_strides_match_pytorch():
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    x = mdl.tensor(a)
    c = x.to(memory_format=mdl.channels_last)
    assert c.stride() == (60, 1, 15, 3) and not c.is_contiguous() and c.is_contiguous(memory_format=mdl.channels_last)
    np.testing.assert_array_equal(c.numpy(), a)
    assert x.contiguous(memory_format=mdl.channels_last).stride() == (60, 1, 15, 3)
    assert c.clone().stride() == (60, 1, 15, 3) and (c + 1).stride() == (60, 1, 15, 3)
    assert c.contiguous().stride() == (60, 20, 5, 1) and c.contiguous().is_contiguous()
    assert c.to(memory_format=mdl.channels_last) is c and x.contiguous(memory_format=mdl.preserve_format) is x
    assert mdl.ones(1, 3, 1, 1).to(memory_format=mdl.channels_last).stride() == (3, 1, 3, 3)
    assert mdl.zeros(2, 3, 4, 5, 6).contiguous(memory_format=mdl.channels_last_3d).stride() == (360, 1, 90, 18, 3)
    assert not mdl.zeros(2, 3).is_contiguous(memory_format=mdl.channels_last)
    assert mdl.zeros(2, 3).t().clone().stride() == (1, 3)      # preserve_format keeps a dense layout
    assert mdl.zeros(2, 3).t().clone(memory_format=mdl.contiguous_format).stride() == (2, 1)
    assert x.to(mdl.float32, memory_format=mdl.channels_last).stride() == (60, 1, 15, 3)
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        mdl.zeros(2, 3).to(memory_format=mdl.channels_last)
    with pytest.raises(RuntimeError, match="required rank 5"):
        mdl.zeros(2, 3).contiguous(memory_format=mdl.channels_last_3d)
    with pytest.raises(TypeError, match="memory_format"):
        x.contiguous(memory_format="channels_last")


def test_relayout_is_differentiable():
    a = mdl.tensor(np.random.default_rng(1).standard_normal((2, 3, 2, 2)), requires_grad=True)

    def fn(t):
        return t.contiguous(memory_format=mdl.channels_last) * t

    assert gradcheck(fn, (a,)) and gradgradcheck(fn, (a,))


def test_module_to_channels_last_and_conv_results_unchanged():
    mdl.manual_seed(0)
    conv = mdl.nn.Conv2d(3, 4, 3)
    x = mdl.randn(2, 3, 6, 6)
    expected = conv(x).detach().numpy()
    assert conv.to(memory_format=mdl.channels_last) is conv
    assert conv.weight.stride() == (27, 1, 9, 3) and conv.bias.stride() == (1,)
    got = conv(x.to(memory_format=mdl.channels_last))
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_resize_set_and_new():
    x = mdl.arange(6.0)
    y = x.clone()
    y.resize_(2, 2)
    assert y.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    y.resize_(3, 3)
    assert y.shape == (3, 3) and y.reshape(-1).tolist()[:4] == [0.0, 1.0, 2.0, 3.0]
    y.resize_as_(mdl.zeros(2))
    assert y.tolist() == [0.0, 1.0]
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        mdl.zeros(2, requires_grad=True).resize_(4)
    z = mdl.zeros(3)
    z.set_(x)
    assert z.data_ptr() == x.data_ptr() and z.tolist() == x.tolist()
    assert z.set_().shape == (0,)
    assert x.new().shape == (0,) and x.new().dtype == mdl.float32
    assert x.new(2, 3).shape == (2, 3) and x.new(mdl.Size([4])).shape == (4,)
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new([1, 2]).dtype == mdl.float32
    with pytest.raises(TypeError, match="dtype"):
        x.new(mdl.tensor([1, 2]))
    s = x.new_empty_strided((2, 3), (1, 2), dtype=mdl.int64)
    assert s.stride() == (1, 2) and s.dtype == mdl.int64
    assert x.char().dtype == mdl.int8
    assert isinstance(mmap.mmap, type)


def test_suggested_format_follows_pytorchs_stride_rule():
    sliced = mdl.zeros(2, 3, 4, 5).to(memory_format=mdl.channels_last)[:, :, ::2]
    assert sliced.clone().stride() == (30, 1, 15, 3)              # not dense: PyTorch suggests channels_last
    permuted = mdl.zeros(2, 3, 4, 5).permute(0, 2, 3, 1)
    assert permuted.clone(memory_format=mdl.preserve_format).stride() == (60, 5, 1, 20)
    assert mdl.zeros(2, 3).t().to(memory_format=mdl.contiguous_format).stride() == (1, 3)   # aliases, as torch
    with pytest.raises(RuntimeError, match="dtype"):
        mdl.zeros(2, dtype=mdl.float64).cumsum_(0, dtype=mdl.float32)


def test_like_functions_preserve_or_apply_the_memory_format():
    c = mdl.zeros(2, 3, 4, 5).to(memory_format=mdl.channels_last)
    assert mdl.empty_like(c).stride() == (60, 1, 15, 3) and mdl.zeros_like(c).stride() == (60, 1, 15, 3)
    assert mdl.ones_like(c).sum().item() == 120 and mdl.full_like(c, 2.0).stride() == (60, 1, 15, 3)
    assert mdl.ones_like(mdl.zeros(2, 3).t()).stride() == (1, 3)
    assert mdl.full_like(c, 2.0, memory_format=mdl.contiguous_format).stride() == (60, 20, 5, 1)
    assert mdl.zeros_like(mdl.zeros(2, 3, 4, 5), memory_format=mdl.channels_last).stride() == (60, 1, 15, 3)
    with pytest.raises(RuntimeError, match="required rank 4"):
        mdl.zeros_like(mdl.zeros(2, 3), memory_format=mdl.channels_last)


def test_grad_and_requires_grad_exist_on_the_class():
    assert hasattr(mdl.Tensor, "grad") and mdl.Tensor.requires_grad is False   # grad: a property (grad checks)
    assert mdl.ones(1, requires_grad=True).requires_grad and mdl.nn.Parameter(mdl.ones(1)).requires_grad


def test_every_surface_mixin_name_is_installed_on_tensor():
    from minidl.tensor_surface import MIXINS
    skipped = []
    for mixin in MIXINS:
        for name, value in vars(mixin).items():
            if name.startswith("__") and name not in ("__dlpack__", "__dlpack_device__", "__lshift__", "__rshift__",
                                                      "__ilshift__", "__iand__", "__reversed__"):
                continue
            if inspect.getattr_static(mdl.Tensor, name) is not value:
                skipped.append(f"{mixin.__name__}.{name}")
    assert not skipped, f"names Tensor already had, so the surface mixin's version is not used: {skipped}"


def test_empty_takes_a_memory_format_as_pytorchs():
    """The channels-last tutorial's ``torch.empty(N, C, H, W, memory_format=torch.channels_last)``: PyTorch's
    strides (3072, 1, 96, 3), kept by clone, empty_like and pointwise ops; the wrong rank and preserve_format are
    RuntimeErrors, and zeros/ones take no memory_format (TypeError), as in PyTorch 2.13."""
    x = mdl.empty(10, 3, 32, 32, memory_format=mdl.channels_last)
    assert x.stride() == (3072, 1, 96, 3) and x.is_contiguous(memory_format=mdl.channels_last)
    y = mdl.empty_like(x)
    assert x.clone().stride() == y.stride() == (x + y).stride() == (3072, 1, 96, 3)
    assert mdl.empty(2, 3, 4, 5, 6, memory_format=mdl.channels_last_3d).stride() == (360, 1, 90, 18, 3)
    assert mdl.empty(2, 3, 4, 5, memory_format=mdl.contiguous_format).stride() == (60, 20, 5, 1)
    with pytest.raises(RuntimeError, match="required rank 4"):
        mdl.empty(2, 3, memory_format=mdl.channels_last)
    with pytest.raises(RuntimeError, match="unsupported memory format"):
        mdl.empty(2, 3, 4, 5, memory_format=mdl.preserve_format)
    with pytest.raises(TypeError, match="memory_format"):
        mdl.zeros(2, 3, 4, 5, memory_format=mdl.channels_last)
