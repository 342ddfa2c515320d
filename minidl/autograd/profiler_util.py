"""What a profile holds, as PyTorch's ``torch.autograd.profiler_util``: events, their averages, lists of them.

* :class:`FunctionEvent` is one recorded call (an op, a backward node, a
  ``record_function`` block): its name, interval (microseconds from the start
  of the recording), thread, input shapes, memory, FLOPs, Python stack, and the
  events nested in it (``cpu_children``) and around it (``cpu_parent``).
  ``cpu_time_total`` is its whole duration, ``self_cpu_time_total`` that minus
  its children's.
* :class:`FunctionEventAvg` sums the events of one key (``key_averages``).
* :class:`EventList` is a list of either, with ``table()``,
  ``key_averages()``, ``total_average()``, ``export_chrome_trace()`` and
  ``export_stacks()``.
"""
from __future__ import annotations

import enum

__all__ = ["DeviceType", "Interval", "FunctionEvent", "FunctionEventAvg", "EventList", "MemRecordsAcc"]


class DeviceType(enum.Enum):
    """Where an event ran (PyTorch's ``torch.autograd.DeviceType``); minidl's events are CPU events."""

    CPU = 0
    CUDA = 1


class Interval:
    """A ``[start, end]`` interval in microseconds."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        """``end - start`` in microseconds."""
        return self.end - self.start

    def __repr__(self):
        return f"Interval(start={self.start}, end={self.end})"


def format_time(time_us):
    """``"12.345us"``, ``"1.234ms"`` or ``"2.000s"`` (PyTorch's format)."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def format_time_share(time_us, total_us):
    """``time_us`` as a percentage of ``total_us`` (``"NaN"`` for a zero total)."""
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


def format_memory(nbytes):
    """``"64 B"``, ``"1.50 KB"``, ``"2.00 MB"``, ``"1.00 GB"`` (binary units, PyTorch's format)."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class _FormattedTimes:
    """The ``*_str`` forms of the times and ``cpu_time`` (the average), shared by events and averages."""

    @property
    def cpu_time(self):
        """Average total CPU time per call, in microseconds."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self):
        """Average device time per call (0: minidl measures CPU time)."""
        return 0.0 if self.count == 0 else self.device_time_total / self.count

    cuda_time = device_time

    @property
    def cpu_time_str(self):
        """:attr:`cpu_time` formatted."""
        return format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self):
        """:attr:`cpu_time_total` formatted."""
        return format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self):
        """:attr:`self_cpu_time_total` formatted."""
        return format_time(self.self_cpu_time_total)

    @property
    def device_time_str(self):
        """:attr:`device_time` formatted."""
        return format_time(self.device_time)

    @property
    def device_time_total_str(self):
        """:attr:`device_time_total` formatted."""
        return format_time(self.device_time_total)

    @property
    def self_device_time_total_str(self):
        """:attr:`self_device_time_total` formatted."""
        return format_time(self.self_device_time_total)


