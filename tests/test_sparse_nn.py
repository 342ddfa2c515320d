"""Sparse gradients in training: ``nn.Embedding(sparse=True)`` / ``F.embedding(sparse=True)`` and the
optimisers that take them (SGD, Adagrad, SparseAdam), checked against PyTorch 2.13's weights after four
steps (tests/fixtures/sparse_optim_torch.npz, made by tests/fixtures/make_sparse_optim.py)."""
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.autograd import gradcheck

FIXTURE = Path(__file__).parent / "fixtures" / "sparse_optim_torch.npz"
OPTIMISERS = {"sgd": lambda p: optim.SGD(p, lr=0.1),
              "sgdm": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
              "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
              "sparseadam": lambda p: optim.SparseAdam(p, lr=0.05),
              "sparseadam_max": lambda p: optim.SparseAdam(p, lr=0.05, maximize=True)}


def test_embedding_gradient_is_sparse():
    e = nn.Embedding(5, 3, sparse=True, padding_idx=1)
    assert repr(e) == "Embedding(5, 3, padding_idx=1, sparse=True)"
    x = mdl.tensor([[0, 2, 0], [1, 4, 2]])
    e(x).sum().backward()
    g = e.weight.grad
    assert g.is_sparse and not g.is_coalesced() and g.shape == (5, 3)
    np.testing.assert_array_equal(g._indices().numpy(), [[0, 2, 0, 4, 2]])   # the padding id is left out
    np.testing.assert_array_equal(g.to_dense().numpy(), np.array([[2.0], [0], [2], [0], [1]]) * np.ones((5, 3)))
    assert F.embedding(x, e.weight, sparse=True).grad_fn.name() == "EmbeddingBackward0"


def test_zero_grad_keeps_a_sparse_gradient():
    e = nn.Embedding(5, 3, sparse=True)
    opt = optim.SGD(e.parameters(), lr=0.1)
    e(mdl.tensor([1, 4])).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert e.weight.grad.is_sparse and e.weight.grad._nnz() == 0
    e(mdl.tensor([2])).sum().backward()
    np.testing.assert_array_equal(e.weight.grad.to_dense().numpy()[:, 0], [0, 0, 1, 0, 0])
    opt.step()


def test_embedding_gradcheck():
    w = mdl.tensor(np.random.default_rng(0).standard_normal((6, 4)), dtype=mdl.float64, requires_grad=True)
    ids = mdl.tensor([[5, 0, 5], [2, 1, 0]])   # no padding id: its rows get no gradient by design

    def fn(w):
        return F.embedding(ids, w, padding_idx=3, sparse=True)

    def first_derivative(w):   # the sparse gradient, made with create_graph=True, as a dense function of w
        with mdl.enable_grad():   # gradcheck evaluates under no_grad
            g, = mdl.autograd.grad((fn(w) ** 3).sum(), w, create_graph=True)
        assert g.is_sparse
        return g.to_dense()
    assert gradcheck(fn, (w,)) and gradcheck(first_derivative, (w,))


def test_scale_grad_by_freq_is_refused_in_backward():
    e = nn.Embedding(4, 2, sparse=True, scale_grad_by_freq=True)
    out = e(mdl.tensor([1, 1]))
    with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
        out.sum().backward()


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_optimisers_match_pytorch(name):
    ref = np.load(FIXTURE)
    e = nn.Embedding(7, 3, sparse=True, padding_idx=2)
    with mdl.no_grad():
        e.weight.copy_(mdl.tensor(ref["w0"]))
    opt = OPTIMISERS[name](e.parameters())
    for ids, target in zip(ref["ids"], ref["targets"]):
        opt.zero_grad()
        ((e(mdl.tensor(ids)) - mdl.tensor(target)) ** 2).sum().backward()
        assert e.weight.grad.is_sparse
        opt.step()
    np.testing.assert_allclose(e.weight.detach().numpy(), ref[name], rtol=1e-5, atol=1e-6)


def test_optimiser_errors():
    e = nn.Embedding(4, 2, sparse=True)
    e(mdl.tensor([1, 3])).sum().backward()
    with pytest.raises(RuntimeError, match="Adam does not support sparse gradients, please consider SparseAdam"):
        optim.Adam(e.parameters()).step()
    with pytest.raises(RuntimeError, match=r"add\(sparse, dense\) is not supported"):
        optim.SGD(e.parameters(), lr=0.1, weight_decay=0.1).step()
    with pytest.raises(RuntimeError, match="weight_decay option is not compatible with sparse gradients"):
        optim.Adagrad(e.parameters(), weight_decay=0.1).step()
    w = nn.Parameter(mdl.ones(2))
    w.grad = mdl.ones(2)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        optim.SparseAdam([w]).step()
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SparseAdam([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.SparseAdam([w], betas=(0.9, 1.0))
