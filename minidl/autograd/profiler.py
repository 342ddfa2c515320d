"""PyTorch's legacy profiler, ``torch.autograd.profiler``: ``profile``, ``record_function``, ``emit_nvtx``.

    with minidl.autograd.profiler.profile(record_shapes=True) as prof:
        with minidl.autograd.profiler.record_function("forward"):
            loss = model(x).sum()
        loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))

Every op minidl runs inside the block becomes an event named as PyTorch's
(``aten::linear``, ``aten::addmm``, ``autograd::engine::evaluate_function:
AddmmBackward0``); see ``minidl/autograd/_profiling.py`` for how the ops are
timed and ``profiler_util.py`` for the events. minidl measures CPU time (the
time the ops take on the calling thread); on a GPU that is the time to queue
the kernels, not their run time, unless the code synchronizes.
``minidl.profiler`` (PyTorch's ``torch.profiler``) adds schedules and trace
handlers on top of the same recorder.
"""
from __future__ import annotations

import functools
import json
import warnings

from .. import backend
from . import _profiling
from .profiler_trace import function_events
from .profiler_util import DeviceType, EventList, FunctionEvent, FunctionEventAvg, Interval, MemRecordsAcc

__all__ = ["profile", "record_function", "emit_nvtx", "EventList", "FunctionEvent", "FunctionEventAvg",
           "DeviceType", "Interval", "MemRecordsAcc", "kineto_available"]


def kineto_available():
    """False: minidl's profiler is its own recorder, not PyTorch's Kineto library."""
    return False


def _device_for(use_cuda, use_device):
    """The device whose time PyTorch would profile (None for CPU only), with PyTorch's warnings."""
    if use_cuda:
        warnings.warn("The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                      "instead.", FutureWarning, stacklevel=3)
        use_device = "cuda"
    if use_device is not None and use_device != "cuda":
        raise ValueError(f"profile: use_device={use_device!r} is not supported; minidl profiles 'cuda' or None")
    if use_device == "cuda" and not backend.gpu_available():
        warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=3)
        use_device = None
    return use_device


class profile:
    """Record the ops run inside a ``with`` block (PyTorch's ``torch.autograd.profiler.profile``).

    ``enabled=False`` records nothing. ``record_shapes`` keeps each op's input
    shapes, ``profile_memory`` the bytes its outputs allocate (and frees seen
    while recording), ``with_stack`` the Python frames that called it,
    ``with_flops`` the FLOPs of matrix products and convolutions, ``with_modules``
    an ``nn.Module: <Class>_<n>`` event around each module call. After the
    block: ``function_events`` (an :class:`EventList`), ``table()``,
    ``key_averages()``, ``total_average()``, ``export_chrome_trace(path)``,
    ``export_stacks(path)``. ``use_cuda``/``use_device="cuda"``: accepted as in
    PyTorch (warned about without a GPU); minidl reports CPU times only.
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None, activity_filters=None):
        self.enabled = enabled
        self.use_device = _device_for(use_cuda, use_device) if enabled else None
        self.use_cuda = self.use_device == "cuda"
        self.record_shapes, self.with_flops, self.profile_memory = record_shapes, with_flops, profile_memory
        self.with_stack, self.with_modules, self.use_kineto, self.use_cpu = with_stack, with_modules, use_kineto, \
            use_cpu
        self.acc_events = acc_events
        self.entered = False
        self._collector = None
        self._function_events = None

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start_trace()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.enabled:
            return False
        self._stop_trace()
        return False

    def _prepare_trace(self):
        """A new recording (or the previous one kept, with ``acc_events``)."""
        if self._collector is None or not self.acc_events:
            self._collector = _profiling.Collector(self.record_shapes, self.profile_memory, self.with_stack,
                                                   self.with_flops, self.with_modules)

    def _start_trace(self):
        self.entered = True
        if self._collector is None:
            self._prepare_trace()
        _profiling.start(self._collector)

    def _stop_trace(self):
        _profiling.stop(self._collector)
        self._function_events = function_events(self._collector, self.use_device)

    @property
    def function_events(self):
        """The recorded events (an :class:`EventList`); empty until the block has ended, as PyTorch 2's."""
        if self._function_events is None:
            return EventList(use_device=self.use_device, profile_memory=self.profile_memory,
                             with_flops=self.with_flops)
        return self._function_events

    def __repr__(self):
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self._function_events)

    def __str__(self):
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self._function_events)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The table of every event (not averaged); see :meth:`EventList.table`."""
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit,
                                          max_src_column_width=max_src_column_width,
                                          max_name_column_width=max_name_column_width,
                                          max_shapes_column_width=max_shapes_column_width, header=header,
                                          top_level_events_only=top_level_events_only, time_unit=time_unit)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events averaged per name (and input shapes / stack top when asked); see
        :meth:`EventList.key_averages`."""
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def total_average(self):
        """All events summed into one :class:`FunctionEventAvg`."""
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """The summed self CPU time of all events, in microseconds."""
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path, metadata=None, use_python_export=False):
        """Write the events as a Chrome trace JSON file (temporary file, then renamed); ``metadata`` (a dict of
        strings) is added to the trace's top level."""
        if metadata and self._collector is not None:
            for key, value in metadata.items():
                self._collector.metadata[str(key)] = json.dumps(str(value))
        self.function_events.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' Python stacks (``with_stack=True``) with ``metric`` for flame graphs."""
        if not self.with_stack:
            raise AssertionError("export_stacks() requires with_stack=True")
        self.function_events.export_stacks(path, metric)


