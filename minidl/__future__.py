"""``torch.__future__``: switches for behaviour PyTorch plans to make the default.

``set_overwrite_module_params_on_conversion(True)``: ``Module.to``/``float``/``double``/... put new Parameter
objects in the module instead of converting the existing ones in place. ``set_swap_module_params_on_conversion(True)``
(which takes precedence): conversions keep the Parameter objects (as the default does), and ``load_state_dict``
loads each entry through ``Tensor.module_load`` and :func:`minidl.utils.swap_tensors`, so even ``assign=True``
keeps the module's Parameter objects (holding the state dict's values).
"""
_overwrite_module_params_on_conversion: bool = False
_swap_module_params_on_conversion: bool = False

__all__ = ["set_overwrite_module_params_on_conversion", "get_overwrite_module_params_on_conversion",
           "set_swap_module_params_on_conversion", "get_swap_module_params_on_conversion"]


def set_overwrite_module_params_on_conversion(value: bool) -> None:
    """Whether converting a Module assigns new Parameters instead of changing the existing ones in place."""
    global _overwrite_module_params_on_conversion
    _overwrite_module_params_on_conversion = value


def get_overwrite_module_params_on_conversion() -> bool:
    """The flag :func:`set_overwrite_module_params_on_conversion` set (False by default)."""
    return _overwrite_module_params_on_conversion


def set_swap_module_params_on_conversion(value: bool) -> None:
    """Whether Module conversion and ``load_state_dict`` swap tensors (``swap_tensors``) into the existing
    Parameters instead of setting their data or copying into them."""
    global _swap_module_params_on_conversion
    _swap_module_params_on_conversion = value


def get_swap_module_params_on_conversion() -> bool:
    """The flag :func:`set_swap_module_params_on_conversion` set (False by default)."""
    return _swap_module_params_on_conversion
