"""``keras.config``: the global settings (``import minidl.keras.config`` works, as in Keras 3).

What minidl honours: ``floatx`` is ``"float32"`` (``set_floatx`` of another type raises: the
layers compute in float32 only); ``set_epsilon`` changes the fuzz factor the probability losses
clip with; ``image_data_format`` is ``"channels_last"`` (``"channels_first"`` raises);
``enable_unsafe_deserialization`` lets ``Lambda`` layers of Python lambdas load under
``safe_mode=True``; ``disable_interactive_logging`` sends the progress bars to the ``logging``
module instead of stdout; ``set_max_epochs`` / ``set_max_steps_per_epoch`` cap ``fit`` (with a
warning, as Keras); the dtype policy can only be ``"float32"``. minidl never rewrites tracebacks,
so traceback filtering is a recorded switch with nothing to filter; there is no flash-attention
kernel (``enable_flash_attention`` raises). ``backend()`` is ``"minidl"``: scripts that branch on
``"tensorflow"``/``"jax"``/``"torch"`` would otherwise import that framework and feed it minidl
tensors.
"""
from __future__ import annotations

from minidl.keras import _settings
from minidl.keras._settings import (
    enable_unsafe_deserialization,
    epsilon,
    floatx,
    image_data_format,
    set_floatx,
    set_image_data_format,
)
from minidl.keras.dtype_policies import dtype_policy, set_dtype_policy

__all__ = ["backend", "set_backend", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "enable_unsafe_deserialization", "enable_interactive_logging",
           "disable_interactive_logging", "is_interactive_logging_enabled", "enable_traceback_filtering",
           "disable_traceback_filtering", "is_traceback_filtering_enabled", "dtype_policy", "set_dtype_policy",
           "max_epochs", "set_max_epochs", "max_steps_per_epoch", "set_max_steps_per_epoch",
           "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled", "is_nnx_enabled"]


def backend() -> str:
    """The backend's name: ``"minidl"`` (see the module docstring for why not ``"torch"``)."""
    return "minidl"


def set_backend(backend) -> None:
    """Keras reloads itself on another backend; minidl.keras has one, so only ``"minidl"`` is accepted."""
    if backend != "minidl":
        raise ValueError(f"set_backend({backend!r}): minidl.keras runs on minidl only; import the real "
                         "keras package for other backends")


def set_epsilon(value) -> None:
    """Set the fuzz factor (default 1e-7) that the probability losses clip ``y_pred`` with."""
    from minidl.keras import losses
    _settings.set_epsilon(value)
    losses.EPSILON = _settings.epsilon()


def enable_interactive_logging() -> None:
    """Progress bars and ``summary`` write to stdout (the default)."""
    _settings.put("interactive_logging", True)


def disable_interactive_logging() -> None:
    """Progress bars write to the ``logging`` module (logger ``"minidl.keras"``, level INFO) instead
    of stdout, as Keras sends them to absl logging."""
    _settings.put("interactive_logging", False)


def is_interactive_logging_enabled() -> bool:
    """Whether progress output goes to stdout."""
    return _settings.get("interactive_logging")


def enable_traceback_filtering() -> None:
    """Record that traceback filtering is on (the default; minidl's tracebacks are never rewritten)."""
    _settings.put("traceback_filtering", True)


def disable_traceback_filtering() -> None:
    """Record that traceback filtering is off (minidl shows full tracebacks either way)."""
    _settings.put("traceback_filtering", False)


def is_traceback_filtering_enabled() -> bool:
    """The recorded traceback-filtering switch."""
    return _settings.get("traceback_filtering")


def max_epochs():
    """The cap on ``fit``'s ``epochs`` (None: no cap)."""
    return _settings.get("max_epochs")


def set_max_epochs(max_epochs) -> None:
    """Cap ``fit``'s ``epochs`` (for quick debugging runs); None removes the cap."""
    _settings.put("max_epochs", max_epochs)


def max_steps_per_epoch():
    """The cap on the steps of each ``fit`` epoch (None: no cap)."""
    return _settings.get("max_steps_per_epoch")


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap the steps of each ``fit`` epoch; None removes the cap."""
    _settings.put("max_steps_per_epoch", max_steps_per_epoch)


def enable_flash_attention() -> None:
    """minidl has no flash-attention kernel: raises ``ValueError``."""
    raise ValueError("enable_flash_attention(): minidl.keras has no flash-attention kernel; attention layers "
                     "use the standard softmax(QK^T)V computation")


def disable_flash_attention() -> None:
    """Flash attention stays off (it is never on in minidl)."""
    _settings.put("flash_attention", False)


def is_flash_attention_enabled():
    """None until :func:`disable_flash_attention` (then False), as Keras' default 'auto'."""
    return _settings.get("flash_attention")


def is_nnx_enabled() -> bool:
    """False: Flax NNX is a JAX-backend feature."""
    return False


def fit_caps(epochs, steps_per_epoch):
    """``(epochs, steps_per_epoch)`` capped by :func:`max_epochs` / :func:`max_steps_per_epoch`,
    warning as Keras does when a cap applies (used by ``fit``)."""
    import warnings
    cap = max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        epochs = cap
    cap = max_steps_per_epoch()
    if cap and (not steps_per_epoch or cap < steps_per_epoch):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        steps_per_epoch = cap
    return epochs, steps_per_epoch
