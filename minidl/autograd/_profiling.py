"""The profiler's recorder: the hooks that time minidl's ops while a profiler records, and nothing otherwise.

``minidl.profiler.profile`` and ``minidl.autograd.profiler.profile`` start a
:class:`Collector` with :func:`start` and stop it with :func:`stop`. While one
records, the module flag ``active`` is True and the central dispatch points
check it:

* ``Function.apply`` (``function.py``): every op call becomes an event
  (:func:`timed_apply`), named as PyTorch names it (``profiler_names.py``);
* the backward walk (``engine.py``): every node's backward becomes
  ``autograd::engine::evaluate_function: <Node>`` around ``<Node>``
  (:func:`timed_backward`), every leaf's accumulation
  ``torch::autograd::AccumulateGrad`` (:func:`timed_accumulate`);
* ``nn.Module.__call__`` (with ``with_modules=True``): ``nn.Module: <Class>_<n>``
  around the module's forward (:func:`timed_module_call`);
* ``record_function`` opens and closes user events (:func:`open_event`).

When no profiler records, each of those places pays one module-attribute
check. Events nest per thread; the ops an array-style op runs inside itself (casts
to its working dtype) are part of it and not recorded separately.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import time
import weakref

from .. import backend
from . import profiler_names

__all__ = ["Collector", "start", "stop", "current", "timed_apply", "timed_backward", "timed_accumulate",
           "timed_module_call", "open_event", "close_event"]

active = False            # a collector records: the dispatch points time each op
modules_active = False    # ... and with_modules=True: nn.Module calls become events too
_collector = None
_local = threading.local()   # .busy: this thread is inside an array-style op (its inner calls are not events)
_MINIDL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class RawEvent:
    """One recorded interval: ``name``, category (``cpu_op``, ``user_annotation``, ``python_function``),
    start/end in ``perf_counter_ns`` nanoseconds, the thread, the enclosing event, input shapes, the
    bytes allocated (positive) and freed (negative) directly inside it, FLOPs and the Python stack."""

    __slots__ = ("name", "cat", "start", "end", "tid", "parent", "shapes", "self_mem", "self_device_mem",
                 "flops", "stack", "index")

    def __init__(self, name, cat, tid, parent, shapes, index):
        self.name, self.cat, self.tid, self.parent, self.shapes, self.index = name, cat, tid, parent, shapes, index
        self.start = self.end = None
        self.self_mem = self.self_device_mem = self.flops = 0
        self.stack = None


class Collector:
    """The events of one recording (one profiler cycle), with the options that say what to record."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, nvtx=None):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules = with_flops, with_modules
        self.nvtx = nvtx                 # (push, pop) of NVTX ranges under emit_nvtx, else None
        self.events = []                 # in the order they were opened
        self.memory = []                 # (perf ns, bytes, total allocated, thread id, on device)
        self.allocated = 0
        self.stacks = {}                 # thread ident -> open events, innermost last
        self.module_names = {}           # id(module) -> "nn.Module: Linear_0"
        self.module_counts = {}
        self.metadata = {}               # key -> JSON text, for the top level of the Chrome trace
        self.recording = False
        self.base_perf_ns = time.perf_counter_ns()
        self.base_wall_ns = time.time_ns()
        self.end_perf_ns = None

    # --- events --------------------------------------------------------------------------------
    def open(self, name, cat="cpu_op", shapes=None):
        """Start an event on the calling thread (nested in its innermost open event); returns it."""
        tid = threading.get_ident()
        stack = self.stacks.get(tid)
        if stack is None:
            stack = self.stacks[tid] = []
        event = RawEvent(name, cat, tid, stack[-1] if stack else None, shapes, len(self.events))
        if self.with_stack:
            event.stack = python_stack()
        stack.append(event)
        self.events.append(event)
        if self.nvtx is not None:
            self.nvtx[0](name if shapes is None else f"{name}, sizes = {shapes}")
        event.start = time.perf_counter_ns()
        return event

    def close(self, event):
        """End ``event`` (and any event still open inside it) on its thread."""
        end = time.perf_counter_ns()
        stack = self.stacks.get(event.tid)
        if event.end is not None or not stack:
            return
        while stack:
            top = stack.pop()
            top.end = end
            if self.nvtx is not None:
                self.nvtx[1]()
            if top is event:
                break

    def innermost(self):
        """The calling thread's innermost open event, or None."""
        stack = self.stacks.get(threading.get_ident())
        return stack[-1] if stack else None

    def close_all(self):
        """End every open event (at the end of a recording)."""
        for stack in list(self.stacks.values()):
            while stack:
                self.close(stack[0])

    # --- memory ---------------------------------------------------------------------------------
    def note_allocation(self, array, event):
        """Count ``array``'s bytes as allocated inside ``event`` when it owns its buffer; its release
        while recording is counted (negative) in the event open on the thread that frees it."""
        flags = getattr(array, "flags", None)
        if flags is None or not getattr(flags, "owndata", False):
            return
        nbytes = int(array.nbytes)
        on_device = backend.is_device_array(array)
        self._note(nbytes, event, on_device)
        try:
            weakref.finalize(array, _note_release, weakref.ref(self), nbytes, on_device)
        except TypeError:   # an array type without weak references: its release is not seen
            pass

    def _note(self, nbytes, event, on_device):
        if event is not None:
            if on_device:
                event.self_device_mem += nbytes
            else:
                event.self_mem += nbytes
        if not on_device:
            self.allocated += nbytes
        self.memory.append((time.perf_counter_ns(), nbytes, self.allocated, threading.get_native_id(), on_device))


