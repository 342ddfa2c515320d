"""torchvision's model-builder machinery: ``Weights``, ``WeightsEnum``, the builder registry
(``get_model``, ``get_model_weights``, ``get_weight``, ``list_models``) and weight loading.

minidl never downloads: a pretrained ``WeightsEnum`` member is read from torch hub's
cache, ``$TORCH_HOME/hub/checkpoints/<file name of its url>`` (``TORCH_HOME`` defaults to
``$XDG_CACHE_HOME/torch``, i.e. ``~/.cache/torch``), where torchvision itself saves the
files it downloads; a missing file raises a one-line ``FileNotFoundError`` naming the
URL and the path to put it at. A builder's ``weights`` may also be a state dict or the
path of a ``.pth``/``.pt``/``.safetensors`` state-dict file (a minidl extension).
"""
from __future__ import annotations

import enum
import fnmatch
import functools
import inspect
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model", "hub_checkpoint_dir"]

BUILTIN_MODELS: dict = {}
_MODEL_WEIGHTS: dict = {}
_HASH_IN_NAME = re.compile(r"-([a-f0-9]*)\.")


@dataclass
class Weights:
    """What a pretrained checkpoint is: its ``url``, ``transforms`` (a callable building its
    eval preprocessing, e.g. ``ImageClassification(crop_size=224)``) and ``meta`` (a dict:
    ``categories``, ``num_params``, ``min_size``, ``_metrics``, ...)."""

    url: str
    transforms: Callable
    meta: dict


class WeightsEnum(enum.Enum):
    """Base of the ``*_Weights`` enums: each member's value is a :class:`Weights`;
    ``member.url``, ``member.transforms()`` and ``member.meta`` read it, and
    ``DEFAULT`` aliases the best member."""

    @classmethod
    def from_str(cls, member: str):
        """The member called ``member`` (``"IMAGENET1K_V1"``); ValueError when there is none."""
        try:
            return cls[member]
        except KeyError:
            raise ValueError(f"Unknown value '{member}' for {cls.__name__}.") from None

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member of this enum: None stays None, a string names a member
        (``"IMAGENET1K_V1"`` or ``"ResNet18_Weights.IMAGENET1K_V1"``); any other type
        raises TypeError."""
        if obj is not None:
            if type(obj) is str:
                obj = cls.from_str(obj.replace(cls.__name__ + ".", ""))
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, model_dir=None, map_location=None, progress: bool = True, check_hash: bool = False,
                       file_name=None, weights_only=True) -> dict:
        """The checkpoint's state dict, read from torch hub's cache (see the module doc; the
        arguments are ``torch.hub.load_state_dict_from_url``'s, and the builders pass
        ``check_hash=True``); FileNotFoundError naming the URL and the expected path when
        the file is not there."""
        return load_state_dict_from_cache(self.url, model_dir=model_dir, check_hash=check_hash,
                                          file_name=file_name, map_location=map_location,
                                          who=repr(self))

    @property
    def url(self) -> str:
        """Where torchvision downloads this checkpoint from."""
        return self.value.url

    @property
    def transforms(self) -> Callable:
        """A callable returning the eval preprocessing these weights expect."""
        return self.value.transforms

    @property
    def meta(self) -> dict:
        """The checkpoint's metadata (``categories``, ``num_params``, ``min_size``, ...)."""
        return self.value.meta

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    def __str__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"



def hub_checkpoint_dir() -> str:
    """The hub's checkpoint folder, ``minidl.hub.get_dir()/checkpoints``: by default torch hub's,
    ``$TORCH_HOME/hub/checkpoints`` (``TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``,
    ``XDG_CACHE_HOME`` to ``~/.cache``); ``minidl.hub.set_dir`` moves it."""
    from ... import hub
    return os.path.join(hub.get_dir(), "checkpoints")


