"""``keras.optimizers.get``, ``serialize`` and ``deserialize``: optimisers by name or config."""
from __future__ import annotations

from minidl.keras.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer, RMSprop
from minidl.keras.optimizers._schedule_free import ScheduleFreeAdamW
from minidl.keras.optimizers.more import Adafactor, Ftrl, Lamb, Lion, LossScaleOptimizer, Muon
from minidl.optim.optimizer import Optimizer as _MinidlOptimizer

__all__ = ["get", "serialize", "deserialize"]

_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "adamax": Adamax, "nadam": Nadam,
            "rmsprop": RMSprop, "adadelta": Adadelta, "adagrad": Adagrad, "ftrl": Ftrl, "lion": Lion,
            "lamb": Lamb, "adafactor": Adafactor, "muon": Muon, "lossscaleoptimizer": LossScaleOptimizer,
            "schedulefreeadamw": ScheduleFreeAdamW, "schedule_free_adam_w": ScheduleFreeAdamW}


def get(identifier) -> Optimizer:
    """An optimiser from a name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ...; Keras' defaults),
    a config dict, or an :class:`Optimizer` (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, _MinidlOptimizer):
        raise TypeError("minidl.keras needs a keras optimizer (a name such as 'adam', or "
                        "keras.optimizers.Adam(...)); a minidl.optim optimizer was given")
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(str(identifier.get("class_name", "")).lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls()
    if identifier is None:
        return None
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer) -> dict:
    """Keras 3's serialised form ``{"module", "class_name", "config", "registered_name"}`` of an optimiser."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": optimizer.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None) -> Optimizer:
    """The optimiser a config dict (``{"class_name", "config"}``, as :func:`serialize` or Keras
    writes it) or a name describes."""
    if isinstance(config, dict):
        name = config.get("class_name")
        cls = (custom_objects or {}).get(name) or _BY_NAME.get(str(name).lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {config!r}")
        return cls.from_config(config.get("config", {}))
    return get(config)
