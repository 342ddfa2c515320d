"""minidl.io faults (issue 11): load errors naming the file and what is wrong, a full disk,
the umask, stale temp files of killed saves, and SIGINT during a save."""
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import minidl.nn as nn
from minidl import io as mio
from minidl.io import FileFormatError, load, load_model, save

REPO = Path(__file__).resolve().parents[1]
FORMATS = [".h5", ".npz"]


def run_python(code, timeout=120, **kwargs):
    """Run ``code`` in a fresh interpreter; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, **kwargs)


def rewrite_meta(path, text):
    """Replace the ``__minidl__`` metadata document of a saved file by ``text``."""
    if str(path).endswith(".h5"):
        with h5py.File(path, "r+") as f:
            del f["__minidl__"]
            f.create_dataset("__minidl__", data=text, dtype=h5py.string_dtype("utf-8"))
    else:
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files if k != "__minidl__"}
        with open(path, "wb") as fh:
            np.savez(fh, __minidl__=np.array(text), **arrays)


# ------------------------------------------------------------------ load errors
@pytest.mark.parametrize("ext", FORMATS)
def test_metadata_not_json_names_file(tmp_path, ext):
    path = save({"w": np.ones(2)}, tmp_path / f"m{ext}")
    rewrite_meta(path, "{not json")
    with pytest.raises(FileFormatError) as info:
        load(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: the metadata entry '__minidl__' is not valid JSON")
    assert "\n" not in msg


@pytest.mark.parametrize("ext", FORMATS)
def test_unknown_node_type_names_file_and_entry(tmp_path, ext):
    path = save({"model": {"w": np.ones(2)}, "epoch": 1}, tmp_path / f"n{ext}")
    meta = json.loads(load_meta_text(path))
    meta["structure"]["items"][0][1]["items"][0][1] = {"t": "quaternion"}
    rewrite_meta(path, json.dumps(meta))
    with pytest.raises(FileFormatError, match=rf"^{path}: entry 'model/w' has an unknown node type "
                                              r"'quaternion'"):
        load(path)


def load_meta_text(path):
    if str(path).endswith(".h5"):
        with h5py.File(path, "r") as f:
            raw = f["__minidl__"][()]
            return raw.decode() if isinstance(raw, bytes) else str(raw)
    with np.load(path) as z:
        return str(z["__minidl__"][()])


def test_load_model_unknown_zoo_model_names_file(tmp_path):
    net = nn.Linear(2, 2)
    net.config = {"name": "no_such_net", "kwargs": {}}
    path = save(net, tmp_path / "zoo.h5")
    with pytest.raises(ValueError, match=rf"^{path}: the file names zoo model 'no_such_net', which "
                                         r"this minidl does not know \(known: .*tiny_vgg"):
        load_model(path)


# ------------------------------------------------------------------ disk full
@pytest.mark.parametrize("ext, fail", [
    (".h5", OSError(errno.ENOSPC, "No space left on device")),
    # h5py reports a failed write as a RuntimeError carrying the errno in its text
    (".h5", RuntimeError("Can't decrement id ref count (file write failed: time = now, filename = "
                         "'x', file descriptor = 5, errno = 28, error message = 'No space left on "
                         "device')")),
    (".npz", OSError(errno.ENOSPC, "No space left on device")),
])
def test_disk_full_names_file_and_keeps_previous(tmp_path, monkeypatch, ext, fail):
    path = tmp_path / f"ckpt{ext}"
    save({"w": np.zeros(3)}, path)
    writer = "_write_h5" if ext == ".h5" else "_write_npz"
    real = getattr(mio, writer)

    def full_disk(tmp, *args):
        real(tmp, *args)  # the temp file is complete ...
        raise fail        # ... and then the disk is full (e.g. on close)
    monkeypatch.setattr(mio, writer, full_disk)
    with pytest.raises(OSError) as info:
        save({"w": np.ones(3)}, path)
    assert info.value.errno == errno.ENOSPC
    assert str(info.value) == (f"[Errno 28] {path}: cannot write the file (No space left on device); "
                               "the previous file, if any, is kept")
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["w"], np.zeros(3))
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_atomic_path_names_file_on_os_error(tmp_path):
    target = tmp_path / "plot.png"
    with pytest.raises(OSError, match=rf"{target}: cannot write the file \(No space left on device\)"):
        with mio.atomic_path(target):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ umask
def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_follow_umask(tmp_path, umask, expected):
    from minidl import viz
    from minidl.train import CSVLogger
    from minidl.train.search import save_results_csv
    old = os.umask(umask)
    try:
        paths = [save(nn.Linear(2, 2), tmp_path / "w.h5"), save({"a": np.ones(1)}, tmp_path / "w.npz")]
        fig = viz.new_figure((1, 1))
        paths.append(viz.save_figure(fig, tmp_path / "f.png"))
        save_results_csv([{"params": {"lr": 0.1}, "rank": 1, "val_loss": 0.5, "seconds": 1.0}],
                         tmp_path / "search.csv")
        paths.append(tmp_path / "search.csv")
        log = CSVLogger(tmp_path / "log.csv")
        log.on_train_begin()
        log.on_epoch_end(0, {"loss": 1.0})
        log.on_train_end()
        paths.append(tmp_path / "log.csv")
        save({"b": np.ones(1)}, tmp_path / "w.npz")  # replacing an existing file
    finally:
        os.umask(old)
    for p in paths:
        assert _mode(p) == expected, (p, oct(_mode(p)))


# ------------------------------------------------------------------ stale temps
def test_temp_files_are_named_after_target_and_pid(tmp_path):
    with mio.atomic_path(tmp_path / "ck.h5") as tmp:
        name = os.path.basename(tmp)
        assert name.startswith(f".ck.h5.{os.getpid()}-") and name.endswith(".tmp")
        open(tmp, "w").close()


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temp_of_dead_process_removed_on_next_save(tmp_path):
    path = tmp_path / "ck.h5"
    dead = tmp_path / f".ck.h5.{_dead_pid()}-0123abcd.tmp"
    live = tmp_path / f".ck.h5.{os.getppid()}-89abcdef.tmp"  # a running process: maybe mid-save
    other = tmp_path / f".other.h5.{_dead_pid()}-0123abcd.tmp"  # a save to another file
    mine = tmp_path / "notes.tmp"  # the user's own file
    for p in (dead, live, other, mine):
        p.write_bytes(b"half")
    save({"w": np.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, live.name, other.name, mine.name])


def test_kill_9_during_save_leaves_temp_that_next_save_removes(tmp_path):
    path = tmp_path / "ck.h5"
    started = tmp_path / "started"
    code = f"""
        import os, time, numpy as np
        from minidl import io as mio
        real = mio._write_h5
        def slow(tmp, *args):
            real(tmp, *args)
            open({str(started)!r}, "w").close()
            time.sleep(60)
        mio._write_h5 = slow
        mio.save({{"w": np.ones(3)}}, {str(path)!r})
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO)
    try:
        deadline = time.time() + 60
        while not started.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert started.exists(), "the child never reached the write"
    finally:
        proc.kill()
        proc.wait()
    started.unlink()
    temps = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(temps) == 1 and temps[0].startswith(f".ck.h5.{proc.pid}-")
    save({"w": np.zeros(3)}, path)
    assert os.listdir(tmp_path) == [path.name]