def load_state_dict_from_cache(url, model_dir=None, check_hash=True, file_name=None, map_location=None,
                               who="weights") -> dict:
    """The state dict saved at ``model_dir`` (default :func:`hub_checkpoint_dir`) under the
    file name of ``url``; with ``check_hash`` the file's SHA-256 must start with the hex
    digits after the last ``-`` of that name, as torch hub checks."""
    from ...data.download import file_hash
    from ...io import load
    name = file_name or os.path.basename(url.split("?")[0])
    path = os.path.join(model_dir or hub_checkpoint_dir(), name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{who}: {path} not found; minidl does not download weights: fetch {url} "
                                f"and save it there (or set TORCH_HOME)")
    match = _HASH_IN_NAME.search(name)
    if check_hash and match:
        digest = file_hash(path, "sha256")
        if not digest.startswith(match.group(1)):
            raise RuntimeError(f'{path}: invalid hash value (expected "{match.group(1)}", got "{digest}")')
    return _unwrap_state(load(path, map_location=map_location))


def _unwrap_state(state):
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        return state["state_dict"]
    return state


def _load_local(weights, name) -> dict:
    """A state dict given directly, or read from a file path."""
    if hasattr(weights, "items"):
        return weights
    from ...io import load
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{name}: weights file {path} not found")
    return _unwrap_state(load(path))


def resolve_weights(enum_cls, weights, name):
    """``weights`` as torchvision's ``verify`` makes it, or, for a path or a state dict,
    ``("local", state_dict)`` (minidl's extension)."""
    if isinstance(weights, (os.PathLike, dict)) or (hasattr(weights, "items") and hasattr(weights, "keys")):
        return ("local", _load_local(weights, name))
    if isinstance(weights, str) and weights.replace(enum_cls.__name__ + ".", "") not in enum_cls.__members__:
        if os.path.splitext(weights)[1] or os.path.isfile(weights):
            return ("local", _load_local(weights, name))
    return enum_cls.verify(weights)


