"""Shape ops with PyTorch's semantics (transpose swaps two dims, squeeze only drops size-1 dims, ...)."""
import numpy as np
import pytest

import minidl as mdl


def m23():
    return mdl.tensor([[0, 1, 2], [3, 4, 5]])


def test_transpose_swaps_two_dims():
    assert m23().transpose(0, 1).tolist() == [[0, 3], [1, 4], [2, 5]]       # not NumPy's identity permutation
    assert mdl.zeros(2, 3, 4).transpose(0, 2).shape == (4, 3, 2)
    assert mdl.zeros(2, 3, 4).transpose(-1, 1).shape == (2, 4, 3)
    assert mdl.transpose(mdl.zeros(2, 3), 0, 1).shape == (3, 2)
    assert mdl.zeros(2, 3).swapaxes(0, 1).shape == (3, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mdl.zeros(2, 3).transpose(0, 2)


def test_permute_t_and_T():
    x = mdl.arange(24).reshape(2, 3, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.permute(2, 0, 1)[1, 0, 2].item() == x[0, 2, 1].item()
    assert mdl.permute(x, (1, 2, 0)).shape == (3, 4, 2)
    assert m23().t().tolist() == [[0, 3], [1, 4], [2, 5]]
    assert mdl.arange(3).t().tolist() == [0, 1, 2]
    assert m23().T.tolist() == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        x.t()
    with pytest.raises(RuntimeError, match="number of dims don't match"):
        x.permute(0, 1)


def test_unsqueeze_squeeze_flatten():
    assert mdl.zeros(2, 3).unsqueeze(0).shape == (1, 2, 3)
    assert mdl.zeros(2, 3).unsqueeze(-1).shape == (2, 3, 1)
    assert mdl.zeros(2, 1, 3).squeeze().shape == (2, 3)
    assert mdl.zeros(2, 1, 3).squeeze(1).shape == (2, 3)
    assert mdl.zeros(2, 1, 3).squeeze(0).shape == (2, 1, 3)       # not size 1: left alone
    assert mdl.zeros(1, 1, 3).squeeze((0, 1)).shape == (3,)
    x = mdl.zeros(2, 3, 4)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12) and x.flatten(0, 1).shape == (6, 4)
    assert mdl.flatten(x).shape == (24,) and mdl.flatten(x, 1).shape == (2, 12)
    assert x.unflatten(2, (2, 2)).shape == (2, 3, 2, 2)
    with pytest.raises(IndexError):
        mdl.zeros(2, 3).unsqueeze(3)


def test_view_reshape_forms():
    x = mdl.arange(6)
    assert x.view(2, 3).shape == (2, 3) and x.view((3, 2)).shape == (3, 2) and x.view(-1, 2).shape == (3, 2)
    assert x.reshape(2, -1).shape == (2, 3)
    assert x.view_as(mdl.zeros(3, 2)).shape == (3, 2) and x.reshape_as(mdl.zeros(1, 6)).shape == (1, 6)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        x.view(4, 2)


def test_expand_and_repeat():
    x = mdl.tensor([1, 2, 3])
    assert x.expand(2, 3).tolist() == [[1, 2, 3], [1, 2, 3]]
    assert x.reshape(3, 1).expand(-1, 2).tolist() == [[1, 1], [2, 2], [3, 3]]
    assert mdl.zeros(2, 3).expand_as(mdl.zeros(4, 2, 3)).shape == (4, 2, 3)
    assert x.repeat(2).tolist() == [1, 2, 3, 1, 2, 3]
    assert x.repeat(2, 2).tolist() == [[1, 2, 3, 1, 2, 3]] * 2
    assert m23().repeat(2, 1).shape == (4, 3)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match="can not be smaller"):
        m23().repeat(2)


def test_chunk_split_unbind():
    x = mdl.arange(10)
    assert [c.tolist() for c in x.chunk(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(c) for c in x.chunk(4)] == [3, 3, 3, 1]
    assert [len(c) for c in mdl.chunk(mdl.arange(6), 4)] == [2, 2, 2]      # fewer chunks than asked, as torch
    assert [c.tolist() for c in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(c) for c in x.split([3, 7])] == [3, 7]
    assert [c.shape for c in m23().split(1, dim=1)] == [(2, 1)] * 3
    assert [r.tolist() for r in m23().unbind(1)] == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(RuntimeError, match="sum exactly to 10"):
        x.split([3, 3])


def test_indexing_forms():
    x = m23()
    assert x[1].tolist() == [3, 4, 5] and x[:, 2].tolist() == [2, 5] and x[-1, -1].item() == 5
    assert x[mdl.tensor([1, 0])].tolist() == [[3, 4, 5], [0, 1, 2]]
    assert x[mdl.tensor([True, False])].tolist() == [[0, 1, 2]]
    assert x[x > 2].tolist() == [3, 4, 5]
    assert x[:, [0, 2]].tolist() == [[0, 2], [3, 5]]
    assert x[None, 1, ...].shape == (1, 3)
    assert x[mdl.tensor(1)].tolist() == [3, 4, 5]
    assert x[np.array([1])].tolist() == [[3, 4, 5]]
    with pytest.raises(IndexError):
        x[5]


def test_indexing_gradients_accumulate_over_repeats():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mdl.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = mdl.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    (y[y > 0] * 2).sum().backward()
    assert y.grad.tolist() == [[2.0, 0.0], [2.0, 0.0]]


def test_cat_stack():
    a, b = mdl.ones(2, 1), mdl.zeros(2, 2)
    assert mdl.cat([a, b], dim=1).tolist() == [[1, 0, 0], [1, 0, 0]]
    assert mdl.cat((a, b), 1).shape == (2, 3) and mdl.concat([a, b], axis=1).shape == (2, 3)
    assert mdl.cat([mdl.ones(1), mdl.ones(2, dtype=mdl.float64)]).dtype == mdl.float64   # promotion
    assert mdl.cat([mdl.ones(1), mdl.ones(2, dtype=mdl.long)]).dtype == mdl.float32
    assert mdl.stack([mdl.ones(2), mdl.zeros(2)], dim=1).tolist() == [[1, 0], [1, 0]]
    assert mdl.stack([mdl.ones(2), mdl.zeros(2)]).shape == (2, 2)
    assert mdl.stack([mdl.ones(2), mdl.zeros(2)], dim=-1).shape == (2, 2)
    with pytest.raises(RuntimeError, match="^Sizes of tensors must match except in dimension 1. Expected size 2 "
                                           "but got size 3"):
        mdl.cat([mdl.ones(2, 1), mdl.ones(3, 2)], dim=1)


def test_flip():
    assert mdl.tensor([[1, 2], [3, 4]]).flip(0).tolist() == [[3, 4], [1, 2]]
    assert mdl.flip(mdl.tensor([[1, 2], [3, 4]]), (0, 1)).tolist() == [[4, 3], [2, 1]]


def test_index_select_nonzero_masked_select():
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.index_select(0, mdl.tensor([1, 1, 0])).tolist() == [[3, 4], [3, 4], [1, 2]]
    assert mdl.index_select(x, 1, mdl.tensor([1])).tolist() == [[2.0], [4.0]]
    assert x.nonzero().tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and x.nonzero().dtype == mdl.int64
    assert [t.tolist() for t in mdl.nonzero(mdl.tensor([0, 1, 1]), as_tuple=True)] == [[1, 2]]
    assert x.masked_select(x > 1.5).tolist() == [2.0, 3.0, 4.0]
    assert mdl.masked_select(x, mdl.tensor([True, False])).tolist() == [1.0, 3.0]   # the mask broadcasts
