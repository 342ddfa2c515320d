"""Session 15's differential sweep of nn.utils and nn.init against PyTorch 2.13: the differences fixed.

Every expected value here was read off PyTorch 2.13 (CPU) running the same code with ``torch`` in place of
``minidl``; the literals are its outputs.
"""
import math
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


def _seeded_params():
    g = mdl.Generator().manual_seed(3)
    ps = []
    for shape in [(3, 4), (5,), (2, 2, 2)]:
        p = nn.Parameter(mdl.randn(shape, generator=g))
        p.grad = mdl.randn(shape, generator=g) * 3
        ps.append(p)
    return ps


# ------------------------------------------------------------------------------------ gradient clipping
@pytest.mark.parametrize("norm_type, total, first_grads", [
    # read off PyTorch 2.13: the total norm and each gradient's first two values after clipping to 1.5
    (3, 6.155740737915039, [[-0.6320700645446777, 0.2185477912425995], [-0.46008801460266113, 0.11288126558065414],
                            [-0.7710198163986206, 0.6021983027458191]]),
    (0, 3.0, [[-1.2969529628753662, 0.44844111800193787], [-0.9440606832504272, 0.23162256181240082],
              [-1.5820657014846802, 1.2356586456298828]]),
    (2.5, 7.334952354431152, [[-0.530454695224762, 0.18341273069381714], [-0.3861215114593506, 0.09473379701375961],
                              [-0.6470659971237183, 0.5053852796554565]]),
    (0.5, 914.8709716796875, [[-0.004252905957400799, 0.0014705065404996276],
                              [-0.003095718566328287, 0.000759525632020086],
                              [-0.005187834147363901, 0.004051912575960159]]),
])
def test_clip_grad_norm_matches_pytorch_bit_for_bit(norm_type, total, first_grads):
    ps = _seeded_params()
    r = clip_grad_norm_(ps, 1.5, norm_type=norm_type)
    assert r.item() == total and r.dtype == mdl.float32
    assert [p.grad.flatten()[:2].tolist() for p in ps] == first_grads


def test_total_norm_dtypes_follow_pytorch():
    # a float64 tensor anywhere promotes the total (PyTorch stacks the norms); read off PyTorch 2.13
    r = get_total_norm([mdl.tensor([4.0]), mdl.tensor([3.0], dtype=mdl.float64)])
    assert r.dtype == mdl.float64 and r.item() == 5.0
    assert get_total_norm([mdl.tensor([3.0, 4.0], dtype=mdl.float16), mdl.tensor([1.0])]).dtype == mdl.float32
    # half precision accumulates in float32: no overflow (PyTorch: 500.0 float16, 449.75 for the 3-norm)
    h = mdl.tensor([300.0, 400.0], dtype=mdl.float16)
    assert get_total_norm([h]).item() == 500.0 and get_total_norm([h]).dtype == mdl.float16
    assert get_total_norm([h], norm_type=3).item() == 449.75
    p = nn.Parameter(mdl.ones(3, dtype=mdl.float16))
    p.grad = mdl.full((3,), 200.0, dtype=mdl.float16)
    r = clip_grad_norm_([p], 1.0)
    assert r.item() == 346.5 and p.grad.tolist() == [0.5771484375] * 3
    # a complex gradient's norm is real
    c = nn.Parameter(mdl.ones(3, dtype=mdl.complex64))
    c.grad = mdl.full((3,), 3 + 4j, dtype=mdl.complex64)
    r = clip_grad_norm_([c], 1.0)
    assert r.dtype == mdl.float32 and r.item() == 8.66025447845459