# ------------------------------------------------------------------ SIGINT
@pytest.mark.parametrize("ext", FORMATS)
def test_sigint_inside_write_completes_save_then_raises(tmp_path, ext):
    path = tmp_path / f"ck{ext}"
    writer = "_write_h5" if ext == ".h5" else "_write_npz"
    code = f"""
        import os, signal, numpy as np
        from minidl import io as mio
        mio.save({{"w": np.zeros(3)}}, {str(path)!r})
        real = mio.{writer}
        def interrupted(tmp, *args):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands in the middle of the write
            real(tmp, *args)
        mio.{writer} = interrupted
        try:
            mio.save({{"w": np.ones(3)}}, {str(path)!r})
        except KeyboardInterrupt:
            print("KeyboardInterrupt after save:", mio.load({str(path)!r})["w"].tolist())
        else:
            print("no KeyboardInterrupt")
        print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    """
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["KeyboardInterrupt after save: [1.0, 1.0, 1.0]", "True"]
    assert os.listdir(tmp_path) == [path.name]


def test_sigint_during_failed_write_rolls_back_then_raises(tmp_path):
    path = tmp_path / "ck.h5"
    code = f"""
        import os, signal, numpy as np
        from minidl import io as mio
        mio.save({{"w": np.zeros(3)}}, {str(path)!r})
        def broken(tmp, *args):
            os.kill(os.getpid(), signal.SIGINT)
            raise OSError(28, "No space left on device")
        mio._write_h5 = broken
        try:
            mio.save({{"w": np.ones(3)}}, {str(path)!r})
        except KeyboardInterrupt:
            print("KeyboardInterrupt")
        except OSError as exc:
            print("OSError", exc)
        print(mio.load({str(path)!r})["w"].tolist())
    """
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    # the write failed (rolled back, the old file kept); the pending Ctrl-C still ends the run
    assert proc.stdout.splitlines() == ["KeyboardInterrupt", "[0.0, 0.0, 0.0]"]
    assert os.listdir(tmp_path) == [path.name]


