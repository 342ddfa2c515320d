"""PyTorch's ``torch.profiler``: time the ops of a model, step by step, and export what was recorded.

* :class:`profile` records the ops run inside it (``with`` block or
  ``start()``/``stop()``), optionally on a :func:`schedule` of steps marked by
  ``prof.step()``, handing each finished cycle to ``on_trace_ready`` (e.g.
  :func:`tensorboard_trace_handler`);
* :class:`record_function` labels a block (or a function) as a user event;
* ``prof.key_averages().table(sort_by="cpu_time_total")`` prints PyTorch's
  summary table, ``prof.export_chrome_trace(path)`` writes a Chrome/Perfetto
  trace.

Ops carry PyTorch's names (``aten::conv2d``, ``aten::addmm``,
``autograd::engine::evaluate_function: AddmmBackward0``). The events and
tables are those of :mod:`minidl.autograd.profiler`, which also holds PyTorch's
legacy ``profile`` and ``emit_nvtx``.
"""
from __future__ import annotations

from ..autograd.profiler import kineto_available, record_function
from ..autograd.profiler_util import DeviceType
from . import profiler
from .profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)

__all__ = ["profile", "record_function", "schedule", "ProfilerAction", "ProfilerActivity",
           "tensorboard_trace_handler", "supported_activities", "kineto_available", "DeviceType", "profiler"]