def test_total_norm_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="^linalg.vector_norm: Expected a floating point or complex tensor as "
                                           "input. Got Long$"):
        get_total_norm([mdl.tensor([3, 4])])
    with pytest.raises(RuntimeError, match="^Tensors of the first list of nested Tensor lists are supposed to be "
                                           "defined but the 1-th Tensor is not.$"):
        get_total_norm([mdl.tensor([3.0]), None])
    empty = nn.Parameter(mdl.ones(0))
    empty.grad = mdl.ones(0)
    with pytest.raises(RuntimeError, match="^_foreach_norm cannot compute the infinity norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=math.inf)
    with pytest.raises(RuntimeError, match="^linalg.vector_norm cannot compute the inf norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=math.inf, foreach=False)
    with pytest.raises(RuntimeError, match="^linalg.vector_norm cannot compute the -inf norm on an empty tensor"):
        clip_grad_norm_([empty], 1.0, norm_type=-math.inf)
    assert clip_grad_norm_([empty], 1.0).item() == 0.0


def test_clip_grads_with_norm_checks_as_pytorch():
    assert clip_grads_with_norm_([], 1.0, 3.0) is None     # nothing to scale: nothing checked
    p = nn.Parameter(mdl.ones(2))
    p.grad = mdl.ones(2)
    with pytest.raises(RuntimeError, match="^scalar tensor expected to be 0 dim but it has 1 dimensions and 1 "
                                           "elements.$"):
        clip_grads_with_norm_([p], 1.0, mdl.tensor([7.0]))
    clip_grads_with_norm_([p], 1.0, mdl.tensor(3))          # an integer norm is fine
    assert p.grad.tolist() == [0.33333322405815125] * 2      # PyTorch 2.13's values


def test_clip_grad_norm_empty_generator_warns_and_clip_grad_value_needs_a_grad():
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
        assert clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_(iter([]), 1.0)                        # a plain iterator does not warn
    with pytest.raises(RuntimeError):                         # PyTorch 2.13 raises RuntimeError here too
        clip_grad_value_([nn.Parameter(mdl.ones(2))], 1.0)


# ------------------------------------------------------------------------------------ parameters <-> vector
def test_vector_to_parameters_rebinds_data_as_pytorch():
    p, q = nn.Parameter(mdl.zeros(2)), nn.Parameter(mdl.zeros(3))
    old = p.data
    vec = mdl.arange(7.0, dtype=mdl.float64)                 # longer than needed: the tail is ignored
    assert vector_to_parameters(vec, [p, q]) is None
    assert p.dtype == mdl.float64 and p.tolist() == [0.0, 1.0] and q.tolist() == [2.0, 3.0, 4.0]
    assert old.tolist() == [0.0, 0.0] and p.requires_grad    # the old data is left alone
    vec[0] = 100.0
    assert p.tolist() == [100.0, 1.0]                        # the parameter views vec's memory
    with pytest.raises(RuntimeError, match=r"^shape '\[3, 4\]' is invalid for input of size 5$"):
        vector_to_parameters(mdl.arange(5.0), [nn.Parameter(mdl.zeros(3, 4))])
    with pytest.raises(TypeError, match="^expected minidl.Tensor, but got: list$"):
        vector_to_parameters([1.0], [p])
    lone = nn.Parameter(mdl.zeros(2, 2))                     # a lone Tensor is iterated by rows: unchanged
    vector_to_parameters(mdl.arange(4.0), lone)
    assert lone.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_parameters_to_vector_errors_as_pytorch():
    with pytest.raises(ValueError, match=r"^minidl.cat\(\): expected a non-empty list of Tensors$"):
        parameters_to_vector([])
    with pytest.raises(TypeError, match="^iteration over a 0-d tensor$"):
        parameters_to_vector(mdl.tensor(1.0))
    assert np.array_equal(parameters_to_vector(mdl.ones(2, 2)).numpy(), np.ones(4, dtype=np.float32))


# ------------------------------------------------------------------------------------ nn.init
init = nn.init


def test_init_fills_a_transposed_tensor_in_memory_order():
    # read off PyTorch 2.13: the values land in storage order (column by column of the view)
    mdl.manual_seed(0)
    assert init.uniform_(mdl.empty(4, 3).t()).tolist() == [
        [0.49625658988952637, 0.13203048706054688, 0.4900934100151062, 0.6323062777519226],
        [0.7682217955589294, 0.30742281675338745, 0.8964447379112244, 0.3488934636116028],
        [0.08847743272781372, 0.6340786814689636, 0.455627977848053, 0.40171730518341064]]
    mdl.manual_seed(0)
    assert init.normal_(mdl.empty(4, 3).t()).tolist() == [
        [1.5409960746765137, 0.5684312582015991, 0.40334683656692505, -0.40334352850914],
        [-0.293428897857666, -1.0845223665237427, 0.8380263447761536, -0.5966353416442871],
        [-2.1787893772125244, -1.3985954523086548, -0.7192575931549072, 0.18203648924827576]]
    mdl.manual_seed(0)
    assert init.xavier_normal_(mdl.empty(6, 4).t())[0].tolist() == [
        0.6891543865203857, -0.48501312732696533, -0.3216617703437805, -0.3831165134906769, -0.2532648742198944,
        0.16564501821994781]


def test_init_fills_complex_tensors_through_their_real_view():
    # read off PyTorch 2.13
    mdl.manual_seed(0)
    assert init.uniform_(mdl.empty(2, dtype=mdl.complex64), -1, 1).tolist() == [
        (-0.007486820220947266 + 0.5364435911178589j), (-0.8230451345443726 - 0.7359390258789062j)]
    mdl.manual_seed(0)
    assert init.normal_(mdl.empty(3, dtype=mdl.complex64), 1.0, 2.0).tolist() == [
        (3.179297685623169 + 0.585028886795044j), (-2.0812735557556152 + 1.8038831949234009j),
        (-0.5337461829185486 - 0.9779126048088074j)]


def test_init_draws_as_pytorch_for_half_and_double_tensors():
    # read off PyTorch 2.13: half-precision normals skip the uniforms of the redrawn last block
    mdl.manual_seed(0)
    assert init.normal_(mdl.empty(24, dtype=mdl.bfloat16))[8:12].tolist() == [-1.3515625, -1.6953125, 0.56640625,
                                                                              0.79296875]
    assert mdl.rand(1).item() == 0.17591017484664917
    mdl.manual_seed(0)
    assert init.trunc_normal_(mdl.empty(17, dtype=mdl.float16))[12:].tolist() == [
        0.1834716796875, 1.3896484375, 1.5859375, 0.9462890625, -0.84375]
    # float64 uniforms: x * (to - from) + from with one rounding (PyTorch's fused multiply-add)
    mdl.manual_seed(0)
    assert init.uniform_(mdl.empty(4, dtype=mdl.float64), -2, 3).tolist() == [
        2.8502650090327655, 1.5390993219989397, 0.29691471563725436, 2.6037384206098015]
    # kaiming's bound is sqrt(3) * (gain / sqrt(fan)), in that order
    mdl.manual_seed(0)
    assert init.kaiming_uniform_(mdl.empty(2, 3, dtype=mdl.float64), a=math.sqrt(5)).tolist() == [
        [0.5427704542528101, 0.23996970930833816, -0.046900537438113156],
        [0.48583757737745076, 0.16745942958373372, 0.3361886278485809]]
    # a uniform that rounds up to `to` becomes `from`: bfloat16 U(0, 1) never gives 1 (13 zeros here)
    mdl.manual_seed(0)
    a = init.uniform_(mdl.empty(5000, dtype=mdl.bfloat16))
    assert (a == 1).sum().item() == 0 and (a == 0).sum().item() == 13
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        mdl.manual_seed(0)
        a = init.trunc_normal_(mdl.empty(6, 4, dtype=mdl.bfloat16), 5.0, 1.0, -1.0, 1.0)
    assert a[2].tolist() == [0.875, 0.8984375, 0.7265625, 0.671875]
    assert a[5].tolist() == [0.396484375, 0.83203125, 0.95703125, 0.90234375]


def test_calculate_gain_returns_the_int_one():
    for name in ["linear", "sigmoid", "conv2d", "conv_transpose3d"]:
        gain = init.calculate_gain(name)
        assert gain == 1 and type(gain) is int


@pytest.mark.parametrize("call, error, message", [
    # read off PyTorch 2.13
    (lambda: init.uniform_(mdl.empty(3), 2.0, -1.0), RuntimeError,
     "uniform_ expects to return a [from, to) range, but found from=2 > to=-1"),
    (lambda: init.normal_(mdl.empty(3), 0.0, -0.5), RuntimeError, "normal expects std >= 0.0, but found std -0.5"),
    (lambda: init.trunc_normal_(mdl.empty(3), 0, 1, 2.0, -2.0), RuntimeError,
     "uniform_ expects to return a [from, to) range, but found from=2 > to=-2"),
    (lambda: init.xavier_uniform_(mdl.empty(3, dtype=mdl.int32)), ValueError,
     "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
    (lambda: init.kaiming_normal_(mdl.empty(2, 3, dtype=mdl.bool)), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Bool'"),
    (lambda: init.orthogonal_(mdl.empty(2, 3, dtype=mdl.float16)), NotImplementedError,
     "\"geqrf_cpu\" not implemented for 'Half'"),
    (lambda: init.orthogonal_(mdl.empty(2, 3, dtype=mdl.complex64)), NotImplementedError,
     "Unlike NumPy, minidl.sign is not intended to support complex numbers. Please use minidl.sgn instead."),
    (lambda: init.sparse_(mdl.empty(2, 3, dtype=mdl.uint8), 0.5), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Byte'"),
    (lambda: init.trunc_normal_(mdl.empty(3, dtype=mdl.complex128)), NotImplementedError,
     "\"lt_cpu\" not implemented for 'ComplexDouble'"),
    (lambda: init.kaiming_uniform_(mdl.empty(3, 4), mode="fan_avg"), ValueError,
     "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"),
    (lambda: init.xavier_normal_(mdl.empty(5)), ValueError,
     "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
    (lambda: init.uniform_(mdl.empty(3, dtype=mdl.int64)), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
])
def test_init_errors_as_pytorch(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call()
    assert str(info.value) == message


# ------------------------------------------------------------------------------------ nn.utils.rnn
def test_pad_sequence_takes_the_first_sequences_dtype_and_broadcasts_as_pytorch():
    rnn = nn.utils.rnn
    # read off PyTorch 2.13: float32 first -> float32; int64 first -> the float 3.7 truncated to 3
    assert rnn.pad_sequence([mdl.tensor([1.5, 2.5]), mdl.tensor([3.25], dtype=mdl.float64)]).dtype == mdl.float32
    out = rnn.pad_sequence([mdl.tensor([1, 2]), mdl.tensor([3.7])], batch_first=True)
    assert out.dtype == mdl.int64 and out.tolist() == [[1, 2], [3, 0]]
    # a size-1 trailing dimension is broadcast into the padded tensor
    out = rnn.pad_sequence([mdl.ones(2, 3), mdl.arange(2.0).reshape(2, 1)], batch_first=True)
    assert out.tolist() == [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(2\) must match the size of tensor b \(5\) at "
                                           r"non-singleton dimension 2$"):
        rnn.pad_sequence([mdl.ones(2, 3, 2), mdl.ones(2, 4, 5)])
    with pytest.raises(IndexError, match=r"^index_select\(\): Index is supposed to be a vector$"):
        rnn.pack_padded_sequence(mdl.ones(5, 3, 2), mdl.tensor([[3, 5, 2]]), enforce_sorted=False)


# ------------------------------------------------------------------------------------ norms, parametrize, stateless
def test_spectral_norms_draw_u_and_v_from_the_global_stream():
    # read off PyTorch 2.13: the hook-based spectral_norm's u, v, first output and the next draw
    mdl.manual_seed(0)
    m = nn.Linear(4, 3)
    nn.utils.spectral_norm(m)
    assert m.weight_u.tolist() == [0.5964317917823792, 0.8014264702796936, -0.0445503368973732]
    assert m.weight_v.tolist() == [0.5681789517402649, 0.6770175695419312, -0.028742052614688873, -0.4668980538845062]
    np.testing.assert_allclose(m(mdl.ones(1, 4)).tolist()[0], [-1.60022, 0.38387, -0.55803], atol=1e-5)
    assert mdl.rand(1).item() == 0.9320003986358643
    mdl.manual_seed(0)
    m = nn.Linear(4, 3)
    nn.utils.parametrizations.spectral_norm(m)
    assert mdl.rand(1).item() == 0.9320003986358643
    np.testing.assert_allclose(m.parametrizations.weight[0]._u.tolist(), [0.87862, -0.3762, 0.29412], atol=1e-5)


def test_orthogonal_completes_a_rectangular_base_from_the_global_stream():
    mdl.manual_seed(0)
    m = nn.Linear(3, 5)
    nn.utils.parametrizations.orthogonal(m)
    # read off PyTorch 2.13
    np.testing.assert_allclose(m.parametrizations.weight[0].base[0].tolist(),
                               [-0.0061, 0.5023, -0.7134, 0.1156, 0.4747], atol=1e-4)
    assert mdl.rand(1).item() == 0.5262957811355591


def test_functional_call_takes_a_parametrized_tensor_by_its_name():
    mdl.manual_seed(0)
    m = nn.Linear(4, 3)
    nn.utils.parametrizations.weight_norm(m)
    out = mdl.func.functional_call(m, {"weight": mdl.ones(3, 4)}, (mdl.ones(1, 4),))
    np.testing.assert_allclose(out.tolist()[0], [3.52233, 3.66886, 3.79389], atol=1e-5)   # PyTorch 2.13's
    assert not np.allclose(m.weight.tolist(), 1.0)     # the parametrization is back afterwards


def test_convert_conv2d_weight_memory_format():
    mdl.manual_seed(0)
    s = nn.Sequential(nn.Conv2d(2, 3, 2), nn.Sequential(nn.ConvTranspose2d(3, 2, 2)), nn.Linear(2, 2))
    before = s[0].weight.tolist()
    assert nn.utils.convert_conv2d_weight_memory_format(s, mdl.channels_last) is s
    # strides read off PyTorch 2.13
    assert s[0].weight.stride() == (8, 1, 4, 2) and s[1][0].weight.stride() == (8, 1, 4, 2)
    assert s[2].weight.stride() == (2, 1) and s[0].weight.tolist() == before
    assert isinstance(s[0].weight, nn.Parameter) and s[0].weight.requires_grad
    c = nn.Conv3d(2, 3, 2)
    nn.utils.convert_conv3d_weight_memory_format(c, mdl.channels_last_3d)
    assert c.weight.is_contiguous(memory_format=mdl.channels_last_3d)


def test_register_parametrization_messages_show_sizes():
    P = nn.utils.parametrize

    class Cut(nn.Module):
        def forward(self, X):
            return X[:2]

    class CutInverse(nn.Module):
        def forward(self, X):
            return X

        def right_inverse(self, X):
            return X[:2]

    # read off PyTorch 2.13
    with pytest.raises(ValueError, match=r"unparametrized shape: minidl\.Size\(\[3, 3\]\)\nparametrized shape: "
                                         r"minidl\.Size\(\[2, 3\]\)$"):
        P.register_parametrization(nn.Linear(3, 3), "weight", Cut())
    m = nn.Linear(3, 3)
    P.register_parametrization(m, "weight", nn.Identity())
    with pytest.raises(ValueError, match=r"must have the same shape as module\.weight, unless the `unsafe` flag is "
                                         r"enabled\.\nmodule\.weight\.shape: minidl\.Size\(\[3, 3\]\)\nreturned shape: "
                                         r"minidl\.Size\(\[2, 3\]\)$"):
        P.register_parametrization(m, "weight", CutInverse())


def test_rnn_utils_node_names_as_pytorch():
    rnn = nn.utils.rnn
    a, b = mdl.ones(3, 2, requires_grad=True), mdl.ones(2, 2, requires_grad=True)
    # node names read off PyTorch 2.13
    x = rnn.pad_sequence([a, b])
    assert x.grad_fn.name() == "torch::autograd::CopySlices"
    p = rnn.pack_padded_sequence(x, [3, 2])
    q = rnn.pack_padded_sequence(x, [2, 3], enforce_sorted=False)
    assert p.data.grad_fn.name() == q.data.grad_fn.name() == "PackPaddedSequenceBackward0"
    assert rnn.pad_packed_sequence(p)[0].grad_fn.name() == "torch::autograd::CopySlices"
    assert rnn.pad_packed_sequence(q)[0].grad_fn.name() == "IndexSelectBackward0"
    assert [t.grad_fn.name() for t in rnn.unpad_sequence(x, mdl.tensor([3, 2]))] == ["IndexBackward0"] * 2
    assert [t.grad_fn.name() for t in rnn.unpack_sequence(q)] == ["IndexBackward0"] * 2


def test_scalar_normal_path_uses_the_c_librarys_math():
    # fewer than 16 values: PyTorch's scalar Box-Muller with libm's log1p/sin/cos; read off PyTorch 2.13
    g = mdl.Generator().manual_seed(3)
    mdl.randn((3, 4), generator=g, dtype=mdl.float64)
    assert mdl.randn((3, 4), generator=g, dtype=mdl.float64)[0].tolist() == [
        -0.864635562911604, 0.29896084440536186, 0.41921865516194434, -0.0798543208083965]


@pytest.mark.parametrize("dtype, value, ctype", [
    # read off PyTorch 2.13
    (mdl.uint8, -1, "uint8_t"), (mdl.int32, 1e20, "int"), (mdl.int64, math.inf, "int64_t"),
    (mdl.float16, 1e20, "c10::Half"), (mdl.bfloat16, 1e40, "c10::BFloat16"),
])
def test_pad_sequence_padding_value_overflow(dtype, value, ctype):
    seqs = [mdl.tensor([1, 0], dtype=dtype), mdl.tensor([1], dtype=dtype)]
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {ctype} without overflow$"):
        nn.utils.rnn.pad_sequence(seqs, padding_value=value)
    assert nn.utils.rnn.pad_sequence(seqs, padding_value=1).tolist() == [[1, 1], [0, 1]]


def test_half_precision_normals_use_single_precision_box_muller():
    # PyTorch's scalar normal_fill_16 for float16/bfloat16 computes in float; values read off PyTorch 2.13
    g = mdl.Generator().manual_seed(0)
    a = mdl.randn(20000, generator=g, dtype=mdl.bfloat16)
    assert [a[i].item() for i in (736, 2876, 11498)] == [-0.09814453125, 0.0011138916015625, -0.0031280517578125]
    g = mdl.Generator().manual_seed(1)
    b = init.normal_(mdl.empty(20000, dtype=mdl.float16), generator=g)
    assert [b[i].item() for i in (1216, 2265, 4554)] == [-0.01160430908203125, -0.05950927734375,
                                                         -0.025146484375]
