"""Where a tensor read from a ``.pt`` file goes: its saved location and ``map_location`` -> a minidl device."""
from __future__ import annotations

__all__ = ["device_for"]


def device_for(location, map_location, path):
    """The :class:`minidl.backend.Device` for a storage saved at ``location`` (``"cpu"``, ``"cuda:0"``) under
    ``map_location`` (None, a device or name, or a dict of locations), checked to be usable."""
    from .. import backend
    if map_location is None:
        target = "cpu" if str(location).startswith("cpu") else "gpu"
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
        target = "cpu" if str(target).startswith("cpu") else str(target)
    elif callable(map_location) and not isinstance(map_location, (str, backend.Device)):
        raise TypeError("map_location as a function is not supported; pass 'cpu', 'cuda', a "
                        "minidl device or a dict of locations")
    else:
        target = map_location
    try:
        device = backend.Device(target)
        backend.require_usable(device)
        return device
    except backend.DeviceError as exc:
        raise backend.DeviceError(f"{path}: tensors saved on {location!r} cannot be placed on "
                                  f"{target!r} ({exc}); pass map_location='cpu'") from None
