"""optim.swa_utils: AveragedModel (SWA running mean, EMA, custom avg_fn, buffers), update_bn
and the averaging functions, against NumPy computations of the same averages. SWALR's
learning rates are checked against PyTorch's in test_optim_lr_cyclic.py."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.optim import swa_utils


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()


def _snapshots(model, rng, n):
    """Overwrite the model's parameters with random values n times, yielding each set."""
    for _ in range(n):
        values = [rng.standard_normal(p.shape) for p in model.parameters()]
        for p, v in zip(model.parameters(), values):
            p.data[...] = v
        model[1].running_mean.data[...] = rng.standard_normal(4)
        yield values


def test_swa_average_is_the_mean_of_the_snapshots(rng):
    model = _model()
    swa = swa_utils.AveragedModel(model)
    assert sorted(swa.state_dict())[:2] == ["module.0.bias", "module.0.weight"] and "n_averaged" in swa.state_dict()
    seen = []
    for values in _snapshots(model, rng, 4):
        swa.update_parameters(model)
        seen.append(values)
    assert swa.n_averaged.item() == 4 and swa.n_averaged.dtype == mdl.int64
    for i, p in enumerate(swa.module.parameters()):
        np.testing.assert_allclose(p.numpy(), np.mean([v[i] for v in seen], axis=0), rtol=1e-12)
    # buffers are copied from the latest model, not averaged
    np.testing.assert_array_equal(swa.module[1].running_mean.numpy(), model[1].running_mean.numpy())
    x = mdl.randn(5, 3, dtype=mdl.float64)
    swa.eval()
    np.testing.assert_allclose(swa(x).numpy(), swa.module(x).numpy())


@pytest.mark.parametrize("form", ["multi", "single", "custom"])
def test_ema_forms_agree_with_the_formula(rng, form):
    model = _model()
    decay = 0.9
    if form == "multi":
        ema = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(decay), use_buffers=True)
    elif form == "single":
        ema = swa_utils.AveragedModel(model, avg_fn=swa_utils.get_ema_avg_fn(decay), use_buffers=True)
    else:
        ema = swa_utils.AveragedModel(model, avg_fn=lambda avg, cur, n: decay * avg + (1 - decay) * cur,
                                      use_buffers=True)
    expected = None
    for values in _snapshots(model, rng, 3):
        ema.update_parameters(model)
        current = values + [model[1].running_mean.numpy().copy()]
        expected = current if expected is None else [decay * e + (1 - decay) * c for e, c in zip(expected, current)]
    got = [p.numpy() for p in ema.module.parameters()] + [ema.module[1].running_mean.numpy()]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_averaging_functions_and_errors():
    a, b = mdl.tensor([1.0, 3.0]), mdl.tensor([3.0, 7.0])
    assert swa_utils.get_swa_avg_fn()(a, b, 1).tolist() == [2.0, 5.0]
    assert swa_utils.get_ema_avg_fn(0.5)(a, b, 0).tolist() == [2.0, 5.0]
    swa_utils.get_swa_multi_avg_fn()([a], [b], mdl.tensor(3))
    assert a.tolist() == [1.5, 4.0]
    with pytest.raises(ValueError, match="decay"):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(AssertionError, match="Only one"):
        swa_utils.AveragedModel(_model(), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


def test_update_bn_recomputes_the_running_statistics(rng):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.3)).double().eval()
    data = [mdl.tensor(rng.standard_normal((8, 3))) for _ in range(3)]
    loader = [(x, mdl.zeros(8)) for x in data]
    swa_utils.update_bn(loader, model)
    hidden = np.concatenate([model[0](x).detach().numpy() for x in data])
    np.testing.assert_allclose(model[1].running_mean.numpy(), hidden.mean(0), rtol=1e-10)
    batch_vars = [model[0](x).detach().numpy().var(0, ddof=1) for x in data]
    np.testing.assert_allclose(model[1].running_var.numpy(), np.mean(batch_vars, axis=0), rtol=1e-10)
    assert model[1].momentum == 0.3 and not model.training and model[1].num_batches_tracked.item() == 3
