"""Where a tensor read from a ``.pt`` file goes: its saved location and ``map_location`` -> a minidl device."""
from __future__ import annotations

__all__ = ["device_for"]


class _LoadedStorage:
    """What a ``map_location`` function gets as its storage (PyTorch passes the CPU storage just read): it can
    return it (the CPU), move it with ``cuda()``/``cpu()``/``to()``, or return None (the saved location)."""

    def __init__(self, device):
        self.device = device

    def cpu(self):
        """This storage on the CPU."""
        return _LoadedStorage("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This storage on a GPU (``cuda:<device>`` when given)."""
        return _LoadedStorage("cuda" if device is None else f"cuda:{getattr(device, 'index', device)}")

    def to(self, device=None, non_blocking=False):
        """This storage on ``device``."""
        return _LoadedStorage(str(device))


def _called(map_location, location):
    """The device a ``map_location(storage, location)`` function picks: that of the storage it returns, or the
    saved ``location`` when it returns None (as PyTorch falls back to the default restore)."""
    result = map_location(_LoadedStorage("cpu"), location)
    if result is None:
        return "cpu" if str(location).startswith("cpu") else str(location)
    device = str(getattr(result, "device", "cpu"))
    return "cpu" if device.startswith("cpu") else device


def device_for(location, map_location, path):
    """The :class:`minidl.backend.Device` for a storage saved at ``location`` (``"cpu"``, ``"cuda:0"``) under
    ``map_location`` (None, a device or name, a dict of locations, or a function of (storage, location)),
    checked to be usable."""
    from .. import backend
    if map_location is None:
        target = "cpu" if str(location).startswith("cpu") else "gpu"
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
        target = "cpu" if str(target).startswith("cpu") else str(target)
    elif callable(map_location) and not isinstance(map_location, (str, backend.Device)):
        target = _called(map_location, location)
    else:
        target = map_location
    try:
        device = backend.Device(target)
        backend.require_usable(device)
        return device
    except backend.DeviceError as exc:
        raise backend.DeviceError(f"{path}: tensors saved on {location!r} cannot be placed on "
                                  f"{target!r} ({exc}); pass map_location='cpu'") from None