class FunctionEvent(_FormattedTimes):
    """One recorded call: ``name``, ``time_range`` (microseconds), ``thread``, ``input_shapes``,
    ``cpu_memory_usage`` (bytes allocated minus freed inside it, children included), ``flops``,
    ``stack`` (Python frames, innermost first), ``cpu_parent`` / ``cpu_children``."""

    def __init__(self, id, name, thread, start_us, end_us, overload_name=None, fwd_thread=None, input_shapes=None,
                 stack=None, scope=0, use_device=None, cpu_memory_usage=0, device_memory_usage=0, is_async=False,
                 is_remote=False, sequence_nr=-1, node_id=-1, device_type=DeviceType.CPU, device_index=0,
                 device_resource_id=None, is_legacy=False, flops=None, trace_name=None, concrete_inputs=None,
                 kwinputs=None, is_user_annotation=False, metadata_json=None):
        self.id, self.name, self.thread, self.fwd_thread = id, name, thread, fwd_thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.scope, self.use_device, self.node_id = scope, use_device, node_id
        self.cpu_memory_usage, self.device_memory_usage = cpu_memory_usage, device_memory_usage
        self.is_async, self.is_remote, self.is_legacy = is_async, is_remote, is_legacy
        self.sequence_nr, self.device_type, self.device_index = sequence_nr, device_type, device_index
        self.flops = flops if flops is not None else 0
        self.trace_name = trace_name if trace_name is not None else name
        self.overload_name = overload_name
        self.is_user_annotation, self.metadata_json = is_user_annotation, metadata_json
        self.device_resource_id = device_resource_id if device_resource_id is not None else thread
        self.concrete_inputs = concrete_inputs if concrete_inputs is not None else []
        self.kwinputs = kwinputs if kwinputs is not None else {}
        self.cpu_children, self.cpu_parent, self.kernels = [], None, []
        self.count = 1
        self.self_cpu_percent = self.total_cpu_percent = self.total_device_percent = -1

    def append_cpu_child(self, child):
        """Add ``child`` (an event nested directly inside this one)."""
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        """Set the event this one is nested in directly."""
        self.cpu_parent = parent

    @property
    def key(self):
        """The name events are grouped by in ``key_averages``."""
        return self.name

    @property
    def cpu_time_total(self):
        """The whole duration in microseconds."""
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        """The duration minus the children's, in microseconds."""
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        """Bytes allocated minus freed directly inside this event: ``cpu_memory_usage`` minus the children's."""
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    @property
    def self_device_memory_usage(self):
        """Device bytes allocated minus freed directly inside this event (``device_memory_usage`` minus the
        children's)."""
        return self.device_memory_usage - sum(child.device_memory_usage for child in self.cpu_children)

    self_cuda_memory_usage = self_device_memory_usage
    cuda_memory_usage = property(lambda self: self.device_memory_usage, doc="Alias of device_memory_usage.")

    @property
    def device_time_total(self):
        """Device time (0: minidl's profiler measures CPU time)."""
        return 0.0

    self_device_time_total = device_time_total
    cuda_time_total = device_time_total
    self_cuda_time_total = device_time_total

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} overload_name={self.overload_name} "
                f"device_type={self.device_type} node_id={self.node_id} cpu_time={self.cpu_time_str} "
                f"start_us={self.time_range.start:.3f} end_us={self.time_range.end:.3f} "
                f"cpu_children={[c.id for c in self.cpu_children]} cuda_time={self.device_time_str} "
                f"name={self.name} thread={self.thread} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage} cuda_memory_usage={self.device_memory_usage} "
                f"is_async={self.is_async} is_remote={self.is_remote} seq_nr={self.sequence_nr} "
                f"is_legacy={self.is_legacy}>")