class record_function:
    """Mark a block (or, as a decorator, each call of a function) as a user event named ``name``.

    Outside a profiler it costs one check and records nothing. ``args`` is
    accepted as in PyTorch (an optional string; minidl does not record it).
    """

    def __init__(self, name, args=None):
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name, self.args = name, args
        self._handles = []
        self.run_callbacks_on_exit = True

    def __enter__(self):
        self._handles.append(_profiling.open_event(self.name))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self._handles:
            _profiling.close_event(self._handles.pop())
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def recorded(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)
        return recorded


def _nvtx_functions():
    """``(push, pop)``: open an NVTX range with a name, close the innermost one (the GPU backend's, CuPy's
    ``cuda.nvtx``, as ``minidl.distributed.nccl`` reaches NCCL; only called with a usable GPU)."""
    nvtx = backend.cupy_or_none().cuda.nvtx
    return nvtx.RangePush, nvtx.RangePop


class emit_nvtx:
    """Emit an NVTX range per op (for Nsight Systems) inside the block, as PyTorch's ``emit_nvtx``.

    NVTX ranges are a CUDA tool: entering the block without a usable GPU raises
    the error PyTorch's CPU builds raise, an AssertionError (minidl's
    ``CudaUnavailableError``, also a RuntimeError) naming the cause.
    ``record_shapes=True`` appends ``, sizes = [...]`` to the range names.
    """

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled, self.record_shapes = enabled, record_shapes
        self.entered = False
        self._collector = None

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("NVTX annotation context manager is not reentrant")
        problem = backend.gpu_problem()
        if problem is not None:
            from ..cuda._unavailable import CudaUnavailableError
            raise CudaUnavailableError(f"minidl.autograd.profiler.emit_nvtx: NVTX ranges need a CUDA device and "
                                       f"none is usable ({problem}); use enabled=False, or profile on the CPU "
                                       "with minidl.profiler.profile")
        self.entered = True
        backend.gpu_synchronize()
        self._collector = _profiling.Collector(record_shapes=self.record_shapes, nvtx=_nvtx_functions())
        _profiling.start(self._collector)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.enabled and self._collector is not None:
            backend.gpu_synchronize()
            _profiling.stop(self._collector)
            self._collector = None
            self.entered = False
        return False
