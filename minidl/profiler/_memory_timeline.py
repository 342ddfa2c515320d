"""``profile.export_memory_timeline``: the bytes held by the profiled ops' outputs over time, as a file.

minidl's recorder sees each op's output allocation and its release while
recording (``profile_memory=True``), not PyTorch's memory categories
(parameters, gradients, activations, ...): every byte is in one category,
``Unknown``. The files follow PyTorch's suffixes:

* ``.html``: the curve plotted (Matplotlib) and embedded as a PNG;
* ``.json`` / ``.json.gz``: ``[times, sizes]``, ``times`` in microseconds from
  the recording's start, ``sizes`` one ``[bytes]`` list per time;
* ``.raw.json.gz``: one ``[time, action, bytes, category]`` per allocation
  (action 1, PyTorch's ``CREATE``) or release (3, ``DESTROY``), category None.
"""
from __future__ import annotations

import base64
import gzip
import io
import json

__all__ = ["export_memory_timeline"]

_CREATE, _DESTROY = 1, 3


def _records(collector, on_device):
    base = collector.base_perf_ns
    return [((at_ns - base) / 1e3, nbytes) for at_ns, nbytes, _total, _tid, device in collector.memory
            if device == on_device]


def _timeline(records):
    times, sizes, held = [], [], 0
    for at_us, nbytes in records:
        held += nbytes
        times.append(at_us)
        sizes.append([held])
    return times, sizes


def _html(times, sizes, device):
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(20, 12), dpi=80)
    axes = fig.gca()
    gib = [s[0] / 1024 ** 3 for s in sizes]
    axes.fill_between([t / 1e3 for t in times], 0, gib, color="grey", alpha=0.7, step="post")
    fig.legend(["Unknown"])
    axes.set_xlabel("Time (ms)")
    axes.set_ylabel("Memory (GB)")
    axes.set_title(f"Max memory allocated ({device}): {max(gib, default=0.0):.2f} GiB")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode("utf-8")
    return ("<html>\n<head><meta charset=\"utf-8\" /><title>GPU Memory Timeline HTML</title></head>\n<body>\n"
            f"  <img src='data:image/png;base64,{encoded}'>\n</body>\n</html>")


def export_memory_timeline(collector, path, device):
    """Write the memory timeline of ``collector``'s recording on ``device`` (``"cpu"`` or ``"cuda:0"``) to
    ``path``, in the format its suffix names (see the module docstring), via a temporary file."""
    from ..io import atomic_path
    records = _records(collector, on_device=not str(device).startswith("cpu"))
    path = str(path)
    if path.endswith(".html"):
        times, sizes = _timeline(records)
        payload, binary = _html(times, sizes, device), False
    elif path.endswith("raw.json.gz"):
        raw = [[t, _CREATE if n > 0 else _DESTROY, abs(n), None] for t, n in records]
        payload, binary = gzip.compress(json.dumps(raw).encode("utf-8")), True
    else:
        text = json.dumps(list(_timeline(records)))
        payload, binary = (gzip.compress(text.encode("utf-8")), True) if path.endswith(".gz") else (text, False)
    with atomic_path(path) as tmp:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            f.write(payload)
