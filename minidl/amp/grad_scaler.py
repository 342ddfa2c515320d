"""``minidl.amp.GradScaler``: dynamic loss scaling with inf/NaN checks, as PyTorch's.

Each iteration ``scaler.scale(loss).backward()`` makes gradients ``scale``
times larger, ``scaler.step(optimizer)`` divides them back (``unscale_``),
skips ``optimizer.step()`` when any gradient is inf or NaN, and
``scaler.update()`` halves the scale after such a step (``backoff_factor``)
or doubles it after ``growth_interval`` clean steps in a row
(``growth_factor``). With ``enabled=False`` every method passes through:
``scale`` returns its input, ``step`` calls ``optimizer.step()``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


def _fresh_state():
    return {"stage": _READY, "found_inf": None}


class GradScaler:
    """Loss scaling for mixed-precision training: ``GradScaler(device='cuda', init_scale=65536.0,
    growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True)``.

    As PyTorch, ``device='cuda'`` (the default) on a machine without a usable
    GPU warns and disables the scaler; pass ``device='cpu'`` for real loss
    scaling on the CPU.

    >>> import minidl as mdl
    >>> w = mdl.nn.Parameter(mdl.ones(2))
    >>> opt = mdl.optim.SGD([w], lr=0.1)
    >>> scaler = mdl.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
    >>> scaler.scale((w * 3).sum()).backward()     # w.grad holds 4 * 3
    >>> scaler.step(opt); scaler.update()          # grad unscaled to 3, step taken, scale grows
    >>> w.grad.tolist(), w.tolist(), scaler.get_scale()
    ([3.0, 3.0], [0.699999988079071, 0.699999988079071], 8.0)
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = str(device)
        self._enabled = bool(enabled)
        if self._device.split(":")[0] == "cuda" and self._enabled and not backend.gpu_available():
            warnings.warn("minidl.amp.GradScaler is enabled for 'cuda', but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale = None            # 0-d float32 array, made on first use
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker = None   # clean steps in a row since the last change of scale
        self._per_optimizer_states = {}

    # --- the training-loop methods ----------------------------------------------------
    def scale(self, outputs):
        """``outputs`` (a Tensor, or nested lists/tuples of them) times the current scale.

        Returns the input unchanged when disabled.
        """
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale_tensor(outputs)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(item) for item in outputs)
        if hasattr(outputs, "__iter__"):
            return map(self.scale, outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale in place, and note whether any is inf or NaN.

        Call it before clipping gradients; ``step`` then does not unscale again.

        Raises:
            RuntimeError: called twice before ``update()``, or after ``step()``.
            ValueError: a gradient is float16 (its unscaled values may not be representable).
        """
        if not self._enabled:
            return
        self._check_started("unscale_")
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / np.float64(self._scale))
        state["found_inf"] = self._unscale_grads(optimizer, inv_scale, allow_fp16=False)
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale the gradients (unless ``unscale_`` did), then ``optimizer.step(*args, **kwargs)`` only if
        they are all finite; returns what ``optimizer.step`` returned, or None when skipped.

        Raises:
            RuntimeError: ``closure=`` with an enabled scaler, or a second ``step`` before ``update()``.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_started("step")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Set the scale for the next iteration: ``new_scale`` if given (a float or a 1-element Tensor), else
        ``scale * backoff_factor`` after an inf/NaN, ``scale * growth_factor`` after ``growth_interval``
        clean steps in a row, otherwise unchanged.

        Raises:
            AssertionError: no ``step``/``unscale_`` recorded an inf check since the last update.
        """
        if not self._enabled:
            return
        self._check_started("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element Tensor with "
                                         "requires_grad=False.")
                new_scale = float(new_scale.item())
            self._scale = np.array(new_scale, dtype=np.float32)
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale = np.array(self._scale * np.float32(self._backoff_factor), dtype=np.float32)
                self._growth_tracker = 0
            else:
                successful = self._growth_tracker + 1
                if successful == self._growth_interval:
                    grown = np.float32(self._scale * np.float32(self._growth_factor))
                    if np.isfinite(grown):
                        self._scale = np.array(grown, dtype=np.float32)
                    successful = 0
                self._growth_tracker = successful
        self._per_optimizer_states = {}

    # --- queries and settings ----------------------------------------------------------
    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale)

    def get_growth_factor(self):
        """The factor the scale grows by after ``growth_interval`` clean steps."""
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        """Set the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        """The factor the scale shrinks by after an inf/NaN gradient."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        """Set the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        """How many clean steps in a row make the scale grow."""
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        """Set the growth interval."""
        self._growth_interval = new_interval

    def is_enabled(self):
        """Whether the scaler scales (False after ``enabled=False``, or for 'cuda' without a GPU)."""
        return self._enabled

    def state_dict(self):
        """``{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'}``
        (empty when disabled), as PyTorch's."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        """Restore what :meth:`state_dict` returned.

        Raises:
            RuntimeError: ``state_dict`` is empty (saved from a disabled scaler).
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = np.array(self._init_scale, dtype=np.float32)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            if self._per_optimizer_states:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning of an iteration, "
                                     "or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = state["_growth_tracker"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    # --- internals -----------------------------------------------------------------------
    def _scale_tensor(self, like):
        if self._scale is None:
            self._scale = np.array(self._init_scale, dtype=np.float32)
            self._growth_tracker = self._init_growth_tracker
        scale = Tensor(np.array(self._scale))
        return scale.to(like.device) if backend.is_device_array(like.array) else scale

    def _get_growth_tracker(self):
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def _check_started(self, name):
        if self._scale is None:
            raise AssertionError(f"Attempted {name} but _scale is None.  This may indicate your script did not "
                                 "use scaler.scale(loss or outputs) earlier in the iteration.")

    def _state(self, optimizer):
        return self._per_optimizer_states.setdefault(id(optimizer), _fresh_state())

    @staticmethod
    def _unscale_grads(optimizer, inv_scale, allow_fp16):
        """Multiply every gradient of ``optimizer`` by ``inv_scale`` in place; True if any was not finite,
        None if there were no gradients to check."""
        found_inf = None
        for group in optimizer.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if not allow_fp16 and grad.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                xp = backend.get_array_module(grad.array)
                found_inf = bool(found_inf) or not bool(xp.isfinite(grad.array).all())
                grad.array *= inv_scale.astype(grad.array.dtype)
        return found_inf