class FunctionEventAvg(_FormattedTimes):
    """The sum of the events of one key: ``count`` calls, total and self times, memory and FLOPs."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = self.is_remote = self.is_legacy = self.is_user_annotation = False
        self.use_device = None
        self.cpu_time_total = self.device_time_total = 0
        self.self_cpu_time_total = self.self_device_time_total = 0
        self.input_shapes = None
        self.overload_name = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = self.device_memory_usage = 0
        self.self_cpu_memory_usage = self.self_device_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.flops = 0
        self.self_cpu_percent = self.total_cpu_percent = self.total_device_percent = -1

    def add(self, other):
        """Add one event (or average) of the same key; returns ``self``."""
        if self.key is None:
            self.key, self.node_id, self.is_async, self.is_remote = other.key, other.node_id, other.is_async, \
                other.is_remote
            self.cpu_parent, self.cpu_children = other.cpu_parent, other.cpu_children
            self.input_shapes, self.overload_name = other.input_shapes, other.overload_name
            self.stack, self.scope, self.device_type = other.stack, other.scope, other.device_type
            self.is_legacy, self.use_device = other.is_legacy, other.use_device
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise AssertionError(f"FunctionEventAvg.add: the keys differ ({self.key!r} and {other.key!r})")
        self.cpu_time_total += other.cpu_time_total
        self.device_time_total += other.device_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.self_device_time_total += other.self_device_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.device_memory_usage += other.device_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.self_device_memory_usage += other.self_device_memory_usage
        self.count += other.count
        self.flops += other.flops or 0
        return self

    def __iadd__(self, other):
        return self.add(other)

    cuda_memory_usage = property(lambda self: self.device_memory_usage, doc="Alias of device_memory_usage.")
    self_cuda_memory_usage = property(lambda self: self.self_device_memory_usage,
                                      doc="Alias of self_device_memory_usage.")
    cuda_time_total = property(lambda self: self.device_time_total, doc="Alias of device_time_total.")
    self_cuda_time_total = property(lambda self: self.self_device_time_total,
                                    doc="Alias of self_device_time_total.")

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str}  self_cuda_time={self.self_device_time_total_str} "
                f"cuda_time={self.device_time_str} input_shapes={self.input_shapes if self.input_shapes else ''} "
                f"cpu_memory_usage={self.cpu_memory_usage} cuda_memory_usage={self.device_memory_usage}>")


class MemRecordsAcc:
    """The memory records of a profile in time order (``(time_us, bytes, total)``), for tools that read them."""

    def __init__(self, records):
        self.records = sorted(records)

    def in_interval(self, start_us, end_us):
        """The records with ``start_us <= time <= end_us``."""
        return [r for r in self.records if start_us <= r[0] <= end_us]


class EventList(list):
    """A list of :class:`FunctionEvent` (or :class:`FunctionEventAvg`) with PyTorch's summaries."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False, **kwargs):
        super().__init__(*args)
        self._use_device, self._profile_memory, self._with_flops = use_device, profile_memory, with_flops
        self._trace = kwargs.get("trace")    # the recording behind the events (for the Chrome trace)

    @property
    def self_cpu_time_total(self):
        """The summed self CPU time of all events, in microseconds."""
        return sum(e.self_cpu_time_total for e in self)

    def __str__(self):
        return self.table()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The events as PyTorch's text table.

        ``sort_by``: an attribute to sort by, largest first (``"cpu_time_total"``,
        ``"self_cpu_time_total"``, ``"cpu_memory_usage"``, ``"count"``, ...); ``row_limit``
        rows at most; ``time_unit`` ``"s"``, ``"ms"`` or ``"us"`` forces one unit.
        Columns: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, then CPU Mem /
        Self CPU Mem (``profile_memory``), # of Calls, Input Shapes (when recorded), Source Location
        (``with_stack``) and Total FLOPs (``with_flops``).
        """
        from .profiler_table import build_table
        return build_table(self, sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width, header=header,
                           profile_memory=self._profile_memory, with_flops=self._with_flops,
                           top_level_events_only=top_level_events_only, time_unit=time_unit,
                           use_device=self._use_device)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """One :class:`FunctionEventAvg` per event name (and input shapes, and the top ``group_by_stack_n``
        stack frames, when asked), in the order the keys first occur."""
        groups = {}
        for event in self:
            key = (event.key, event.node_id)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                key += (tuple(event.stack[:group_by_stack_n]),)
            if group_by_overload_name:
                key += (event.overload_name,)
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg()
            avg.add(event)
        averages = EventList(groups.values(), use_device=self._use_device, profile_memory=self._profile_memory,
                             with_flops=self._with_flops)
        for avg in averages:
            avg.stack = (avg.stack or [])[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return averages

    def total_average(self):
        """One :class:`FunctionEventAvg` summing every event (key ``"Total"``)."""
        total = FunctionEventAvg()
        for event in self:
            total.cpu_time_total += event.cpu_time_total
            total.self_cpu_time_total += event.self_cpu_time_total
            total.cpu_memory_usage += event.cpu_memory_usage
            total.self_cpu_memory_usage += event.self_cpu_memory_usage
            total.count += event.count
            total.flops += event.flops or 0
        total.key = "Total"
        return total

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (JSON, for chrome://tracing or Perfetto) to ``path``."""
        from .profiler_trace import write_chrome_trace
        write_chrome_trace(self, path, self._trace)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write one ``frame;frame;... value`` line per event with a stack (for flame graphs) to ``path``."""
        from .profiler_trace import write_stacks
        write_stacks(self, path, metric)
