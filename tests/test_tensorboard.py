"""SummaryWriter and the TensorBoard callback: event files read back with tensorboardX's protobufs."""
import struct
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl

event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2",
                                reason="tensorboardX (pip install minidl[tensorboard]) not installed")

from minidl.train import TensorBoard, fit  # noqa: E402
from minidl.utils.tensorboard import SummaryWriter  # noqa: E402


def read_events(folder):
    """Every Event in the TFRecord event files under ``folder`` (length, crc, data, crc)."""
    events = []
    for path in sorted(Path(folder).rglob("events.out.tfevents.*")):
        raw = path.read_bytes()
        pos = 0
        while pos < len(raw):
            (length,) = struct.unpack("<Q", raw[pos:pos + 8])
            data = raw[pos + 12:pos + 12 + length]
            events.append((path.parent, event_pb2.Event.FromString(data)))
            pos += 12 + length + 4
    return events


def scalars(folder):
    """{(sub-folder name, tag): [(step, value), ...]}."""
    out = {}
    for where, ev in read_events(folder):
        for v in ev.summary.value:
            if v.HasField("simple_value"):
                out.setdefault((where.name, v.tag), []).append((ev.step, v.simple_value))
    return out


def test_summary_writer_scalars_images_histograms(tmp_path):
    with SummaryWriter(tmp_path / "run") as w:
        for step in range(3):
            w.add_scalar("loss", mdl.tensor(1.0 / (step + 1)), step)
        w.add_scalars("acc", {"train": 0.5, "val": np.float32(0.25)}, 1)
        w.add_image("img", mdl.rand(3, 8, 8), 0)
        w.add_histogram("weights", mdl.randn(100), 0)
        w.flush()
    got = scalars(tmp_path / "run")
    assert [(s, round(v, 4)) for s, v in got[("run", "loss")]] == [(0, 1.0), (1, 0.5), (2, 0.3333)]
    assert any(tag == "acc" and vals == [(1, 0.5)] for (sub, tag), vals in got.items() if "train" in sub)
    tags = {v.tag for _, ev in read_events(tmp_path / "run") for v in ev.summary.value}
    assert {"img", "weights"} <= tags
    with pytest.raises(ValueError, match="one value"):
        SummaryWriter(tmp_path / "x").add_scalar("bad", np.ones(3))


def test_tensorboard_callback_logs_keras_tags(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = mdl.nn.Sequential(mdl.nn.Linear(4, 8), mdl.nn.ReLU(), mdl.nn.Linear(8, 2))
    opt = mdl.optim.SGD(model.parameters(), lr=0.1)
    hist = fit(model, (x, y), epochs=3, optimizer=opt, loss="cross_entropy", batch_size=8,
               val_data=(x, y), verbose=0, seed=0,
               callbacks=[TensorBoard(tmp_path / "logs", histogram_freq=1, update_freq=2)])
    got = scalars(tmp_path / "logs")
    train_loss = [v for _, v in got[("train", "epoch_loss")]]
    np.testing.assert_allclose(train_loss, hist.history["loss"], rtol=1e-6)
    val_acc = [v for _, v in got[("validation", "epoch_accuracy")]]
    np.testing.assert_allclose(val_acc, hist.history["val_accuracy"], rtol=1e-6)
    assert [s for s, _ in got[("train", "epoch_loss")]] == [0, 1, 2]
    assert ("train", "epoch_learning_rate") in got
    assert len(got[("train", "batch_loss")]) == 6                       # 12 batches, every 2nd
    tags = {v.tag for _, ev in read_events(tmp_path / "logs") for v in ev.summary.value}
    assert "0.weight" in tags                                          # parameter histograms