def test_example_exits_130_when_sigint_lands_in_checkpoint_write(tmp_path):
    out = tmp_path / "run"
    code = f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO / "examples")!r})
        import _common as common
        import tiny_vgg
        from minidl import io as mio
        real = mio._write_h5
        def interrupted(tmp, *args):
            os.kill(os.getpid(), signal.SIGINT)
            real(tmp, *args)
        mio._write_h5 = interrupted
        common.run_main(lambda: tiny_vgg.main(["--epochs", "3", "--limit-train", "100",
                                               "--limit-test", "50", "--verbose", "0",
                                               "--out", {str(out)!r}]))
    """
    proc = run_python(code, timeout=300)
    assert proc.returncode == 130, (proc.returncode, proc.stderr[-2000:])
    assert proc.stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in proc.stderr
    ckpt = load(out / "best.h5")  # complete: the first epoch's checkpoint
    assert ckpt["epoch"] == 1
    rows = (out / "log.csv").read_text().strip().splitlines()
    assert len(rows) == 2  # header + epoch 1: the run stopped at the interrupt
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_sigint_handler_untouched_outside_main_thread(tmp_path):
    import threading
    errors = []

    def work():
        try:
            save({"w": np.ones(2)}, tmp_path / "t.h5")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert not errors and load(tmp_path / "t.h5")["w"].tolist() == [1.0, 1.0]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ------------------------------------------------------------------ ImageFolder
def _tree(root, classes):
    from PIL import Image
    for cls, n in classes.items():
        (root / cls).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (6, 5), (40 * i, 80, 120)).save(root / cls / f"{i}.png")
    return root


def test_image_folder_empty_class_raises_like_torchvision(tmp_path):
    from minidl.data import ImageFolder
    root = _tree(tmp_path / "fruit", {"apple": 2, "banana": 0, "cherry": 1})
    (root / "banana" / "notes.txt").write_text("not an image")
    with pytest.raises(FileNotFoundError, match=r"^Found no valid file for the classes banana under "
                                                rf"{root}\. Supported extensions are: .*\.png"):
        ImageFolder(root, cache=False)


def test_image_folder_allow_empty_keeps_label_and_warns(tmp_path):
    from minidl.data import ImageFolder
    root = _tree(tmp_path / "fruit", {"apple": 2, "banana": 0, "cherry": 1})
    with pytest.warns(UserWarning, match=r"no valid file for the classes banana"):
        ds = ImageFolder(root, cache=False, allow_empty=True)
    assert ds.classes == ["apple", "banana", "cherry"] and len(ds) == 3
    assert ds.targets.tolist() == [0, 0, 2]


def test_image_folder_class_emptied_by_skipped_corrupt_files_raises(tmp_path):
    from minidl.data import ImageFolder
    root = _tree(tmp_path / "fruit", {"apple": 2, "banana": 0})
    (root / "banana" / "broken.jpg").write_bytes(b"\x00garbage" * 20)
    with pytest.raises(FileNotFoundError, match="classes banana"):
        ImageFolder(root, cache=False, skip_corrupt=True)


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600)])
def test_dataset_cache_follows_the_umask(tmp_path, mask, expected):
    from minidl.data.cache import save_npz_atomic
    old = os.umask(mask)
    try:
        path = save_npz_atomic(tmp_path / "cache.npz", x=np.arange(3))
    finally:
        os.umask(old)
    assert (os.stat(path).st_mode & 0o777) == expected
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
