"""The added shape and layout functions (``tril``, ``diagonal``, ``roll``, ``movedim``, ``repeat_interleave``,
``hstack``, ``take_along_dim``, ...): values against NumPy on odd sizes, float64 first and second derivatives,
PyTorch's results for its own conventions, and errors."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


def t(rng, *shape, device="cpu"):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True, device=device)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


CASES = {
    "tril": (lambda x: mdl.tril(x, 1), lambda a: np.tril(a, 1)),
    "triu": (lambda x: mdl.triu(x, -1), lambda a: np.triu(a, -1)),
    "roll": (lambda x: mdl.roll(x, (1, -2), (0, 2)), lambda a: np.roll(a, (1, -2), (0, 2))),
    "roll_flat": (lambda x: mdl.roll(x, 4), lambda a: np.roll(a, 4)),
    "rot90": (lambda x: mdl.rot90(x, 1, (0, 1)), lambda a: np.rot90(a, 1, (0, 1))),
    "rot90_3": (lambda x: mdl.rot90(x, 3, (1, 2)), lambda a: np.rot90(a, 3, (1, 2))),
    "rot90_2": (lambda x: mdl.rot90(x, -2, (0, 2)), lambda a: np.rot90(a, -2, (0, 2))),
    "fliplr": (mdl.fliplr, np.fliplr),
    "flipud": (mdl.flipud, np.flipud),
    "narrow": (lambda x: mdl.narrow(x, 1, -3, 2), lambda a: a[:, 2:4]),
    "select": (lambda x: mdl.select(x, 2, -1), lambda a: a[:, :, -1]),
    "movedim": (lambda x: mdl.movedim(x, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    "moveaxis": (lambda x: mdl.moveaxis(x, -1, 0), lambda a: np.moveaxis(a, -1, 0)),
    "swapaxes": (lambda x: mdl.swapaxes(x, 0, 2), lambda a: np.swapaxes(a, 0, 2)),
    "ravel": (mdl.ravel, np.ravel),
    "tile": (lambda x: mdl.tile(x, (2, 1)), lambda a: np.tile(a, (2, 1))),
    "repeat_interleave": (lambda x: mdl.repeat_interleave(x, 2, 1), lambda a: np.repeat(a, 2, 1)),
    "repeat_interleave_counts": (lambda x: mdl.repeat_interleave(x, mdl.tensor([1, 0, 2]), 0),
                                 lambda a: np.repeat(a, [1, 0, 2], 0)),
    "repeat_interleave_flat": (lambda x: mdl.repeat_interleave(x, 3), lambda a: np.repeat(a, 3)),
    "diagonal": (lambda x: mdl.diagonal(x, 1, 0, 2), lambda a: np.diagonal(a, 1, 0, 2)),
    "diagonal_neg": (lambda x: mdl.diagonal(x, -1, 2, 1), lambda a: np.diagonal(a, -1, 2, 1)),
    "diff": (lambda x: mdl.diff(x, 2, 1), lambda a: np.diff(a, 2, 1)),
    "diff_prepend": (lambda x: mdl.diff(x, 1, 0, prepend=x[:1]), lambda a: np.diff(a, 1, 0, prepend=a[:1])),
    "broadcast_to": (lambda x: mdl.broadcast_to(x, (2, 3, 5, 7)), lambda a: np.broadcast_to(a, (2, 3, 5, 7))),
    "unfold": (lambda x: x.unfold(2, 3, 2), lambda a: np.lib.stride_tricks.sliding_window_view(a, 3, 2)[:, :, ::2]),
    "take": (lambda x: mdl.take(x, mdl.tensor([[0, -1], [4, 4]])), lambda a: np.take(a, [[0, -1], [4, 4]])),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_derivatives(rng, device, name):
    fn, ref = CASES[name]
    x = t(rng, 3, 5, 7, device=device)
    np.testing.assert_allclose(fn(x).numpy(), ref(x.numpy()))
    check(fn, x)


def test_meshgrid_both_indexings():
    a, b = mdl.arange(2), mdl.arange(3)
    for indexing in ("ij", "xy"):
        got = mdl.meshgrid(a, b, indexing=indexing)
        want = np.meshgrid(np.arange(2), np.arange(3), indexing=indexing)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w)
    assert [g.shape for g in mdl.meshgrid([a, b])] == [(2, 3), (2, 3)]   # "ij" by default, a list accepted
    with pytest.raises(RuntimeError, match="indexing"):
        mdl.meshgrid(a, b, indexing="yx")


def test_meshgrid_gradient(rng):
    check(lambda x, y: mdl.meshgrid(x, y)[0] * mdl.meshgrid(x, y)[1], t(rng, 3), t(rng, 4))


def test_broadcast_helpers():
    assert mdl.broadcast_shapes((3, 1), (1, 4), 4) == mdl.Size([3, 4])
    x, y = mdl.broadcast_tensors(mdl.ones(3, 1), mdl.zeros(4))
    assert x.shape == y.shape == (3, 4)
    with pytest.raises(RuntimeError, match="Shape mismatch"):
        mdl.broadcast_shapes((2,), (3,))


def test_stacks(rng):
    a, b = t(rng, 3), t(rng, 3)
    np.testing.assert_allclose(mdl.hstack([a, b]).numpy(), np.hstack([a.numpy(), b.numpy()]))
    np.testing.assert_allclose(mdl.vstack([a, b]).numpy(), np.vstack([a.numpy(), b.numpy()]))
    np.testing.assert_allclose(mdl.dstack([a, b]).numpy(), np.dstack([a.numpy(), b.numpy()]))
    np.testing.assert_allclose(mdl.column_stack([a, b]).numpy(), np.column_stack([a.numpy(), b.numpy()]))
    m = t(rng, 3, 2)
    np.testing.assert_allclose(mdl.hstack([m, m]).numpy(), np.hstack([m.numpy(), m.numpy()]))
    np.testing.assert_allclose(mdl.row_stack([m, m]).numpy(), np.vstack([m.numpy(), m.numpy()]))
    assert mdl.concatenate([m, m], 1).shape == (3, 4)
    assert mdl.atleast_1d(mdl.tensor(1.0)).shape == (1,)
    assert mdl.atleast_2d(a).shape == (1, 3) and mdl.atleast_3d(a).shape == (1, 3, 1)
    assert mdl.atleast_3d(m).shape == (3, 2, 1)
    check(lambda x, y: mdl.column_stack([x, y]), a, b)


def test_tensor_split_hsplit_vsplit():
    x = mdl.arange(10)
    assert [p.tolist() for p in mdl.tensor_split(x, 3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [p.tolist() for p in mdl.tensor_split(x, [2, 5])] == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    assert [p.tolist() for p in mdl.tensor_split(x, mdl.tensor([7, 3]))] == [list(range(7)), [], [3, 4, 5, 6, 7, 8, 9]]
    m = mdl.arange(12).reshape(3, 4)
    assert [p.shape for p in mdl.hsplit(m, 2)] == [(3, 2), (3, 2)]
    assert [p.shape for p in mdl.vsplit(m, [1])] == [(1, 4), (2, 4)]
    with pytest.raises(RuntimeError, match="divisible"):
        mdl.hsplit(m, 3)


def test_take_along_dim(rng):
    x = t(rng, 3, 5, 7)
    idx = mdl.tensor(rng.integers(0, 5, (3, 2, 7)))
    np.testing.assert_allclose(mdl.take_along_dim(x, idx, 1).numpy(), np.take_along_axis(x.numpy(), idx.numpy(), 1))
    check(lambda a: mdl.take_along_dim(a, idx, 1), x)
    flat = mdl.tensor([[3, 0]])
    assert mdl.take_along_dim(mdl.arange(6).reshape(2, 3), flat).tolist() == [3, 0]
    broadcast = mdl.take_along_dim(x, mdl.tensor([[[0]]]), 1)
    assert broadcast.shape == (3, 1, 7)


def test_diag_family(rng):
    v = t(rng, 4)
    np.testing.assert_allclose(mdl.diag(v).numpy(), np.diag(v.numpy()))
    np.testing.assert_allclose(mdl.diag(v, -1).numpy(), np.diag(v.numpy(), -1))
    m = t(rng, 3, 5)
    np.testing.assert_allclose(mdl.diag(m, 1).numpy(), np.diag(m.numpy(), 1))
    np.testing.assert_allclose(mdl.diagflat(m).numpy(), np.diagflat(m.numpy()))
    check(lambda a: mdl.diag(a, 1), v)
    b = t(rng, 2, 3)
    emb = mdl.diag_embed(b, 1)
    assert emb.shape == (2, 4, 4)
    np.testing.assert_allclose(mdl.diagonal(emb, 1, -2, -1).numpy(), b.numpy())
    assert mdl.diag_embed(b, 0, 0, 2).shape == (3, 2, 3)
    check(lambda a: mdl.diag_embed(a, -1, 0, 2), b)
    np.testing.assert_allclose(mdl.trace(m).item(), np.trace(m.numpy()))
    check(mdl.trace, m)
    assert mdl.trace(mdl.arange(9).reshape(3, 3)).dtype == mdl.int64
    with pytest.raises(RuntimeError, match="1D or 2D"):
        mdl.diag(mdl.ones(2, 2, 2))


def test_cross(rng):
    a, b = t(rng, 4, 3), t(rng, 4, 3)
    np.testing.assert_allclose(mdl.cross(a, b).numpy(), np.cross(a.numpy(), b.numpy()))
    np.testing.assert_allclose(mdl.linalg.cross(a, b).numpy(), np.cross(a.numpy(), b.numpy()))
    check(mdl.cross, a, b)
    c, d = t(rng, 3, 2), t(rng, 3, 2)
    np.testing.assert_allclose(mdl.cross(c, d, dim=0).numpy(), np.cross(c.numpy(), d.numpy(), axis=0))


def test_cartesian_prod_and_block_diag():
    assert mdl.cartesian_prod(mdl.tensor([1, 2]), mdl.tensor([3, 4])).tolist() == [[1, 3], [1, 4], [2, 3], [2, 4]]
    out = mdl.block_diag(mdl.ones(1, 1), 2 * mdl.ones(2, 2))
    assert out.tolist() == [[1, 0, 0], [0, 2, 2], [0, 2, 2]]


def test_unfold_windows():
    assert mdl.arange(7.0).unfold(0, 2, 2).tolist() == [[0, 1], [2, 3], [4, 5]]
    assert mdl.ones(2, 6, 3).unfold(1, 4, 1).shape == (2, 3, 3, 4)


@pytest.mark.parametrize("call,error,match", [
    (lambda: mdl.narrow(mdl.ones(3), 0, 2, 2), RuntimeError, "exceeds dimension size"),
    (lambda: mdl.select(mdl.ones(3), 0, 3), IndexError, "out of range"),
    (lambda: mdl.movedim(mdl.ones(2, 3), (0, 1), (0,)), RuntimeError, "same number of dims"),
    (lambda: mdl.roll(mdl.ones(2, 3), (1, 2), (0,)), RuntimeError, "align"),
    (lambda: mdl.tril(mdl.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: mdl.rot90(mdl.ones(2, 2), 1, (0, 0)), RuntimeError, "different"),
    (lambda: mdl.repeat_interleave(mdl.ones(3), mdl.tensor([1, 2])), RuntimeError, "same size"),
    (lambda: mdl.take(mdl.ones(3), mdl.tensor([3])), IndexError, "out of range"),
    (lambda: mdl.diagonal(mdl.ones(2, 2), 0, 1, 1), RuntimeError, "cannot be identical"),
    (lambda: mdl.ones(3).unfold(0, 4, 1), RuntimeError, "maximum size"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_diagonal_is_a_view_as_in_pytorch():
    x = mdl.zeros(3, 4)
    x.diagonal().fill_(1)
    x.diagonal(1).add_(2)
    x.diagonal(-2).fill_(7)
    assert x.tolist() == [[1, 2, 0, 0], [0, 1, 2, 0], [7, 0, 1, 2]]
    a = np.arange(60.0).reshape(3, 4, 5)
    for offset, d1, d2 in [(0, 0, 1), (1, 0, 2), (-1, 2, 1), (3, 1, 2), (-5, 0, 1), (0, -1, -2)]:
        np.testing.assert_array_equal(mdl.diagonal(mdl.tensor(a), offset, d1, d2).numpy(),
                                      np.diagonal(a, offset, d1, d2))
    np.testing.assert_array_equal(mdl.tensor(a).transpose(0, 2).diagonal(1).numpy(),
                                  np.diagonal(a.transpose(2, 1, 0), 1))
