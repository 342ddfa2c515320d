"""From a recording to :class:`FunctionEvent` lists, and from those to files (Chrome trace, flame-graph stacks).

:func:`function_events` turns a ``_profiling.Collector``'s raw intervals into
events with PyTorch's attributes: times in microseconds from the start of the
recording, parent/child links, memory summed over children. ``ProfilerStep#N``
events (the profiler's ``step()`` markers) are named ``ProfilerStep*`` in the
list, as PyTorch's are, and keep ``ProfilerStep#N`` in the trace.

:func:`write_chrome_trace` writes PyTorch's trace layout (``traceEvents`` of
``"ph": "X"`` complete events in microseconds, ``[memory]`` instant events with
``profile_memory``), through a temporary file renamed into place; a path ending
in ``.gz`` is gzip-compressed.
"""
from __future__ import annotations

import gzip
import json
import os
import socket

from .profiler_util import EventList, FunctionEvent

__all__ = ["function_events", "write_chrome_trace", "write_stacks"]


def function_events(collector, use_device=None):
    """The collector's events as an :class:`EventList` sorted by start time."""
    base = collector.base_perf_ns
    made = {}
    for raw in collector.events:
        end = raw.end if raw.end is not None else collector.end_perf_ns
        is_step = raw.name.startswith("ProfilerStep#")
        event = FunctionEvent(id=raw.index + 1, name="ProfilerStep*" if is_step else raw.name, thread=raw.tid,
                              start_us=(raw.start - base) / 1e3, end_us=(end - base) / 1e3,
                              fwd_thread=raw.tid, input_shapes=raw.shapes, stack=raw.stack,
                              use_device=use_device, flops=raw.flops, trace_name=raw.name,
                              is_remote=False, is_user_annotation=raw.cat == "user_annotation")
        event._category = raw.cat
        made[id(raw)] = event
        if raw.parent is not None:
            parent = made[id(raw.parent)]
            event.set_cpu_parent(parent)
            parent.append_cpu_child(event)
    ordered = [made[id(raw)] for raw in collector.events]
    for raw, event in zip(reversed(collector.events), reversed(ordered)):   # children after parents: bottom-up
        event.cpu_memory_usage = raw.self_mem + sum(c.cpu_memory_usage for c in event.cpu_children)
        event.device_memory_usage = raw.self_device_mem + sum(c.device_memory_usage for c in event.cpu_children)
    ordered.sort(key=lambda e: (e.thread, e.time_range.start, -e.time_range.end))
    events = EventList(ordered, use_device=use_device, profile_memory=collector.profile_memory,
                       with_flops=collector.with_flops, trace=collector)
    return events


def _trace_document(events, collector, path):
    pid = os.getpid()
    wall_us = collector.base_wall_ns / 1e3 if collector is not None else 0.0
    base_perf = collector.base_perf_ns if collector is not None else 0
    trace = [{"ph": "M", "name": "process_name", "ts": wall_us, "pid": pid, "tid": 0, "args": {"name": "python"}},
             {"ph": "M", "name": "process_labels", "ts": wall_us, "pid": pid, "tid": 0, "args": {"labels": "CPU"}}]
    for tid in sorted({e.thread for e in events}):
        trace.append({"ph": "M", "name": "thread_name", "ts": wall_us, "pid": pid, "tid": tid,
                      "args": {"name": f"thread {tid} (python)"}})
    for index, event in enumerate(events):
        args = {"External id": event.id, "Ev Idx": index}
        if event.input_shapes:
            args["Input Dims"] = event.input_shapes
        if event.flops:
            args["flops"] = event.flops
        trace.append({"ph": "X", "cat": getattr(event, "_category", "cpu_op"), "name": event.trace_name,
                      "pid": pid, "tid": event.thread, "ts": wall_us + event.time_range.start,
                      "dur": event.time_range.elapsed_us(), "args": args})
    if collector is not None and collector.profile_memory:
        for index, (at_ns, nbytes, total, tid, on_device) in enumerate(collector.memory):
            trace.append({"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]", "pid": pid,
                          "tid": tid, "ts": wall_us + (at_ns - base_perf) / 1e3,
                          "args": {"Total Reserved": 0, "Total Allocated": total, "Bytes": nbytes,
                                   "Device Id": 0 if on_device else -1, "Device Type": 1 if on_device else 0,
                                   "Ev Idx": len(events) + index}})
    document = {"schemaVersion": 1, "deviceProperties": [], "host_name": socket.gethostname(),
                "displayTimeUnit": "ms", "baseTimeNanoseconds": collector.base_wall_ns if collector else 0,
                "traceEvents": trace, "traceName": os.fspath(path)}
    if collector is not None:
        for option in ("record_shapes", "profile_memory", "with_stack", "with_flops", "with_modules"):
            if getattr(collector, option):
                document[option] = 1
        for key, value in collector.metadata.items():
            try:
                document[key] = json.loads(value)
            except ValueError:
                document[key] = value
    return document


def write_chrome_trace(events, path, collector=None):
    """Write ``events`` as a Chrome trace JSON file at ``path`` (gzip when it ends in ``.gz``), via a
    temporary file renamed into place."""
    from ..io import atomic_path
    text = json.dumps(_trace_document(events, collector, path))
    with atomic_path(path) as tmp:
        if os.fspath(path).endswith(".gz"):
            with gzip.open(tmp, "wt", encoding="utf-8") as f:
                f.write(text)
        else:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)


_METRICS = ("self_cpu_time_total", "self_cuda_time_total", "self_device_time_total")


def write_stacks(events, path, metric="self_cpu_time_total"):
    """Write one ``outermost;...;innermost value`` line (PyTorch's format: spaces in frames become ``_``,
    ``value`` the integer ``metric`` in microseconds) per event with a Python stack (``with_stack=True``) and a
    positive ``metric`` (``self_cpu_time_total``, ``self_cuda_time_total``) to ``path``, for flame graphs."""
    if metric not in _METRICS:
        raise ValueError(f"export_stacks: metric={metric!r} is not one of {', '.join(_METRICS)}")
    from ..io import atomic_path
    lines = []
    for event in events:
        value = int(getattr(event, metric.replace("cuda", "device")))
        if event.stack and value > 0:
            lines.append(";".join(frame.replace(" ", "_") for frame in reversed(event.stack)) + f" {value}\n")
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(lines)