def overwrite_named_param(kwargs: dict, param: str, new_value) -> None:
    """Set ``kwargs[param]`` to ``new_value``; ValueError when the caller gave another value."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} "
                             "instead.")
    else:
        kwargs[param] = new_value


def enum_kwargs(weights, kwargs: dict) -> None:
    """The builder's ``num_classes`` forced to the checkpoint's category count."""
    if isinstance(weights, WeightsEnum):
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))


def load_weights(model, weights, progress=True):
    """Load ``weights`` (None, a resolved enum member or ``("local", state)``) into ``model``."""
    if weights is None:
        return model
    if isinstance(weights, tuple):
        state = weights[1]
    else:
        state = weights.get_state_dict(progress=progress, check_hash=True)
    model.load_state_dict(state)
    return model


def _quoted_list(names) -> str:
    names = [f"'{n}'" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def handle_legacy_interface(default_weights):
    """torchvision 0.13+'s deprecation shim for a builder: ``pretrained=True`` (or the old
    positional ``weights``/``progress``) warns and maps to ``weights=default_weights``
    (a member, or a callable of the kwargs giving one); ``pretrained=False`` to None."""

    def outer(builder):
        keyword_only = [p.name for p in inspect.signature(builder).parameters.values()
                        if p.kind is inspect.Parameter.KEYWORD_ONLY]

        @functools.wraps(builder)
        def inner(*args, **kwargs):
            if args:
                if len(args) > len(keyword_only):
                    raise TypeError(f"{builder.__name__}() takes at most {len(keyword_only)} positional "
                                    f"arguments ({len(args)} given)")
                moved = dict(zip(keyword_only, args))
                warnings.warn(f"Using {_quoted_list(moved)} as positional parameter(s) is deprecated since "
                              "0.13 and may be removed in the future. Please use keyword parameter(s) instead.",
                              stacklevel=2)
                kwargs.update(moved)
            weights_arg = kwargs.get("weights", inner)
            if not (("weights" not in kwargs and "pretrained" not in kwargs)
                    or isinstance(weights_arg, WeightsEnum)
                    or (isinstance(weights_arg, str) and weights_arg != "legacy")
                    or weights_arg is None or isinstance(weights_arg, os.PathLike)
                    or hasattr(weights_arg, "items")):
                positional = weights_arg is not inner
                if positional:
                    kwargs["pretrained"] = pretrained = kwargs.pop("weights")
                else:
                    pretrained = kwargs["pretrained"]
                if pretrained:
                    default = default_weights(kwargs) if callable(default_weights) else default_weights
                    if not isinstance(default, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                else:
                    default = None
                if not positional:
                    warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
                                  "future, please use 'weights' instead.", stacklevel=2)
                msg = ("Arguments other than a weight enum or `None` for 'weights' are deprecated since "
                       "0.13 and may be removed in the future. The current behavior is equivalent to "
                       f"passing `weights={default}`.")
                if pretrained:
                    msg += (f" You can also use `weights={type(default).__name__}.DEFAULT` to get the "
                            "most up-to-date weights.")
                warnings.warn(msg, stacklevel=2)
                del kwargs["pretrained"]
                kwargs["weights"] = default
            return builder(**kwargs)

        return inner

    return outer


def register_model(weights_enum, name: str | None = None):
    """Decorator: register a builder under ``name`` (default its own name) for
    :func:`get_model` and :func:`list_models`, with its ``*_Weights`` enum."""

    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        _MODEL_WEIGHTS[key] = weights_enum
        return fn

    return wrapper


def list_models(module=None, include=None, exclude=None) -> list:
    """The sorted names of the registered builders, optionally only those of ``module``
    (e.g. ``minidl.vision.models``), matching an ``include`` and no ``exclude`` glob."""
    all_models = {k for k, v in BUILTIN_MODELS.items()
                  if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    models = all_models
    if include:
        include = [include] if isinstance(include, str) else include
        models = set()
        for pattern in include:
            models |= set(fnmatch.filter(all_models, pattern))
    if exclude:
        for pattern in ([exclude] if isinstance(exclude, str) else exclude):
            models -= set(fnmatch.filter(all_models, pattern))
    return sorted(models)


def _find_model(name: str):
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model_builder(name: str):
    """The builder function registered as ``name`` (ValueError for an unknown name)."""
    return _find_model(name)


def get_model(name: str, **config: Any):
    """The model ``name`` built with ``config`` (``get_model("resnet50", weights=None, num_classes=10)``)."""
    return _find_model(name)(**config)


def get_model_weights(name):
    """The ``*_Weights`` enum class of a builder, given as a function or by its registered name."""
    if isinstance(name, str):
        _find_model(name)
        return _MODEL_WEIGHTS[name.lower()]
    for key, fn in BUILTIN_MODELS.items():
        if fn is name or getattr(fn, "__wrapped__", None) is name:
            return _MODEL_WEIGHTS[key]
    raise ValueError(f"The WeightsEnum class for {getattr(name, '__name__', name)!r} couldn't be retrieved.")


def get_weight(name: str):
    """The member named ``"<Enum>.<MEMBER>"``, e.g. ``get_weight("ResNet50_Weights.IMAGENET1K_V2")``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    package = sys.modules[__name__.rsplit(".", 1)[0]]
    weights_enum = getattr(package, enum_name, None)
    if not (isinstance(weights_enum, type) and issubclass(weights_enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return weights_enum.from_str(value_name)


def classification_weights(file, num_params, min_size, acc1, acc5, resize_size=256, crop_size=224,
                           recipe=None, **transform_kwargs) -> Weights:
    """The :class:`Weights` of an ImageNet-1K classifier saved as ``download.pytorch.org/models/<file>``."""
    from ._meta import _IMAGENET_CATEGORIES
    from ._presets import ImageClassification
    meta = {"num_params": num_params, "min_size": min_size, "categories": _IMAGENET_CATEGORIES,
            "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}}
    if recipe:
        meta["recipe"] = recipe
    return Weights(url=f"https://download.pytorch.org/models/{file}",
                   transforms=functools.partial(ImageClassification, crop_size=crop_size, resize_size=resize_size,
                                                **transform_kwargs),
                   meta=meta)
