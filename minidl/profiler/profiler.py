"""PyTorch's ``torch.profiler.profile``: the profiler with schedules, step markers and trace handlers.

    with minidl.profiler.profile(
            activities=[minidl.profiler.ProfilerActivity.CPU],
            schedule=minidl.profiler.schedule(wait=1, warmup=1, active=3, repeat=1),
            on_trace_ready=minidl.profiler.tensorboard_trace_handler("./log"),
            record_shapes=True) as prof:
        for batch in loader:
            train_step(batch)
            prof.step()

Steps are numbered from 0; ``prof.step()`` ends one. For each step the
schedule answers a :class:`ProfilerAction`: ``NONE`` (not recorded),
``WARMUP`` (not recorded: PyTorch warms its tracer up, minidl has nothing to
warm), ``RECORD``, ``RECORD_AND_SAVE`` (the last recorded step of a cycle: at
its end ``on_trace_ready(prof)`` runs and the next cycle starts afresh, unless
``acc_events=True``). Without a schedule every step is recorded and
``on_trace_ready`` runs once, at ``stop()``. With a schedule, each step is
wrapped in a ``ProfilerStep#<n>`` event, as in PyTorch.

The recorder is the legacy profiler's (``minidl.autograd.profiler``); times are
CPU times.
"""
from __future__ import annotations

import enum
import json
import os
import socket
import time
import warnings

from .. import backend
from ..autograd import profiler as legacy

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "schedule", "tensorboard_trace_handler",
           "supported_activities"]


