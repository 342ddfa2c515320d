"""``EventList.table()``: profiler events as PyTorch's fixed-width text table.

The layout is PyTorch's: a dashed rule, the header row, a rule, one row per
event (names cut to ``max_name_column_width - 3`` characters plus ``...``),
a rule, and ``Self CPU time total: ...``. Every column but the name is 12
characters wide, right-aligned, followed by two spaces. Percentages are of the
summed self CPU time of all listed events.
"""
from __future__ import annotations

import math

from .profiler_util import format_memory, format_time, format_time_share

__all__ = ["build_table"]

_COLUMN = 12
_SPACING = 2
_FLOP_UNITS = ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs")


def _time(time_us, unit):
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    return format_time(time_us)


def _flops_scale(smallest):
    """The factor and header unit for FLOP counts, chosen by the smallest positive count."""
    power = max(0, min(math.log10(smallest) / 3, len(_FLOP_UNITS) - 1))
    return 10 ** (math.floor(power) * -3.0), _FLOP_UNITS[int(power)]


def _trim_path(path, width):
    if len(path) > width:
        path = path[len(path) - width:]
        if len(path) > 3:
            path = "..." + path[3:]
    return path


def build_table(events, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
                max_shapes_column_width=80, header=None, profile_memory=False, with_flops=False,
                top_level_events_only=False, time_unit=None, use_device=None):
    """The text table of ``events`` (FunctionEvent or FunctionEventAvg); see ``EventList.table``."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device")
        try:
            events = sorted(events, key=lambda e: getattr(e, attribute), reverse=True)
        except AttributeError:
            raise AttributeError(f"table: sort_by={sort_by!r} is not an attribute of the events; use e.g. "
                                 "'cpu_time_total', 'self_cpu_time_total', 'cpu_memory_usage' or 'count'") from None
    has_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0 for e in events)
    stacks = [e.stack for e in events if e.stack]
    name_width = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    src_width = None
    if stacks:
        src_width = max(max(len(entry) for entry in stack) for stack in stacks) + 4
        if max_src_column_width is not None:
            src_width = min(src_width, max_src_column_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    device_memory = profile_memory and use_device is not None and any(
        getattr(e, "self_device_memory_usage", 0) > 0 for e in events)
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        if device_memory:
            headers += [f"{use_device.upper()} Mem", f"Self {use_device.upper()} Mem"]
    headers.append("# of Calls")
    widths = [(name_width, ">")] + [(_COLUMN, ">")] * (len(headers) - 1)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append((shapes_width, ">"))
    if stacks:
        headers.append("Source Location")
        widths.append((src_width, "<"))
    flops_scale = None
    if with_flops:
        counted = [e.flops for e in events if e.flops and e.flops > 0]
        if counted:
            flops_scale, unit = _flops_scale(min(counted))
            headers.append(f"Total {unit}")
            widths.append((_COLUMN, ">"))
    row_format = "".join("{: " + align + str(width) + "}" + " " * _SPACING for width, align in widths)
    rule = "".join("-" * width + " " * _SPACING for width, _ in widths)
    line_length = sum(width + _SPACING for width, _ in widths) - _SPACING

    total_self = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [rule, row_format.format(*headers), rule]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        event.self_cpu_percent = format_time_share(event.self_cpu_time_total, total_self)
        event.total_cpu_percent = format_time_share(event.cpu_time_total, total_self) if not event.is_async else 0
        row = [name, event.self_cpu_percent, _time(event.self_cpu_time_total, time_unit), event.total_cpu_percent,
               _time(event.cpu_time_total, time_unit), _time(event.cpu_time, time_unit)]
        if profile_memory:
            row += [format_memory(event.cpu_memory_usage), format_memory(event.self_cpu_memory_usage)]
            if device_memory:
                row += [format_memory(event.device_memory_usage), format_memory(event.self_device_memory_usage)]
        row.append(event.count)
        if has_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        if stacks:
            row.append(_trim_path(event.stack[0], src_width) if event.stack else "")
        if flops_scale is not None:
            row.append("--" if not event.flops or event.flops <= 0 else f"{event.flops * flops_scale:8.3f}")
        lines.append(row_format.format(*row))
        if stacks:
            blanks = [""] * (len(headers) - 1 - (flops_scale is not None))
            for entry in (event.stack or [])[1:]:
                extra = [""] if flops_scale is not None else []
                lines.append(row_format.format(*(blanks + [_trim_path(entry, src_width)] + extra)))
            lines.append(row_format.format(*([""] * len(headers))))
    lines += [rule, f"Self CPU time total: {_time(total_self, time_unit)}"]
    return "\n".join(lines) + "\n"