def _note_release(collector_ref, nbytes, on_device):
    collector = collector_ref()
    if collector is not None and collector.recording:
        collector._note(-nbytes, collector.innermost(), on_device)


def python_stack(limit=64):
    """The calling Python frames outside minidl, innermost first, as ``"file.py(12): function"``."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        if not code.co_filename.startswith(_MINIDL_DIR):
            frames.append(f"{code.co_filename}({frame.f_lineno}): {code.co_name}")
        frame = frame.f_back
    return frames


# --- starting and stopping ------------------------------------------------------------------------
def current():
    """The recording collector, or None."""
    return _collector


def start(collector):
    """Make ``collector`` the recording one; a RuntimeError if another profiler already records."""
    global _collector, active, modules_active
    if _collector is not None:
        raise RuntimeError("Can't profile: a profiler is already recording (minidl records one profiler at a "
                           "time); stop the other one first")
    collector.recording = True
    _collector = collector
    modules_active = collector.with_modules
    active = True


def stop(collector):
    """Stop ``collector`` recording (its open events end now)."""
    global _collector, active, modules_active
    if _collector is not collector:
        return
    active = modules_active = False
    collector.close_all()
    collector.end_perf_ns = time.perf_counter_ns()
    collector.recording = False
    _collector = None


# --- the hooks ---------------------------------------------------------------------------------
def _shapes(args, kwargs=None):
    shapes = [list(a.shape) if hasattr(a, "shape") and hasattr(a, "array") else [] for a in args]
    if kwargs:
        shapes += [[] for _ in kwargs]
    return shapes


def timed_apply(cls, args, kwargs):
    """``cls.apply(*args, **kwargs)`` recorded as PyTorch's event(s) for that op (called by ``Function.apply``
    while a profiler records)."""
    collector = _collector
    if cls._ctx_style:    # a user's Function: one event named after it, the ops of its forward inside
        from .function import _apply_ctx_style
        if collector is None:   # the profiler stopped meanwhile (another thread)
            return _apply_ctx_style(cls, args, kwargs)
        shapes = _shapes(args, kwargs) if collector.record_shapes else None
        event = collector.open(cls.__name__, "cpu_op", shapes)
        try:
            out = _apply_ctx_style(cls, args, kwargs)
        finally:
            collector.close(event)
        if collector.profile_memory:
            for o in (out if isinstance(out, tuple) else (out,)):
                if hasattr(o, "array"):
                    collector.note_allocation(o.array, event)
        return out
    if collector is None:
        _local.busy = True
        try:
            return cls.apply(*args, **kwargs)
        finally:
            _local.busy = False
    shapes = _shapes(args, kwargs) if collector.record_shapes else None
    names = profiler_names.op_names(cls, args)
    events = [collector.open(name, "cpu_op", shapes) for name in names]
    _local.busy = True
    try:
        out = cls.apply(*args, **kwargs)
    finally:
        _local.busy = False
        collector.close(events[0])
    if collector.profile_memory and not any(out.array is getattr(a, "array", None) for a in args):
        collector.note_allocation(out.array, events[-1])     # (an op returning its input allocates nothing)
    if collector.with_flops:
        out_shape = out.array.shape
        for name, event in zip(names, events):
            event.flops = profiler_names.op_flops(cls.__name__, name, args, out_shape)
    return out


def busy():
    """Whether this thread is inside a recorded array-style op (whose inner calls are not events)."""
    return getattr(_local, "busy", False)


def timed_backward(node, grad, graph):
    """One node's backward in the engine's walk, as PyTorch's two nested engine events."""
    collector = _collector
    name = profiler_names.backward_node_name(node)
    outer = collector.open(f"autograd::engine::evaluate_function: {name}", "cpu_op") if collector else None
    inner = collector.open(name, "cpu_op") if collector else None
    try:
        if "_saved_packed" in node.__dict__:   # saved under saved_tensors_hooks: unpack for this call
            from . import graph as saved_hooks
            result = saved_hooks.run_unpacked(node, grad, graph)
        else:
            result = node.backward_graph(grad) if graph else node.backward(grad)
    finally:
        if collector is not None:
            collector.close(outer)
    if collector is not None and collector.profile_memory:
        for g in (result if type(result) is tuple else (result,)):
            if g is not None:
                collector.note_allocation(g.array if graph else g, inner)
    return result