class ProfilerActivity(enum.Enum):
    """What to profile (PyTorch's values): ``CPU`` ops, and ``CUDA`` where a GPU is usable."""

    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does during a step, as a schedule returns it."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities():
    """The activities minidl can profile here: ``{CPU}``, plus ``CUDA`` with a usable GPU."""
    found = {ProfilerActivity.CPU}
    if backend.gpu_available():
        found.add(ProfilerActivity.CUDA)
    return found


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A schedule for :class:`profile`: after ``skip_first`` steps, cycles of ``wait`` idle steps, ``warmup``
    steps and ``active`` recorded steps (the last one ``RECORD_AND_SAVE``), ``repeat`` times (0: until the
    end). ``skip_first_wait`` != 0 skips the first cycle's ``wait``. Returns ``step -> ProfilerAction``.
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                             f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                             f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(_step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` handler writing each trace to ``dir_name`` as
    ``<worker_name>.<time ns>.pt.trace.json`` (``.gz`` with ``use_gzip``), the layout TensorBoard's profiler
    plugin reads; ``worker_name`` defaults to ``<hostname>_<pid>``."""
    def handler_fn(prof):
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as exc:
            raise RuntimeError("Can't create directory: " + str(dir_name)) from exc
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        if use_gzip:
            file_name += ".gz"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


class profile:
    """Profile the ops run between ``start()`` and ``stop()`` (or in a ``with`` block), PyTorch's way.

    ``activities``: :class:`ProfilerActivity` values (default: :func:`supported_activities`);
    ``schedule``: ``step -> ProfilerAction`` (see :func:`schedule`); ``on_trace_ready(prof)`` runs when a
    cycle's trace is complete; ``record_shapes``, ``profile_memory``, ``with_stack``, ``with_flops``,
    ``with_modules`` as in :class:`minidl.autograd.profiler.profile`; ``acc_events=True`` keeps the events of
    earlier cycles. After recording: ``events()``, ``key_averages()``, ``export_chrome_trace(path)``,
    ``export_stacks(path)``, ``step_num``.
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        chosen = set(activities) if activities is not None else supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning,
                          stacklevel=2)
            if use_cuda:
                chosen.add(ProfilerActivity.CUDA)
            else:
                chosen.discard(ProfilerActivity.CUDA)
        if not chosen:
            raise AssertionError("No valid profiler activities found")
        for activity in chosen:
            if not isinstance(activity, ProfilerActivity):
                raise TypeError(f"profile: activities must be ProfilerActivity values, got {activity!r}")
        self.activities = chosen
        self.use_device = "cuda" if ProfilerActivity.CUDA in chosen else None
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules, self.acc_events = with_flops, with_modules, acc_events
        self.experimental_config, self.execution_trace_observer = experimental_config, execution_trace_observer
        self.custom_trace_id_callback = custom_trace_id_callback
        self.on_trace_ready = on_trace_ready
        self.schedule = schedule if schedule else _always_record
        self.record_steps = bool(schedule)
        self.step_num = 0
        self.step_rec_fn = None
        self.profiler = None
        self.preset_metadata = {}
        self.current_action = self.schedule(self.step_num)
        self._warned_cycle = False

    # --- the state machine (PyTorch's transitions) ----------------------------------------------
    def prepare_trace(self):
        """Create the recorder for a cycle (a fresh one unless ``acc_events``)."""
        if self.profiler is not None and not self.acc_events and not self._warned_cycle:
            self._warned_cycle = True
            warnings.warn("Warning: Profiler clears events at the end of each cycle. Only events from the current "
                          "cycle will be reported. To keep events across cycles, set acc_events=True.",
                          stacklevel=3)
        if self.profiler is None or not self.acc_events:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.profiler = legacy.profile(use_device=self.use_device, record_shapes=self.record_shapes,
                                               with_flops=self.with_flops, profile_memory=self.profile_memory,
                                               with_stack=self.with_stack, with_modules=self.with_modules,
                                               acc_events=self.acc_events)
            if self.use_device == "cuda" and self.profiler.use_device is None:
                warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=3)
                self.use_device = None
        self.profiler._prepare_trace()

    def start_trace(self):
        """Start recording."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before starting trace")
        self.profiler._start_trace()
        for key, value in self.preset_metadata.items():
            self.add_metadata_json(key, value)

    def stop_trace(self):
        """Stop recording; the events become readable."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before stopping trace")
        self.profiler._stop_trace()

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit(self, previous, current):
        A = ProfilerAction
        if current is None:                        # stop()
            actions = {A.WARMUP: (self.start_trace, self.stop_trace),
                       A.RECORD: (self.stop_trace, self._trace_ready),
                       A.RECORD_AND_SAVE: (self.stop_trace, self._trace_ready)}.get(previous, ())
        elif previous == A.NONE:
            actions = {A.WARMUP: (self.prepare_trace,), A.RECORD: (self.prepare_trace, self.start_trace),
                       A.RECORD_AND_SAVE: (self.prepare_trace, self.start_trace)}.get(current, ())
        elif previous == A.WARMUP:
            actions = {A.NONE: (lambda: warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=4),
                                self.start_trace, self.stop_trace),
                       A.RECORD: (self.start_trace,), A.RECORD_AND_SAVE: (self.start_trace,)}.get(current, ())
        elif previous == A.RECORD:
            actions = {A.NONE: (lambda: warnings.warn("Incorrect schedule: RECORD followed by NONE", stacklevel=4),
                                self.stop_trace),
                       A.WARMUP: (lambda: warnings.warn("Incorrect schedule: RECORD followed by WARMUP",
                                                        stacklevel=4), self.stop_trace)}.get(current, ())
        else:                                      # RECORD_AND_SAVE ends a cycle
            actions = {A.NONE: (self.stop_trace, self._trace_ready),
                       A.WARMUP: (self.stop_trace, self._trace_ready, self.prepare_trace),
                       A.RECORD: (self.stop_trace, self._trace_ready, self.prepare_trace, self.start_trace),
                       A.RECORD_AND_SAVE: (self.stop_trace, self._trace_ready, self.prepare_trace,
                                           self.start_trace)}.get(current, ())
        for action in actions:
            action()

    def _check_action(self, action):
        if not isinstance(action, ProfilerAction):
            raise TypeError(f"profile: the schedule returned {action!r}, not a ProfilerAction")
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError("ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be "
                             "returned by a user-provided schedule")

    def _enter_step(self):
        if self.record_steps:
            self.step_rec_fn = legacy.record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _exit_step(self):
        if self.record_steps and self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None

    def start(self):
        """Begin profiling (at step ``step_num``, as the schedule says)."""
        self._check_action(self.current_action)
        self._transit(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self):
        """End profiling; a recording in progress ends and ``on_trace_ready`` runs."""
        self._exit_step()
        self._transit(self.current_action, None)

    def step(self):
        """Mark the end of a step: the schedule's action for the next step takes effect."""
        self._exit_step()
        previous = self.current_action
        action = self.schedule(self.step_num + 1)
        self._check_action(action)
        self.step_num += 1
        self.current_action = action
        self._transit(previous, action)
        self._enter_step()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()
        return False

    # --- results --------------------------------------------------------------------------------
    def events(self):
        """The events of the last recorded cycle (all cycles with ``acc_events``), an EventList."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before accessing events")
        return self.profiler.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events averaged per name (see ``EventList.key_averages``); ``.table()`` prints them."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before getting key averages")
        return self.profiler.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path, use_python_export=False):
        """Write the recorded events as a Chrome trace JSON file (``.gz``: compressed), via a temporary file."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before exporting chrome trace")
        self.profiler.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' Python stacks (``with_stack=True``) with ``metric`` for flame graphs."""
        if self.profiler is None:
            raise AssertionError("Profiler must be initialized before exporting stacks")
        self.profiler.export_stacks(path, metric)

    def export_memory_timeline(self, path, device=None):
        """Write the memory held by the ops' outputs over time: ``.html`` (a plot), ``.json``/``.json.gz``
        (``[times, sizes]``) or ``.raw.json.gz`` (one record per allocation or release); see
        ``minidl/profiler/_memory_timeline.py``. Needs ``record_shapes``, ``profile_memory`` and ``with_stack``,
        as PyTorch's; ``device`` defaults to ``"cuda:0"`` with a GPU, else ``"cpu"``."""
        missing = [f"{name}=True" for name in ("record_shapes", "profile_memory", "with_stack")
                   if not getattr(self, name)]
        if missing:
            raise ValueError(f"{', '.join(missing)} required for memory profiling.")
        if self.profiler is None or self.profiler._collector is None:
            raise AssertionError("Profiler must be initialized before exporting the memory timeline")
        if device is None:
            device = "cuda:0" if backend.gpu_available() else "cpu"
        from ._memory_timeline import export_memory_timeline
        export_memory_timeline(self.profiler._collector, path, device)

    def add_metadata(self, key, value):
        """Add a string entry to the top level of the exported trace."""
        self.add_metadata_json(key, json.dumps(str(value)))

    def add_metadata_json(self, key, value):
        """Add an entry (a JSON text) to the top level of the exported trace."""
        if self.profiler is None or self.profiler._collector is None:
            raise AssertionError("Profiler must be initialized before adding metadata")
        self.profiler._collector.metadata[key] = value

    def preset_metadata_json(self, key, value):
        """Add a JSON entry to every trace this profiler exports from now on."""
        self.preset_metadata[key] = value

    def get_trace_id(self):
        """The current trace's id (None before one started)."""
        if self.profiler is None or self.profiler._collector is None:
            return None
        return str(self.profiler._collector.base_wall_ns)
