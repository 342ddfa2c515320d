"""minidl.nn.utils.rnn (PackedSequence, packing and padding) and recurrent layers on packed input.

References are NumPy loops written here, and, for the layers, the same layer run on each sequence alone
(a packed batch must give every sequence exactly what it gets on its own)."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.autograd import gradcheck, gradgradcheck
from minidl.nn.utils import rnn


def t64(a, grad=False):
    return mdl.tensor(np.asarray(a, dtype=np.float64), dtype=mdl.float64, requires_grad=grad)


def np_pack(x, lengths, batch_first):
    """The packed data of a padded (T, B, *) batch, sequences already sorted by decreasing length."""
    if batch_first:
        x = np.swapaxes(x, 0, 1)
    rows = [x[t, b] for t in range(max(lengths)) for b in range(len(lengths)) if lengths[b] > t]
    return np.stack(rows)


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_padded_sorted_values_and_batch_sizes(rng, batch_first):
    lengths = [5, 4, 4, 2, 1]
    x = rng.standard_normal((5, 7, 3) if batch_first else (7, 5, 3))
    packed = rnn.pack_padded_sequence(t64(x), lengths, batch_first=batch_first)
    assert isinstance(packed, rnn.PackedSequence) and isinstance(packed, tuple)
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert packed.batch_sizes.tolist() == [5, 4, 3, 3, 1] and packed.batch_sizes.dtype == mdl.int64
    np.testing.assert_array_equal(packed.data.numpy(), np_pack(x, lengths, batch_first))


def test_pack_unsorted_indices_and_roundtrip(rng):
    lengths = np.array([2, 3, 2, 3, 2, 6])
    x = rng.standard_normal((6, 6, 2))
    packed = rnn.pack_padded_sequence(t64(x), mdl.tensor(lengths), enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [5, 1, 3, 0, 2, 4]  # a stable sort, as PyTorch's on CPU
    assert packed.unsorted_indices.tolist() == [3, 1, 4, 2, 5, 0]
    order = packed.sorted_indices.numpy()
    np.testing.assert_array_equal(packed.data.numpy(), np_pack(x[:, order], list(lengths[order]), False))
    padded, out_lengths = rnn.pad_packed_sequence(packed, padding_value=-7.0, total_length=8)
    assert out_lengths.tolist() == lengths.tolist() and out_lengths.dtype == mdl.int64
    expect = np.full((8, 6, 2), -7.0)
    for b, n in enumerate(lengths):
        expect[:n, b] = x[:n, b]
    np.testing.assert_array_equal(padded.numpy(), expect)
    padded_bf, _ = rnn.pad_packed_sequence(packed, batch_first=True)
    np.testing.assert_array_equal(padded_bf.numpy(), np.swapaxes(np.where(expect == -7.0, 0.0, expect), 0, 1)[:, :6])


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence(rng, side, batch_first):
    seqs = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1)]
    out = rnn.pad_sequence([t64(s) for s in seqs], batch_first=batch_first, padding_value=1.5, padding_side=side)
    expect = np.full((5, 3, 2, 3), 1.5)
    for b, s in enumerate(seqs):
        if side == "right":
            expect[:len(s), b] = s
        else:
            expect[5 - len(s):, b] = s
    np.testing.assert_array_equal(out.numpy(), np.swapaxes(expect, 0, 1) if batch_first else expect)
    assert tuple(rnn.pad_sequence(mdl.ones(2, 3)).shape) == (3, 2)  # a tensor is a batch of its rows


def test_pack_sequence_unpack_unpad(rng):
    seqs = [t64(rng.standard_normal((n, 3))) for n in (2, 4, 3)]
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        rnn.pack_sequence(seqs)
    packed = rnn.pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1]
    for a, b in zip(rnn.unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    padded = rnn.pad_sequence(seqs, batch_first=True)
    for a, b in zip(rnn.unpad_sequence(padded, mdl.tensor([2, 4, 3]), batch_first=True), seqs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_packed_sequence_to_and_casts():
    packed = rnn.pack_sequence([mdl.ones(3, 2), mdl.ones(2, 2)], enforce_sorted=False)
    assert packed.to("cpu") is packed and packed.to(mdl.float32) is packed
    double = packed.double()
    assert isinstance(double, rnn.PackedSequence) and double.data.dtype == mdl.float64
    assert double.batch_sizes is packed.batch_sizes and double.sorted_indices.tolist() == [0, 1]
    assert packed.to(dtype=mdl.float64).data.dtype == mdl.float64 and not packed.is_cuda
    rebuilt = rnn.PackedSequence(packed.data, packed.batch_sizes, mdl.tensor([1, 0]))
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    assert rnn.invert_permutation(mdl.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_errors():
    x = mdl.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="greater than 0"):
        rnn.pack_padded_sequence(x, [3, 0])
    with pytest.raises(RuntimeError, match="batch_size"):
        rnn.pack_padded_sequence(x, [3])
    with pytest.raises(RuntimeError, match="exceeds"):
        rnn.pack_padded_sequence(x, [5, 1])
    with pytest.raises(RuntimeError, match="1D"):
        rnn.pack_padded_sequence(x, mdl.tensor([[3, 1]]))
    with pytest.raises(ValueError, match="total_length=1"):
        rnn.pad_packed_sequence(rnn.pack_padded_sequence(x, [3, 1]), total_length=1)
    with pytest.raises(RuntimeError, match="padding_side"):
        rnn.pad_sequence([mdl.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="empty list"):
        rnn.pad_sequence([])
    with pytest.raises(RuntimeError, match=r"output with shape \[3, 1\] doesn't match the broadcast shape \[3, 2\]"):
        rnn.pad_sequence([mdl.ones(2, 1), mdl.ones(3, 2)])   # PyTorch 2.13's copy_ error (session 15)
    with pytest.raises(RuntimeError, match="trailing shape"):
        rnn.pad_sequence([mdl.ones(2, 1), mdl.ones(3, 2, 1)])


def test_pack_pad_gradients(rng):
    lengths = [2, 4, 3]
    x = t64(rng.standard_normal((4, 3, 2)), grad=True)

    def roundtrip(x):
        packed = rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        return rnn.pad_packed_sequence(packed, batch_first=True, padding_value=0.5)[0] * 2.0

    assert gradcheck(roundtrip, (x,)) and gradgradcheck(roundtrip, (x,))
    a, b = t64(rng.standard_normal((3, 2)), grad=True), t64(rng.standard_normal((1, 2)), grad=True)
    padding = lambda a, b: rnn.pad_sequence([a, b], padding_side="left") ** 2  # noqa: E731
    assert gradcheck(padding, (a, b)) and gradgradcheck(padding, (a, b))
    packing = lambda a, b: rnn.pack_sequence([b, a], enforce_sorted=False).data.sin()  # noqa: E731
    assert gradcheck(packing, (a, b)) and gradgradcheck(packing, (a, b))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_layer_matches_each_sequence_alone(rng, kind, bidirectional):
    mdl.manual_seed(3)
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True).double()
    assert isinstance(layer, nn.RNNBase)
    lengths = [3, 5, 1, 4]
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((4, 5, 3))
    h0 = rng.standard_normal((2 * directions, 4, 4))
    c0 = rng.standard_normal((2 * directions, 4, 4))
    hx = (t64(h0), t64(c0)) if kind == "LSTM" else t64(h0)
    packed = rnn.pack_padded_sequence(t64(x), lengths, batch_first=True, enforce_sorted=False)
    out, hidden = layer(packed, hx)
    assert isinstance(out, rnn.PackedSequence) and out.batch_sizes is packed.batch_sizes
    assert out.sorted_indices is packed.sorted_indices
    padded, _ = rnn.pad_packed_sequence(out, batch_first=True)
    assert tuple(padded.shape) == (4, 5, 4 * directions)
    for b, n in enumerate(lengths):
        one_hx = (t64(h0[:, b:b + 1]), t64(c0[:, b:b + 1])) if kind == "LSTM" else t64(h0[:, b:b + 1])
        alone, alone_hidden = layer(t64(x[b:b + 1, :n]), one_hx)
        np.testing.assert_allclose(padded.numpy()[b, :n], alone.numpy()[0], atol=1e-12)
        assert np.all(padded.numpy()[b, n:] == 0)
        for got, want in zip(hidden if kind == "LSTM" else (hidden,), alone_hidden if kind == "LSTM" else
                             (alone_hidden,)):
            np.testing.assert_allclose(got.numpy()[:, b], want.numpy()[:, 0], atol=1e-12)


def test_packed_layer_gradients(rng):
    mdl.manual_seed(0)
    lstm = nn.LSTM(2, 3, bidirectional=True).double()
    x = t64(rng.standard_normal((3, 3, 2)), grad=True)
    h0 = t64(rng.standard_normal((2, 3, 3)), grad=True)

    def run(x, h0, w):
        packed = rnn.pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
        out, (h, c) = lstm(packed, (h0, h0 * 0.5))
        return rnn.pad_packed_sequence(out)[0], h, c

    w = lstm.weight_hh_l0_reverse
    assert gradcheck(run, (x, h0, w)) and gradgradcheck(run, (x, h0, w))


def test_layer_errors_and_surface():
    gru = nn.GRU(2, 3, num_layers=2)
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        gru(rnn.pack_padded_sequence(mdl.randn(4, 3, 2), [4, 2, 1]), mdl.zeros(2, 2, 3))
    with pytest.raises(RuntimeError, match="input_size. Expected 2, got 5"):
        gru(mdl.randn(4, 3, 5))
    with pytest.raises(ValueError, match="2D or 3D"):
        gru(mdl.randn(4, 3, 2, 1))
    assert [[tuple(w.shape) for w in ws] for ws in gru.all_weights] == [[(9, 2), (9, 3), (9,), (9,)],
                                                                        [(9, 3), (9, 3), (9,), (9,)]]
    assert gru.flatten_parameters() is None
    assert isinstance(nn.RNNCell(2, 3), nn.RNNCellBase) and issubclass(nn.GRU, nn.RNNBase)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_lstm_projections_match_numpy_loop(rng):
    mdl.manual_seed(1)
    lstm = nn.LSTM(3, 5, proj_size=2, bias=True).double()
    assert list(lstm.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert tuple(lstm.weight_hh_l0.shape) == (20, 2) and tuple(lstm.weight_hr_l0.shape) == (2, 5)
    assert repr(lstm) == "LSTM(3, 5, proj_size=2)"
    x, h, c = rng.standard_normal((4, 2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 5))
    out, (h_n, c_n) = lstm(t64(x), (t64(h[None]), t64(c[None])))
    w = {k: v.numpy() for k, v in lstm.state_dict().items()}
    outputs = []
    for step in x:
        i, f, g, o = np.split(step @ w["weight_ih_l0"].T + w["bias_ih_l0"] + h @ w["weight_hh_l0"].T
                              + w["bias_hh_l0"], 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = (sigmoid(o) * np.tanh(c)) @ w["weight_hr_l0"].T
        outputs.append(h)
    np.testing.assert_allclose(out.numpy(), np.stack(outputs), atol=1e-12)
    np.testing.assert_allclose(h_n.numpy()[0], h, atol=1e-12)
    np.testing.assert_allclose(c_n.numpy()[0], c, atol=1e-12)


def test_lstm_projections_stacked_packed_and_gradients(rng):
    mdl.manual_seed(2)
    lstm = nn.LSTM(3, 4, num_layers=2, proj_size=2, bidirectional=True).double()
    assert tuple(lstm.weight_ih_l1.shape) == (16, 4) and len(lstm.all_weights[0]) == 5
    x = t64(rng.standard_normal((3, 2, 3)), grad=True)
    out, (h, c) = lstm(x)
    assert tuple(out.shape) == (3, 2, 4) and tuple(h.shape) == (4, 2, 2) and tuple(c.shape) == (4, 2, 4)
    packed = rnn.pack_padded_sequence(x, [3, 2])
    packed_out, (packed_h, _) = lstm(packed)
    # the full-length sequence (first in the batch) sees no difference between packed and padded input
    np.testing.assert_allclose(packed_out.data.numpy()[0], out.numpy()[0, 0], atol=1e-12)
    np.testing.assert_allclose(packed_h.numpy()[:, 0], h.numpy()[:, 0], atol=1e-12)
    small = nn.LSTM(2, 3, proj_size=1).double()
    xs = t64(rng.standard_normal((2, 2, 2)), grad=True)
    run = lambda xs, w: small(xs)[0]  # noqa: E731
    assert gradcheck(run, (xs, small.weight_hr_l0)) and gradgradcheck(run, (xs, small.weight_hr_l0))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(4, 2, 2\), got \[4, 2, 4\]"):
        lstm(x, (mdl.zeros(4, 2, 4, dtype=mdl.float64), mdl.zeros(4, 2, 4, dtype=mdl.float64)))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="positive integer or zero"):
        nn.LSTM(3, 4, proj_size=-1)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="only supported for LSTM, not RNN or GRU"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'size'"):
        nn.RNN(3, 4, size=2)


def test_rnn_base_mode_and_weight_names():
    with pytest.raises(ValueError, match="Unrecognized RNN mode: FOO"):
        nn.RNNBase("FOO", 2, 3)
    assert nn.LSTM(2, 3, bidirectional=True)._all_weights == [
        ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
        ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]]
    assert repr(nn.RNNBase("LSTM", 2, 3)) == "RNNBase(2, 3)"
