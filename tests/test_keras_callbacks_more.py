"""BackupAndRestore, SwapEMAWeights and RemoteMonitor (minidl/keras/callbacks_more.py) against Keras:
tests/fixtures/make_keras_callbacks_more.py's ``run`` (a fit interrupted at epoch 2 and resumed from the
backup; validation/evaluation through SwapEMAWeights) gives tests/fixtures/keras_callbacks_more.json,
recorded once with Keras 3.15 on JAX. RemoteMonitor posts to a local HTTP server started by the test."""
import importlib.util
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from minidl import keras

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_callbacks_more.json").read_text())
_spec = importlib.util.spec_from_file_location("make_callbacks_ref", FIX / "make_keras_callbacks_more.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)


def test_backup_resume_and_ema_swaps_match_keras(tmp_path):
    got = make_ref.run(keras, str(tmp_path))
    assert set(got) == set(REF)
    for key in ("backup_files", "backup_metadata", "resumed_epochs", "backup_left"):
        assert got[key] == REF[key], key
    for key in ("resumed_weights", "straight_weights", "ema_weights", "swap_epoch_weights", "ema_resumed_weights"):
        for g, w in zip(got[key], REF[key]):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=3e-5, err_msg=key)
    for key in ("resumed_loss", "ema_val_loss", "ema_loss", "ema_eval", "swap_epoch_val_loss"):
        np.testing.assert_allclose(got[key], REF[key], rtol=1e-4, atol=3e-5, err_msg=key)
    # resuming from the backup (weights and Adam's state) ends where an uninterrupted fit ends
    for g, w in zip(got["resumed_weights"], got["straight_weights"]):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


def _small_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_backup_batch_frequency_double_checkpoint_and_fallback(tmp_path):
    x, y = np.ones((8, 2), "float32"), np.zeros((8, 1), "float32")
    backup = tmp_path / "bk"

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise KeyboardInterrupt

    model = _small_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=2, epochs=2, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=2, double_checkpoint=True,
                                                              delete_checkpoint=False), Stop()])
    # saved after batch 1 only (every 2 batches); the metadata says epoch 0
    assert sorted(p.name for p in backup.iterdir()) == ["latest.weights.h5", "training_metadata.json"]
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 0, "batch": 1}
    model.fit(x, y, batch_size=2, epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, double_checkpoint=True, delete_checkpoint=False)])
    assert (backup / "latest.weights.h5.bkp").exists() and (backup / "training_metadata.json.bkp").exists()
    (backup / "latest.weights.h5").write_bytes(b"not an HDF5 file")  # a torn write: the .bkp copy is used
    again = _small_model()
    again.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert not backup.exists()  # delete_checkpoint (default) after a finished fit


def test_backup_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore("x", save_freq="batch")


def test_swap_ema_weights_needs_use_ema():
    model = _small_model()
    model.fit(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0,
                       callbacks=[keras.callbacks.SwapEMAWeights()])


class _Recorder(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_remote_monitor_posts_each_epoch_to_a_local_server():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}"
        model = _small_model()
        x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
        model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(root=root)])
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.RemoteMonitor(root=root, path="/j", send_as_json=True)])
    finally:
        server.shutdown()
        server.server_close()
    form = _Recorder.received[:2]
    assert [p for p, _, _ in form] == ["/publish/epoch/end/"] * 2
    sent = [json.loads(urllib.parse.parse_qs(body)["data"][0]) for _, _, body in form]
    assert [s["epoch"] for s in sent] == [0, 1] and isinstance(sent[0]["loss"], float)
    path, ctype, body = _Recorder.received[2]
    assert path == "/j" and ctype == "application/json" and set(json.loads(body)) == {"epoch", "loss"}


def test_remote_monitor_warns_when_unreachable():
    model = _small_model()
    monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        model.fit(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32"), verbose=0, callbacks=[monitor])


@pytest.mark.parametrize("monitor,mode", [("val_auc", "max"), ("val_f1_score", "max"), ("val_mean_io_u", "max"),
                                          ("r2_score", "max"), ("val_recall_at_precision", "max"),
                                          ("val_pearson_correlation", "max"), ("val_loss", "min"),
                                          ("val_kl_divergence", "min"), ("logcosh", "min")])
def test_auto_mode_follows_keras_metric_direction(monitor, mode):
    from minidl.monitor import resolve_mode
    assert keras.callbacks.EarlyStopping(monitor=monitor).mode == "auto"  # (Keras keeps the mode as given)
    assert resolve_mode("auto", monitor) == mode  # the direction minidl's metrics (no _direction) get
