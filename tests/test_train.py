"""minidl.train.fit / evaluate / predict, and resume equivalence."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.autograd import is_grad_enabled
from minidl.train.callbacks import Callback, ModelCheckpoint
from minidl.train.data import ArrayBatches
from minidl.train.loop import evaluate, fit, load_checkpoint, predict


def toy_data(n=64, d=4, c=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)
    return x, np.minimum(y, c - 1)


def mlp(dropout=0.0, d=4, c=3):
    layers = [nn.Linear(d, 8), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(8, c))
    return nn.Sequential(*layers)


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_fit_history_keys_and_learning():
    x, y = toy_data()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    hist = fit(model, (x, y), epochs=3, optimizer=opt, loss=nn.CrossEntropyLoss(),
               val_data=(x, y), metrics=("accuracy", "top2_accuracy"), verbose=0, seed=1)
    h = hist.history
    assert list(h) == ["loss", "accuracy", "top2_accuracy", "val_loss", "val_accuracy",
                       "val_top2_accuracy", "lr", "time", "images_per_sec"]
    assert hist.epoch == [0, 1, 2] and all(len(v) == 3 for v in h.values())
    assert h["loss"][-1] < h["loss"][0]
    assert h["lr"] == [0.2, 0.2, 0.2]
    assert all(v > 0 for v in h["images_per_sec"])
    assert all(0 <= a <= b <= 1 for a, b in zip(h["val_accuracy"], h["val_top2_accuracy"]))
    # the last val values are what evaluate() reports for the final weights
    ev = evaluate(model, (x, y), loss="cross_entropy", metrics=("accuracy",), batch_size=7)
    assert ev["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-5)
    assert ev["accuracy"] == pytest.approx(h["val_accuracy"][-1])


def test_evaluate_is_sample_weighted_across_uneven_batches():
    x, y = toy_data(n=10)
    model = mlp()
    logits = predict(model, x, batch_size=3)
    assert logits.shape == (10, 3) and isinstance(logits, np.ndarray)
    expected_loss = float(F.cross_entropy(mdl.tensor(logits), mdl.tensor(y)).item())
    expected_acc = float((logits.argmax(1) == y).mean())
    for bs in (1, 3, 4, 10):
        ev = evaluate(model, (x, y), loss="cross_entropy", batch_size=bs)
        assert ev["loss"] == pytest.approx(expected_loss, rel=1e-5)
        assert ev["accuracy"] == pytest.approx(expected_acc)
    np.testing.assert_allclose(predict(model, (x, y), batch_size=4), logits, rtol=1e-6)


def test_modes_and_no_grad_during_validation():
    seen = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 3)

        def forward(self, x):
            seen.append((self.training, is_grad_enabled()))
            return self.lin(x)
    x, y = toy_data(n=8)
    model = Spy()
    fit(model, (x, y), epochs=1, optimizer=optim.SGD(model.parameters(), lr=0.1),
        loss="cross_entropy", val_data=(x, y), batch_size=8, verbose=0)
    assert seen == [(True, True), (False, False)]
    model.train()
    predict(model, x)
    assert seen[-1] == (False, False) and model.training  # mode restored


def test_loader_iterables_set_epoch_and_initial_epoch():
    x, y = toy_data(n=12)

    class Loader:
        def __init__(self):
            self.epochs = []

        def set_epoch(self, e):
            self.epochs.append(e)

        def __iter__(self):
            return iter([(x[:6], y[:6]), (x[6:], y[6:])])

        def __len__(self):
            return 2
    loader = Loader()
    model = mlp()
    hist = fit(model, loader, epochs=5, initial_epoch=3, optimizer=optim.SGD(model.parameters(), lr=0.1),
               loss=F.cross_entropy, verbose=0)
    assert loader.epochs == [3, 4] and hist.epoch == [3, 4]
    with pytest.raises(TypeError, match="one-shot"):
        fit(model, iter([(x, y)]), epochs=1, optimizer=optim.SGD(model.parameters(), lr=0.1),
            loss="cross_entropy", verbose=0)


def test_mse_loss_by_name_and_no_metrics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    t = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32))
    model = nn.Linear(3, 1)
    hist = fit(model, (x, t), epochs=3, optimizer=optim.SGD(model.parameters(), lr=0.1),
               loss="mse", metrics=(), verbose=0, seed=0)
    assert "accuracy" not in hist.history and hist.history["loss"][-1] < hist.history["loss"][0]


def test_stop_training_flag_from_callback():
    class StopAtBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True
    x, y = toy_data()
    model = mlp()
    batches = []

    class Count(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            batches.append(batch)
    hist = fit(model, (x, y), epochs=4, optimizer=optim.SGD(model.parameters(), lr=0.1),
               loss="cross_entropy", callbacks=[StopAtBatch(), Count()], batch_size=16, verbose=0)
    assert batches == [0, 1] and hist.epoch == [0]


def test_array_batches_shuffle_depends_on_seed_and_epoch_only():
    x = np.arange(20).reshape(20, 1)
    a = ArrayBatches(x, x[:, 0], batch_size=5, shuffle=True, seed=3)
    first = np.concatenate([b[1] for b in a])
    second = np.concatenate([b[1] for b in a])
    assert sorted(first) == list(range(20)) and not np.array_equal(first, second)
    b = ArrayBatches(x, x[:, 0], batch_size=5, shuffle=True, seed=3)
    b.set_epoch(1)
    np.testing.assert_array_equal(np.concatenate([t[1] for t in b]), second)


def _train_pair(opt_name, tmp_path, data_kind):
    """Uninterrupted k+1 epochs vs k epochs + checkpoint + fresh objects + 1 epoch."""
    x, y = toy_data(n=64)
    k, seed = 2, 7

    def build():
        mdl.manual_seed(123)
        model = mlp(dropout=0.3)
        if opt_name == "sgd":
            opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        else:
            opt = optim.Adam(model.parameters(), lr=0.01)
        return model, opt

    def data():
        if data_kind == "arrays":
            return (x, y)
        from minidl.data.dataset import TensorDataset
        from minidl.data.loader import DataLoader
        return DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=seed, prefetch=0)

    kw = dict(optimizer=None, loss="cross_entropy", batch_size=16, verbose=0, seed=seed,
              val_data=(x[:16], y[:16]))
    m1, o1 = build()
    kw["optimizer"] = o1
    full = fit(m1, data(), epochs=k + 1, **kw)

    m2, o2 = build()
    kw["optimizer"] = o2
    path = tmp_path / "ckpt.h5"
    fit(m2, data(), epochs=k, callbacks=[ModelCheckpoint(path)], **kw)
    mdl.manual_seed(999)  # whatever happens in between must not matter
    m3, o3 = build()
    for p in m3.parameters():  # really fresh weights
        p.data[...] = 0
    ckpt = load_checkpoint(path, m3, o3)
    assert ckpt["epoch"] == k and len(ckpt["history"]["loss"]) == k
    kw["optimizer"] = o3
    resumed = fit(m3, data(), epochs=k + 1, initial_epoch=ckpt["epoch"], **kw)
    assert resumed.epoch == [k]
    assert resumed.history["loss"][0] == pytest.approx(full.history["loss"][-1], rel=1e-6)
    w_full, w_res = weights(m1), weights(m3)
    for name in w_full:
        np.testing.assert_allclose(w_res[name], w_full[name], rtol=1e-6, atol=1e-6, err_msg=name)
    return w_full


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_resume_equivalence_arrays(tmp_path, opt_name):
    _train_pair(opt_name, tmp_path, "arrays")


def test_resume_equivalence_dataloader(tmp_path):
    pytest.importorskip("minidl.data.loader")
    _train_pair("sgd", tmp_path, "loader")


def test_same_seed_same_run_and_dropout_matters():
    x, y = toy_data()

    def run(seed):
        mdl.manual_seed(0)
        model = mlp(dropout=0.5)
        fit(model, (x, y), epochs=2, optimizer=optim.SGD(model.parameters(), lr=0.1),
            loss="cross_entropy", verbose=0, seed=seed)
        return weights(model)
    a, b, c = run(5), run(5), run(6)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


@pytest.mark.gpu
def test_fit_on_gpu_matches_api(tmp_path):
    x, y = toy_data(n=32)
    model = mlp(dropout=0.2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    path = tmp_path / "gpu.h5"
    hist = fit(model, (x, y), epochs=2, optimizer=opt, loss="cross_entropy", val_data=(x, y),
               device="gpu", verbose=0, seed=0, callbacks=[ModelCheckpoint(path)])
    assert next(model.parameters()).device.type == "cuda"
    assert len(hist.history["val_loss"]) == 2
    logits = predict(model, x)
    assert isinstance(logits, np.ndarray) and logits.shape == (32, 3)
    ev = evaluate(model, (x, y), loss="cross_entropy")
    assert ev["loss"] == pytest.approx(hist.history["val_loss"][-1], rel=1e-4)
    cpu_model = mlp(dropout=0.2)
    load_checkpoint(path, cpu_model)
    np.testing.assert_allclose(predict(cpu_model, x), logits, rtol=1e-4, atol=1e-5)
