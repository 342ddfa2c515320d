"""``keras.dtype_policies`` / ``keras.mixed_precision``: ``DTypePolicy`` (``Policy``), the global
policy (``set_global_policy`` / ``set_dtype_policy``, ``global_policy`` / ``dtype_policy``),
``get``/``serialize``/``deserialize``.

minidl.keras' layers keep float32 weights and compute in float32 (their inputs are cast to float32),
so the only policy that can be made global is ``"float32"``: ``"mixed_float16"``,
``"mixed_bfloat16"``, ``"float16"``, ``"bfloat16"`` and ``"float64"`` raise a ``ValueError`` saying
so rather than running in float32 under another name. A policy object of any valid name can still
be built and inspected (``compute_dtype``, ``variable_dtype``), as in Keras.
"""
from __future__ import annotations

from minidl.keras import _settings

__all__ = ["DTypePolicy", "FloatDTypePolicy", "Policy", "get", "serialize", "deserialize", "dtype_policy",
           "set_dtype_policy", "global_policy", "set_global_policy"]

_FLOATS = ("float16", "bfloat16", "float32", "float64")


class DTypePolicy:
    """A dtype policy: the dtype layers compute in (``compute_dtype``) and keep their weights in
    (``variable_dtype``). ``"mixed_float16"`` computes in float16 with float32 weights.

    >>> p = DTypePolicy("mixed_float16")
    >>> (p.compute_dtype, p.variable_dtype)
    ('float16', 'float32')
    """

    def __init__(self, name=None):
        name = _settings.floatx() if name is None else name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name in ("mixed_float16", "mixed_bfloat16"):
            compute, variable = name.split("_", 1)[1], "float32"
        elif name in _FLOATS:
            compute = variable = name
        else:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                             "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'.")
        self._name, self._compute_dtype, self._variable_dtype = name, compute, variable

    @property
    def name(self) -> str:
        """The policy's name (``"float32"``, ``"mixed_float16"``...)."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layers' computations."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layers' weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: a float policy does not quantize."""
        return None

    def get_config(self) -> dict:
        """``{"name": name}``."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        """A policy from :meth:`get_config`."""
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


FloatDTypePolicy = DTypePolicy
Policy = DTypePolicy


def get(identifier) -> DTypePolicy:
    """A policy from a name, a config dict or a policy (None: the global policy)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
                     f"Received: dtype={identifier}")


def serialize(policy) -> dict:
    """Keras' dict of a policy: ``{"module": "keras", "class_name": "DTypePolicy", ...}``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> DTypePolicy:
    """The policy :func:`serialize` described."""
    if config.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        raise ValueError(f"minidl.keras supports float dtype policies only, got {config.get('class_name')!r}")
    return DTypePolicy.from_config(config.get("config", {}))


def dtype_policy() -> DTypePolicy:
    """The global policy (``DTypePolicy(floatx())`` unless set)."""
    return _settings.get("policy") or DTypePolicy(_settings.floatx())


def set_dtype_policy(policy) -> None:
    """Make ``policy`` global. Only ``"float32"`` is accepted: minidl.keras' layers compute in
    float32 only, so a mixed or other float policy raises ``ValueError`` instead of being ignored."""
    policy = get(policy) if not isinstance(policy, DTypePolicy) else policy
    if policy.name != "float32":
        raise ValueError(f"set_dtype_policy({policy.name!r}): minidl.keras' layers compute in float32 only "
                         "(no float16/bfloat16 kernels, float32 weights and inputs); mixed precision and "
                         "non-float32 policies are not supported on this backend")
    _settings.put("policy", policy)


global_policy = dtype_policy
set_global_policy = set_dtype_policy