def timed_accumulate(accumulate, *args):
    """A leaf's gradient accumulation (``accumulate(*args)``) as ``torch::autograd::AccumulateGrad``."""
    collector = _collector
    if collector is None:
        return accumulate(*args)
    outer = collector.open("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad", "cpu_op")
    collector.open("torch::autograd::AccumulateGrad", "cpu_op")
    try:
        return accumulate(*args)
    finally:
        collector.close(outer)


def timed_module_call(module, args, kwargs):
    """``module(*args, **kwargs)`` inside an ``nn.Module: <Class>_<n>`` event (``with_modules=True``)."""
    collector = _collector
    if collector is None:
        return module._call_with_hooks(args, kwargs)
    name = collector.module_names.get(id(module))
    if name is None:
        kind = type(module).__name__
        count = collector.module_counts.get(kind, 0)
        collector.module_counts[kind] = count + 1
        name = collector.module_names[id(module)] = f"nn.Module: {kind}_{count}"
    event = collector.open(name, "python_function")
    try:
        return module._call_with_hooks(args, kwargs)
    finally:
        collector.close(event)


def open_event(name, cat="user_annotation"):
    """Start a user event (``record_function``) in the recording collector; returns a handle or None."""
    collector = _collector
    if collector is None:
        return None
    return collector, collector.open(name, cat)


def close_event(handle):
    """End the event ``open_event`` returned (nothing for None)."""
    if handle is not None:
        handle[0].close(handle[1])


def optimizer_method(method, kind):
    """``method`` (an optimizer's ``step`` or ``zero_grad``) recorded, while a profiler records, as PyTorch's
    ``Optimizer.<kind>#<Class>.<kind>`` event; a call nested in another (``super().step()``) is not recorded
    again. Outside a profiler the wrapper adds one call and one flag check per step."""
    @functools.wraps(method)
    def recorded(self, *args, **kwargs):
        if not active or getattr(_local, "optimizer", False):
            return method(self, *args, **kwargs)
        handle = open_event(f"Optimizer.{kind}#{type(self).__name__}.{kind}")
        _local.optimizer = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _local.optimizer = False
            close_event(handle)

    recorded._profiled = True
    return recorded
