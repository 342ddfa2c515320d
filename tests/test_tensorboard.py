"""SummaryWriter and the TensorBoard callback: event files read back with tensorboardX's protobufs."""
import re
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


def test_writing_after_close_opens_a_new_file(tmp_path):
    """The TensorBoard tutorial calls ``writer.close()`` after each PR curve and keeps writing: every event
    survives (a file reopened in the same second must not overwrite the previous one)."""
    w = SummaryWriter(tmp_path / "run", filename_suffix=".mine")
    for k in range(3):
        w.add_scalar(f"tag{k}", float(k), 0)
        w.close()
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert len(names) == 3 and all(name.endswith(".mine") for name in names)
    assert all(re.fullmatch(r"events\.out\.tfevents\.\d{10}\.[^.]+(\.[^.]+)*\.\d+\.\d+\.mine", n) for n in names)
    assert {tag for (_, tag) in scalars(tmp_path / "run")} == {"tag0", "tag1", "tag2"}


def test_tags_are_kept_verbatim_as_in_pytorch(tmp_path, caplog):
    """PyTorch's writer logs 'training loss' and 'T-shirt/top' as given; tensorboardX alone would write
    'training_loss' and warn."""
    with SummaryWriter(tmp_path / "run") as w:
        w.add_scalar("training loss", 1.0, 0)
        w.add_image("four fashion images", mdl.rand(1, 4, 4), 0)
        w.add_pr_curve("T-shirt/top", np.array([True, False]), np.array([0.8, 0.3]), 0)
    tags = {v.tag for _, ev in read_events(tmp_path / "run") for v in ev.summary.value}
    assert {"training loss", "four fashion images", "T-shirt/top"} <= tags
    assert "illegal" not in caplog.text
    from tensorboardX import summary
    assert summary._clean_tag("a b") == "a_b"  # tensorboardX itself is left as it was


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


class _LeNetish(mdl.nn.Module):
    """conv -> F.relu -> pool -> flatten -> Sequential(Linear, ReLU), for the graph's scopes."""

    def __init__(self):
        super().__init__()
        self.conv1 = mdl.nn.Conv2d(1, 2, 3)
        self.pool = mdl.nn.MaxPool2d(2, 2)
        self.head = mdl.nn.Sequential(mdl.nn.Linear(2 * 3 * 3, 4), mdl.nn.ReLU())

    def forward(self, x):
        x = self.pool(mdl.nn.functional.relu(self.conv1(x)))
        return self.head(x.view(-1, 2 * 3 * 3))


def test_add_graph_writes_the_module_tree_and_ops(tmp_path):
    """Nodes named by module scope (PyTorch's ``Net/Conv2d[conv1]/...``), wired input -> ops -> output,
    with the input's and output's shapes; the model's parameters do not keep gradients from the run."""
    from tensorboardX.proto.graph_pb2 import GraphDef
    model = _LeNetish()
    with SummaryWriter(tmp_path / "run") as w:
        w.add_graph(model, mdl.randn(5, 1, 8, 8))
    graphs = [GraphDef.FromString(ev.graph_def) for _, ev in read_events(tmp_path / "run") if ev.graph_def]
    assert len(graphs) == 1
    nodes = {n.name: n for n in graphs[0].node}
    assert nodes["_LeNetish/Conv2d[conv1]/weight"].op == "prim::GetAttr"
    conv = nodes["_LeNetish/Conv2d[conv1]/aten::convolution"]
    assert list(conv.input) == ["input/input.0", "_LeNetish/Conv2d[conv1]/weight", "_LeNetish/Conv2d[conv1]/bias"]
    assert list(nodes["_LeNetish/aten::relu"].input) == ["_LeNetish/Conv2d[conv1]/aten::convolution"]
    assert "_LeNetish/Sequential[head]/Linear[0]/aten::addmm" in nodes
    assert "_LeNetish/MaxPool2d[pool]/aten::max_pool2d_with_indices" in nodes
    output = nodes["output/output.0"]
    assert list(output.input) == ["_LeNetish/Sequential[head]/ReLU[1]/aten::relu"]
    assert [d.size for d in output.attr["_output_shapes"].list.shape[0].dim] == [5, 4]
    assert [d.size for d in nodes["input/input.0"].attr["_output_shapes"].list.shape[0].dim] == [5, 1, 8, 8]
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        SummaryWriter(tmp_path / "bad").add_graph(lambda x: x, mdl.randn(2))


def test_add_figure_pr_curve_embedding_hparams(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    images = mdl.randint(0, 255, (6, 1, 4, 4), dtype=mdl.uint8)
    with SummaryWriter(tmp_path / "run") as w:
        figure = plt.figure()
        plt.plot([1, 2, 3])
        w.add_figure("curve", figure, global_step=2)
        w.add_pr_curve("class_a", mdl.tensor([True, False, True, False]), mdl.tensor([0.9, 0.4, 0.6, 0.1]),
                       global_step=1)
        w.add_embedding(images.view(-1, 16), metadata=[f"label{i}" for i in range(6)], label_img=images)
        w.add_hparams({"lr": 0.1, "optimizer": "sgd"}, {"hparam/accuracy": mdl.tensor(0.75)}, run_name="trial")
    assert not plt.fignum_exists(figure.number)  # close=True
    values = {v.tag: (ev.step, v) for _, ev in read_events(tmp_path / "run") for v in ev.summary.value}
    assert values["curve"][0] == 2 and values["curve"][1].image.height > 0
    assert values["class_a"][0] == 1 and values["class_a"][1].metadata.plugin_data.plugin_name == "pr_curves"
    projector = tmp_path / "run" / "00000" / "default"
    assert (projector / "metadata.tsv").read_text().split() == [f"label{i}" for i in range(6)]
    assert len((projector / "tensors.tsv").read_text().strip().splitlines()) == 6
    assert (projector / "sprite.png").is_file() and (tmp_path / "run" / "projector_config.pbtxt").is_file()
    assert scalars(tmp_path / "run")[("trial", "hparam/accuracy")] == [(0, 0.75)]
    with pytest.raises(ValueError, match="hparam_domain_discrete"):
        SummaryWriter(tmp_path / "x").add_hparams({"lr": 0.1}, {"m": 1.0}, hparam_domain_discrete={"lr": [0.1]})


def test_add_scalars_writes_pytorchs_sub_runs(tmp_path):
    """introyt's training tutorial: ``add_scalars('Training vs. Validation Loss', {'Training': ..., 'Validation':
    ...}, epoch)`` makes PyTorch's sibling runs ``<main_tag>_<tag>`` (a '/' in the main tag becomes '_'), each
    holding the value under the main tag; tensorboardX alone nests ``<main_tag>/<tag>``."""
    with SummaryWriter(tmp_path / "run") as w:
        for epoch in (1, 2):
            w.add_scalars("Training vs. Validation Loss", {"Training": 1.0 / epoch, "Validation": mdl.tensor(2.0)},
                          epoch)
        w.add_scalars("a/b", {"x": 3.0}, 0)
    subs = sorted(p.name for p in (tmp_path / "run").iterdir() if p.is_dir())
    assert subs == ["Training vs. Validation Loss_Training", "Training vs. Validation Loss_Validation", "a_b_x"]
    got = scalars(tmp_path / "run")
    assert got[("Training vs. Validation Loss_Training", "Training vs. Validation Loss")] == [(1, 1.0), (2, 0.5)]
    assert got[("Training vs. Validation Loss_Validation", "Training vs. Validation Loss")] == [(1, 2.0), (2, 2.0)]
    assert got[("a_b_x", "a/b")] == [(0, 3.0)]
