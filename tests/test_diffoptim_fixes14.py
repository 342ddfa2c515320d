"""Fixes from session 14's differential sweep of optim, autograd and utils.data against PyTorch 2.13.

Expected values are literals printed by PyTorch 2.13 (CPU) for the same calls, unless a
fixture is named.
"""
import collections

import numpy as np
import pytest

import minidl as mdl
from minidl.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
)


# ----------------------------------------------------------------------------- utils.data
def test_generator_seeded_shuffle_matches_pytorch_order():
    # torch: g = Generator().manual_seed(123); DataLoader(TensorDataset(arange(17)), 5, shuffle=True, generator=g)
    g = mdl.Generator().manual_seed(123)
    loader = DataLoader(TensorDataset(mdl.arange(17)), batch_size=5, shuffle=True, generator=g)
    assert [b[0].tolist() for b in loader] == [[15, 3, 12, 13, 1], [10, 0, 11, 16, 5], [4, 2, 14, 7, 9], [8, 6]]
    assert [b[0].tolist() for b in loader] == [[12, 3, 0, 14, 15], [1, 13, 5, 16, 2], [10, 6, 4, 9, 11], [8, 7]]


class _Seeds(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return i, get_worker_info().seed


def test_workers_without_batching_and_pytorch_worker_seeds():
    # batch_size=None with workers used to fail (list(int)); the worker seeds are base_seed + worker id
    g = mdl.Generator().manual_seed(11)
    got = [tuple(int(v) for v in b) for b in DataLoader(_Seeds(), batch_size=None, num_workers=2, generator=g)]
    assert got == [(0, 3325388913236545215), (1, 3325388913236545216),
                   (2, 3325388913236545215), (3, 3325388913236545216)]


def test_default_collate_strings_and_mixed_numbers():
    out = default_collate([(1, "a"), (2, "b")])
    assert isinstance(out, list) and out[1] == ("a", "b")      # the transposed tuple, as PyTorch
    mixed = default_collate([1, 2.5])                          # torch.tensor([1, 2.5]): float32
    assert mixed.dtype == mdl.float32 and mixed.tolist() == [1.0, 2.5]


def test_dataset_errors_and_subset_getitems():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(mdl.ones(3, 2), mdl.ones(2))
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])

    class It(IterableDataset):
        def __iter__(self):
            return iter(range(3))
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([It()])
    cat = ConcatDataset([TensorDataset(mdl.arange(3)), TensorDataset(mdl.arange(4))])
    assert int(cat[-7][0]) == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        cat[-8]
    sub = Subset(TensorDataset(mdl.arange(10) * 10), [2, 5, 7])
    assert [int(s[0]) for s in sub.__getitems__([0, 2])] == [20, 70]
    Pt = collections.namedtuple("Pt", "x y")
    assert np.array_equal(default_collate([Pt(1, "a"), Pt(2, "b")]).x.numpy(), [1, 2])


# ----------------------------------------------------------------------------- optim
@pytest.mark.parametrize("name, kw, expected, buf", [
    ("Adam", dict(lr=0.1), [0.7015863060951233 + 1.7006233930587769j, 2.7003815174102783 - 0.7015863060951233j],
     "exp_avg_sq"),
    ("RMSprop", dict(lr=0.1, centered=True), [-7.557973731309175e-07 + 0.3023405373096466j,
                                             1.0562243461608887 + 7.557828212156892e-07j], "square_avg"),
])
def test_complex_params_update_as_real_pairs(name, kw, expected, buf):
    # PyTorch updates complex parameters through view_as_real: real and imaginary parts independently
    p = mdl.tensor(np.array([1 + 2j, 3 - 1j], dtype=np.complex64), requires_grad=True)
    opt = getattr(mdl.optim, name)([p], **kw)
    for _ in range(3):
        opt.zero_grad()
        (p.abs() ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert opt.state[p][buf].dtype == mdl.complex64


def test_defaults_key_order_as_pytorch():
    p = [mdl.zeros(2, requires_grad=True)]
    assert list(mdl.optim.Adagrad(p).defaults) == ["lr", "lr_decay", "eps", "weight_decay",
                                                   "initial_accumulator_value", "foreach", "maximize",
                                                   "differentiable", "fused"]
    assert list(mdl.optim.Adadelta(p).defaults) == ["lr", "rho", "eps", "weight_decay", "maximize", "capturable",
                                                    "foreach", "differentiable"]
    assert list(mdl.optim.RAdam(p).defaults) == ["lr", "betas", "eps", "weight_decay", "maximize", "foreach",
                                                 "capturable", "decoupled_weight_decay", "differentiable"]
    assert list(mdl.optim.RMSprop(p).defaults) == ["lr", "momentum", "alpha", "eps", "centered", "weight_decay",
                                                   "capturable", "foreach", "maximize", "differentiable"]


def test_optimizer_hooks_duplicates_and_sparse_adam_step():
    p = mdl.ones(2, requires_grad=True)
    opt = mdl.optim.SGD([p], lr=0.1)
    log = []
    h = opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: log.append("post"))
    opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre"))
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("sd_post", sorted(sd))))
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append("load_pre"))
    opt.register_load_state_dict_post_hook(lambda o: log.append("load_post"))
    (p * 2).sum().backward()
    opt.step()
    h.remove()
    opt.step()
    opt.load_state_dict(opt.state_dict())
    assert log == ["pre", "post", "post", "sd_pre", ("sd_post", ["param_groups", "state"]), "load_pre", "load_post"]
    with pytest.warns(UserWarning, match="duplicate parameters"):
        dup = mdl.optim.SGD([p, p], lr=0.1)
    assert len(dup.param_groups[0]["params"]) == 2
    emb = mdl.nn.Embedding(4, 2, sparse=True)
    sparse = mdl.optim.SparseAdam(emb.parameters(), lr=0.1)
    emb(mdl.tensor([1, 2])).sum().backward()
    sparse.step()
    assert sparse.state_dict()["state"][0]["step"] == 1 and type(sparse.state_dict()["state"][0]["step"]) is int


# ----------------------------------------------------------------------------- lr_scheduler
def _opt(lr=0.1):
    return mdl.optim.SGD([mdl.zeros(2, requires_grad=True)], lr=lr)


def test_scheduler_warnings_as_pytorch():
    opt = _opt()
    sched = mdl.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()
    opt2 = _opt()
    sched2 = mdl.optim.lr_scheduler.ExponentialLR(opt2, 0.5)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()
    assert sched2.get_last_lr() == [0.05]


def test_scheduler_state_dict_layouts_as_pytorch():
    opt = _opt()
    step = mdl.optim.lr_scheduler.StepLR(opt, 2)
    assert list(step.state_dict()) == ["step_size", "gamma", "base_lrs", "last_epoch", "_step_count",
                                       "_is_initial", "_get_lr_called_within_step", "_last_lr"]
    cwr = mdl.optim.lr_scheduler.CosineAnnealingWarmRestarts(_opt(), T_0=3)
    for _ in range(4):
        cwr.optimizer.step()
        cwr.step()
    assert cwr.state_dict()["_step_count"] == 0          # PyTorch's CWR.step does not count
    one = mdl.optim.lr_scheduler.OneCycleLR(mdl.optim.SGD([mdl.zeros(1, requires_grad=True)], lr=0.1,
                                                          momentum=0.9), max_lr=1.0, total_steps=10)
    assert list(one.state_dict())[:3] == ["total_steps", "_schedule_phases", "_anneal_func_type"]
    plateau = mdl.optim.lr_scheduler.ReduceLROnPlateau(_opt())
    assert list(plateau.state_dict()) == ["factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps",
                                          "last_epoch", "_last_lr", "mode_worse", "mode", "threshold",
                                          "threshold_mode", "best", "cooldown_counter", "num_bad_epochs"]
    opt = _opt()
    lrs = mdl.optim.lr_scheduler
    seq = lrs.SequentialLR(opt, [lrs.ConstantLR(opt, 0.5, total_iters=3), lrs.StepLR(opt, 2)], milestones=[3])
    for _ in range(4):
        opt.step()
        seq.step()
    sd = seq.state_dict()
    assert list(sd) == ["_milestones", "last_epoch", "_last_lr", "_schedulers"]
    assert sd["_schedulers"][1]["_step_count"] == 2 and sd["_schedulers"][1]["last_epoch"] == 1   # PyTorch: 2, 1
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lrs.SequentialLR(opt, [lrs.StepLR(opt, 2), lrs.ReduceLROnPlateau(opt)], milestones=[3])


def test_lbfgs_state_scalars_are_tensors_as_pytorch():
    # torch: LBFGS([w], max_iter=4) on ((w-1)**4).sum() + (w**2).sum(), w = [3, -1, 0.5]
    w = mdl.tensor([3.0, -1.0, 0.5], requires_grad=True)
    opt = mdl.optim.LBFGS([w], max_iter=4)

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 4).sum() + (w ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    st = opt.state[w]
    assert st["t"] == 1 and type(st["t"]) is int          # the lr as given
    assert isinstance(st["H_diag"], mdl.Tensor) and st["H_diag"].dtype == mdl.float32
    assert all(isinstance(v, mdl.Tensor) and v.dtype == mdl.float32 for v in st["ro"])
    assert all(isinstance(v, mdl.Tensor) for v in st["al"][:len(st["ro"])])
    assert (st["func_evals"], st["n_iter"]) == (4, 4)
    np.testing.assert_allclose(w.detach().numpy(), [1.2027711868286133, 0.2906612455844879, 0.41608381271362305],
                               rtol=1e-4)
    np.testing.assert_allclose(float(st["H_diag"]), 0.0851, rtol=1e-3)
    sd = opt.state_dict()
    w2 = mdl.tensor([3.0, -1.0, 0.5], requires_grad=True)
    opt2 = mdl.optim.LBFGS([w2], max_iter=4)
    opt2.load_state_dict(sd)
    assert isinstance(opt2.state[w2]["H_diag"], mdl.Tensor) and opt2.state[w2]["t"] == 1
