"""Generate ``docs/api.md``, the API reference, from minidl's docstrings and signatures.

    .venv/bin/python tools/make_api_reference.py          # rewrite docs/api.md
    .venv/bin/python tools/make_api_reference.py --check  # exit 1 if a signature in it is stale

Every public name (each module's ``__all__`` in ``SECTIONS`` below, plus the
methods of the core classes in ``MEMBERS``) gets a heading ``### `qualified.name```,
its signature and its docstring, lightly converted from reST/Google style to
Markdown. ``tests/test_docs.py`` checks that every public name has such an
entry and a docstring, and that the signatures written here are current.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "api.md"

# (module, title, names or None for the module's __all__, names to leave out)
SECTIONS = [
    ("minidl", "Tensors, autograd and devices (`import minidl as mdl`)", None, set()),
    ("minidl.autograd", "Autograd internals (`minidl.autograd`)", None, set()),
    ("minidl.backend", "Backends and devices (`minidl.backend`)", None, set()),
    ("minidl.nn", "Modules and layers (`import minidl.nn as nn`)", None, set()),
    ("minidl.nn.functional", "Functional ops (`import minidl.nn.functional as F`)", None, set()),
    ("minidl.nn.init", "Initialisers (`minidl.nn.init`)", None, set()),
    ("minidl.optim", "Optimisers (`import minidl.optim as optim`)", None, set()),
    ("minidl.optim.lr_scheduler", "Learning-rate schedules (`minidl.optim.lr_scheduler`)", None, set()),
    ("minidl.optim.swa_utils", "Weight averaging (`minidl.optim.swa_utils`)", None, set()),
    ("minidl.linalg", "Linear algebra (`minidl.linalg`)", None, set()),
    ("minidl.special", "Special functions (`minidl.special`)", None, set()),
    ("minidl.data", "Data (`minidl.data`)", None, set()),
    ("minidl.data.transforms", "Transforms (`minidl.data.transforms`)", None, set()),
    ("minidl.train", "Training (`minidl.train`)", None, set()),
    ("minidl.metrics", "Metrics (`minidl.metrics`)", None, set()),
    ("minidl.summary", "Model summary (`minidl.summary`)", None, set()),
    ("minidl.io", "Saving and loading (`minidl.io`)", None, set()),
    ("minidl.viz", "Plots (`minidl.viz`)", None, set()),
    ("minidl.models", "Model zoo (`minidl.models`)", None, set()),
    ("minidl.kernels", "Kernels (`minidl.kernels`)", None, set()),
    ("minidl.config", "Configuration (`minidl.config`)", None, set()),
    ("minidl.cuda", "CUDA queries (`minidl.cuda`)", None, set()),
    ("minidl.accelerator", "Accelerator queries (`minidl.accelerator`)", None, set()),
    ("minidl.backends.cudnn", "cuDNN flags (`minidl.backends.cudnn`)", None, set()),
    ("minidl.backends.mps", "MPS queries (`minidl.backends.mps`)", None, set()),
    ("minidl.nn.utils", "Module utilities (`minidl.nn.utils`)", None, set()),
    ("minidl.nn.parallel", "Data parallelism (`minidl.nn.parallel`)", None, set()),
    ("minidl.distributed", "Distributed (`minidl.distributed`)", None, set()),
    ("minidl.utils.data", "PyTorch-style data (`minidl.utils.data`)", None, set()),
    ("minidl.utils.tensorboard", "TensorBoard (`minidl.utils.tensorboard`)", None, set()),
    ("minidl.vision.datasets", "torchvision-style datasets (`minidl.vision.datasets`)", None, set()),
    ("minidl.vision.transforms", "torchvision-style transforms (`minidl.vision.transforms`)", None, set()),
    ("minidl.vision.transforms.functional",
     "torchvision-style functional transforms (`minidl.vision.transforms.functional`)", None, set()),
    ("minidl.vision.utils", "Image grids (`minidl.vision.utils`)", None, set()),
    ("minidl.vision.models", "torchvision-style models (`minidl.vision.models`)", None, set()),
    ("minidl.keras", "Keras facade (`from minidl import keras`)", None, set()),
    ("minidl.keras.layers", "Keras layers (`minidl.keras.layers`)", None, set()),
    ("minidl.keras.optimizers", "Keras optimizers (`minidl.keras.optimizers`)", None, set()),
    ("minidl.keras.losses", "Keras losses (`minidl.keras.losses`)", None, set()),
    ("minidl.keras.metrics", "Keras metrics (`minidl.keras.metrics`)", None, set()),
    ("minidl.keras.callbacks", "Keras callbacks (`minidl.keras.callbacks`)", None, set()),
    ("minidl.keras.utils", "Keras utilities (`minidl.keras.utils`)", None, set()),
    ("minidl.keras.datasets", "Keras datasets (`minidl.keras.datasets`)", None, set()),
    ("minidl.keras.ops", "Keras backend-agnostic ops (`from minidl.keras import ops`)", None, set()),
    ("minidl.keras.random", "Keras random ops (`minidl.keras.random`)", None, set()),
    ("minidl.vision.ops", "torchvision-style box ops and losses (`minidl.vision.ops`)", None, set()),
    ("minidl.version", "Version information (`minidl.version`, as `torch.version`)", None, set()),
    ("minidl.vision.transforms.v2", "torchvision's v2 transforms (`minidl.vision.transforms.v2`)", None, set()),
    ("minidl.amp", "Mixed precision (`minidl.amp`)", None, set()),
    ("minidl.cuda.amp", "CUDA mixed precision, PyTorch's older spelling (`minidl.cuda.amp`)", None, set()),
    ("minidl.cpu", "CPU queries (`minidl.cpu`)", None, set()),
    ("minidl.testing", "Test helpers (`minidl.testing`)", None, set()),
    ("minidl.distributions", "Probability distributions (`minidl.distributions`)", None, set()),
    ("minidl.autograd.functional", "Jacobians and Hessians (`minidl.autograd.functional`)", None, set()),
    ("minidl.nn.parameter", "Parameters (`minidl.nn.parameter`)", None, set()),
    ("minidl.utils.checkpoint", "Activation checkpointing (`minidl.utils.checkpoint`)", None, set()),
    ("minidl.func", "Function transforms (`minidl.func`, as `torch.func`)", None, set()),
    ("minidl.autograd.graph", "Saved-tensor and multi-gradient hooks (`minidl.autograd.graph`)", None, set()),
    ("minidl.nn.utils.rnn", "Packed sequences (`minidl.nn.utils.rnn`)", None, set()),
    ("minidl.nn.utils.parametrize", "Parametrizations (`minidl.nn.utils.parametrize`)", None, set()),
    ("minidl.nn.utils.parametrizations", "Built-in parametrizations (`minidl.nn.utils.parametrizations`)", None,
     set()),
    ("minidl.nn.utils.fusion", "Conv/linear and batch-norm fusion (`minidl.nn.utils.fusion`)", None, set()),
    ("minidl.nn.grad", "Convolution gradients (`minidl.nn.grad`, also `F.grad`)", None, set()),
    ("minidl.nn.attention", "Attention backends (`minidl.nn.attention`)", None, set()),
    ("minidl.utils.benchmark", "Benchmark timers (`minidl.utils.benchmark`, as `torch.utils.benchmark`)", None, set()),
    ("minidl.nn.utils.prune", "Pruning (`minidl.nn.utils.prune`)", None, set()),
    ("minidl.keras.constraints", "Keras weight constraints (`minidl.keras.constraints`)", None, set()),
    ("minidl.keras.preprocessing", "Keras preprocessing (`minidl.keras.preprocessing`)", None, set()),
    ("minidl.keras.preprocessing.image", "Keras image preprocessing (`minidl.keras.preprocessing.image`)", None, set()),
    ("minidl.keras.saving", "Keras saving and serialization (`minidl.keras.saving`)", None, set()),
    ("minidl.keras.config", "Keras configuration (`minidl.keras.config`)", None, set()),
    ("minidl.keras.tree", "Keras nested structures (`minidl.keras.tree`)", None, set()),
    ("minidl.keras.applications", "Keras applications (`minidl.keras.applications`)", None, set()),
    ("minidl.keras.mixed_precision", "Keras mixed precision (`minidl.keras.mixed_precision`)", None, set()),
    ("minidl.keras.ops.nn", "Keras neural-network ops (`minidl.keras.ops.nn`)", None, set()),
    ("minidl.keras.ops.numpy", "Keras NumPy ops (`minidl.keras.ops.numpy`)", None, set()),
    ("minidl.keras.ops.linalg", "Keras linear-algebra ops (`minidl.keras.ops.linalg`)", None, set()),
    ("minidl.keras.ops.image", "Keras image ops (`minidl.keras.ops.image`)", None, set()),
    ("minidl.multiprocessing", "Multiprocessing (`minidl.multiprocessing`, as `torch.multiprocessing`; it also "
     "re-exports the standard library's `multiprocessing`, documented there)",
     ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", "spawn", "start_processes",
      "ProcessContext", "SpawnContext", "ProcessException", "ProcessRaisedException", "ProcessExitedException"],
     set()),
    ("minidl.backends.cuda", "CUDA backend flags (`minidl.backends.cuda`)", None, set()),
    ("minidl.mt19937", "PyTorch's CPU random stream (`minidl.mt19937`)", None, set()),
    ("minidl.fft", "Discrete Fourier transforms (`minidl.fft`, as `torch.fft`)", None, set()),
    ("minidl.keras.dataset", "Keras' tf.data stand-in (`from minidl.keras import dataset as tf_data`)", None, set()),
    ("minidl.profiler", "Profiler (`minidl.profiler`, as `torch.profiler`)", None, set()),
    ("minidl.autograd.profiler", "Legacy profiler (`minidl.autograd.profiler`, as `torch.autograd.profiler`)",
     None, set()),
    ("minidl.keras.applications.mobilenet_v3", "Keras MobileNetV3 (`minidl.keras.applications.mobilenet_v3`)", None,
     set()),
    ("minidl.keras.applications.efficientnet_v2",
     "Keras EfficientNetV2 (`minidl.keras.applications.efficientnet_v2`)", None, set()),
    ("minidl.keras.applications.convnext", "Keras ConvNeXt (`minidl.keras.applications.convnext`)", None, set()),
    ("minidl.keras.applications.inception_resnet_v2",
     "Keras InceptionResNetV2 (`minidl.keras.applications.inception_resnet_v2`)", None, set()),
    ("minidl.keras.applications.nasnet", "Keras NASNet (`minidl.keras.applications.nasnet`)", None, set()),
    ("minidl.jit", "TorchScript, running eagerly (`minidl.jit`, as `torch.jit`)", None, set()),
    ("minidl.futures", "Futures (`minidl.futures`, as `torch.futures`)", None, set()),
    ("minidl.hub", "Hub downloads and hubconf entry points (`minidl.hub`, as `torch.hub`)", None, set()),
    ("minidl.signal.windows", "Window functions (`minidl.signal.windows`, as `torch.signal.windows`)", None, set()),
    ("minidl.quasirandom", "Quasi-random sequences (`minidl.quasirandom`, as `torch.quasirandom`)", None, set()),
    ("minidl.compiler", "Compiler switches (`minidl.compiler`, as `torch.compiler`)", None, set()),
    ("minidl.library", "Custom operators (`minidl.library`, as `torch.library`)", None, set()),
    ("minidl.sparse", "Sparse tensors (`minidl.sparse`, as `torch.sparse`)", None, set()),
    ("minidl.autograd.forward_ad", "Forward-mode AD (`minidl.autograd.forward_ad`)", None, set()),
]

# Classes whose public methods and properties get their own entries.
MEMBERS = [
    "minidl.Tensor", "minidl.Device", "minidl.autograd.Function",
    "minidl.nn.Module", "minidl.nn.Sequential", "minidl.nn.ModuleList", "minidl.nn.ModuleDict",
    "minidl.optim.Optimizer", "minidl.optim.lr_scheduler.LRScheduler",
    "minidl.optim.lr_scheduler.ReduceLROnPlateau",
    "minidl.data.Dataset", "minidl.data.DataLoader",
    "minidl.train.Callback", "minidl.train.History",
]

# Tensor attributes that are plain instance attributes (no property to read a docstring from).
INSTANCE_ATTRIBUTES = {
    "minidl.Tensor": {
        "grad": "The accumulated gradient, a `Tensor` of the same shape, or `None` before any "
                "`backward()`. May be assigned directly.",
        "requires_grad": "Whether operations on this tensor are recorded for `backward()`.",
        "creator": "The `Function` that produced this tensor, `None` for leaves.",
    },
}

# Data (not callables): what the docstring would say.
CONSTANTS = {
    "minidl.channels_last": "`minidl.channels_last`: the NHWC memory format (`x.to(memory_format=...)`, "
                            "`x.is_contiguous(memory_format=...)`, `model.to(memory_format=...)`), as PyTorch's.",
    "minidl.channels_last_3d": "`minidl.channels_last_3d`: the NDHWC memory format of 5-D tensors.",
    "minidl.contiguous_format": "`minidl.contiguous_format`: C-contiguous (row-major) memory, the default format.",
    "minidl.preserve_format": "`minidl.preserve_format`: keep the input's layout (the default of `clone`, "
                              "`*_like` and `to`).",
    "minidl.strided": "`minidl.strided`: the dense strided layout, the `layout` of every minidl tensor.",
    "minidl.pi": "`minidl.pi`: the float 3.141592653589793, as `torch.pi`.",
    "minidl.e": "`minidl.e`: the float 2.718281828459045, as `torch.e`.",
    "minidl.inf": "`minidl.inf`: the float infinity, as `torch.inf`.",
    "minidl.nan": "`minidl.nan`: the float NaN, as `torch.nan`.",
    "minidl.newaxis": "`minidl.newaxis`: `None`, for indexing (`x[:, minidl.newaxis]`), as `torch.newaxis`.",
    "minidl.float32": "`minidl.float32` (alias `minidl.float`), equal to `numpy.dtype('float32')`: the default.",
    "minidl.float64": "`minidl.float64` (alias `minidl.double`), equal to `numpy.dtype('float64')`.",
    "minidl.float16": "`minidl.float16` (alias `minidl.half`), equal to `numpy.dtype('float16')`.",
    "minidl.int8": "`minidl.int8`, equal to `numpy.dtype('int8')`.",
    "minidl.int16": "`minidl.int16` (alias `minidl.short`), equal to `numpy.dtype('int16')`.",
    "minidl.int32": "`minidl.int32` (alias `minidl.int`), equal to `numpy.dtype('int32')`.",
    "minidl.int64": "`minidl.int64` (alias `minidl.long`), equal to `numpy.dtype('int64')`: class labels.",
    "minidl.uint8": "`minidl.uint8`, equal to `numpy.dtype('uint8')`: image bytes.",
    "minidl.bool": "`minidl.bool`, equal to `numpy.dtype('bool')`: comparison results.",
    "minidl.bool_": "NumPy's spelling of `minidl.bool`.",
    "minidl.float": "Alias of `minidl.float32`, as `torch.float`.",
    "minidl.double": "Alias of `minidl.float64`, as `torch.double`.",
    "minidl.half": "Alias of `minidl.float16`, as `torch.half`.",
    "minidl.short": "Alias of `minidl.int16`, as `torch.short`.",
    "minidl.int": "Alias of `minidl.int32`, as `torch.int`.",
    "minidl.long": "Alias of `minidl.int64`, as `torch.long`.",
}

INTRO = """\
# API reference

Generated from the docstrings by `tools/make_api_reference.py`; do not edit by
hand (run the script after changing a public signature or docstring). Shapes
use PyTorch's conventions: images are NCHW, conv weights `(out_ch, in_ch, kH,
kW)`, linear weights `(out_features, in_features)`, labels int64 class ids.
The contract these names implement is `../shared/API.md`; how they fit
together is in [architecture.md](architecture.md).

Examples marked `>>>` are doctests: `tests/test_doctests.py` runs them.
"""


# --- docstring -> Markdown -------------------------------------------------------------------

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj):`~?([^`]+)`")
_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Return|Raises|Attributes|Yields|Shapes?|"
                      r"Examples?|Notes?|Keyword Args|Keyword Arguments):\s*(.*)$")
_ITEM = re.compile(r"^([\w\*][\w\*, .\[\]]*?)(\s*\([^)]*\))?:\s+(.*)$")


def _inline(text):
    """reST inline markup -> Markdown; escape * outside code spans."""
    text = _ROLE.sub(lambda m: "`" + m.group(1).split(".")[-1] + "`"
                     if "." in m.group(1) and m.group(0).startswith(":") and "~" in m.group(0)
                     else "`" + m.group(1) + "`", text)
    text = text.replace("``", "`")
    bullet = ""
    m = re.match(r"^(\s*)\* ", text)
    if m:                                   # a reST bullet stays a Markdown bullet
        bullet, text = m.group(1) + "* ", text[m.end():]
    parts = re.split(r"(`[^`]*`)", text)
    return bullet + "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1
                            else p.replace("*", r"\*") for p in parts)


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def docstring_to_markdown(doc):
    """A cleaned docstring as Markdown: doctests and indented blocks fenced, Args as lists."""
    lines = inspect.cleandoc(doc).splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(">>>"):                       # a doctest block
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][_indent(line):] if _indent(lines[i]) >= _indent(line) else lines[i])
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        if stripped.startswith("====") or stripped.startswith("----") and set(stripped) <= {"-", " "}:
            block = []                                      # a reST simple table
            rules = 0
            while i < len(lines) and (lines[i].strip() or rules < 3):
                if lines[i].strip().startswith("===") or set(lines[i].strip()) <= {"-", " "} and lines[i].strip():
                    rules += 1
                block.append(lines[i])
                i += 1
                if rules >= 3:
                    break
            out += ["```text", *block, "```"]
            continue
        m = _SECTION.match(stripped) if _indent(line) == 0 else None
        if m:
            out += ["", f"**{m.group(1)}:** {_inline(m.group(2))}".rstrip()]
            if not m.group(2).strip():
                out.append("")
            i += 1
            base = None
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > 0):
                sub = lines[i]
                if not sub.strip():
                    i += 1
                    continue
                ind = _indent(sub)
                base = ind if base is None else base
                item = _ITEM.match(sub.strip()) if ind == base else None
                if item and m.group(1) not in ("Returns", "Return", "Shapes", "Shape", "Notes", "Note",
                                                "Example", "Examples", "Yields"):
                    kind = item.group(2) or ""
                    if out[-1].strip() and not out[-1].startswith("- "):
                        out.append("")
                    out.append(f"- `{item.group(1)}`{_inline(kind)}: {_inline(item.group(3))}")
                elif sub.strip().startswith(">>>"):
                    block = []
                    while i < len(lines) and lines[i].strip():
                        block.append(lines[i][ind:])
                        i += 1
                    out += ["", "```pycon", *block, "```"]
                    continue
                elif out and out[-1].startswith("- ") and ind > base:
                    out[-1] += " " + _inline(sub.strip())
                else:
                    out.append(_inline(sub.strip()))
                i += 1
            if base is not None or not m.group(2).strip():
                out.append("")
            continue
        if _indent(line) >= 4 and stripped:                  # an indented (formula/code) block
            block = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4):
                block.append(lines[i][4:])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["```text", *block, "```", ""]
            continue
        out.append(_inline(line))
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- entries ---------------------------------------------------------------------------------

class _Annotation:
    """Shows a string annotation (``from __future__ import annotations``) without quotes."""

    def __init__(self, text):
        self.text = text.strip("\"'")

    def __repr__(self):
        return self.text


def _unquote(annotation):
    return _Annotation(annotation) if isinstance(annotation, str) else annotation


def signature_of(obj, name):
    """``name(args)`` for callables (classes: their constructor), '' when unknown."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    sig = sig.replace(parameters=[p.replace(annotation=_unquote(p.annotation)) for p in sig.parameters.values()],
                      return_annotation=_unquote(sig.return_annotation))
    text = re.sub(r"<function (\S+) at 0x[0-9a-f]+>", r"\1", str(sig))  # a function default, not its address
    if inspect.isclass(obj) or (len(sig.parameters) and next(iter(sig.parameters)) == "self"):
        text = re.sub(r"^\(self,?\s*", "(", text)
    return f"{name}{text}"


def kind_of(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if isinstance(obj, property):
        return "property"
    if callable(obj):
        return "function"
    return "constant"


def public_names(modname, names=None, skip=()):
    """The documented names of a module: its ``__all__`` (or ``names``) minus ``skip``."""
    mod = importlib.import_module(modname)
    names = list(getattr(mod, "__all__", [])) if names is None else list(names)
    return [n for n in names if n not in skip]


def _own_namespace(cls):
    """``cls``'s attributes, with those of its private mixins (``minidl.tensor_*``'s ``*Mixin``
    classes, which exist only to split ``Tensor`` into files) counted as its own."""
    merged = {}
    for base in reversed(cls.__mro__[1:]):
        if base.__name__.endswith("Mixin"):
            merged.update(vars(base))
    merged.update(vars(cls))
    return merged


def member_names(cls):
    """Public methods/properties defined in ``cls`` itself or its mixins (inherited ones are under the base)."""
    out = []
    for name, value in _own_namespace(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if callable(value) or isinstance(value, property):
            out.append(name)
    return sorted(out)


def resolve(qualname):
    """The object a dotted public name refers to."""
    parts = qualname.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = inspect.getattr_static(obj, attr) if inspect.isclass(obj) else getattr(obj, attr)
        return obj
    raise ImportError(qualname)


def all_entries():
    """[(module, section title, [(qualname, obj, signature)])] in document order.

    A function or class exported under several names is described at its first
    name; later ones get an empty signature and point back to it.
    """
    sections = []
    first = {}
    for modname, title, names, skip in SECTIONS:
        entries = []
        module = importlib.import_module(modname)
        for name in public_names(modname, names, skip):
            qual = f"{modname}.{name}"
            obj = getattr(module, name)
            sig = "" if inspect.ismodule(obj) else signature_of(obj, qual)
            if kind_of(obj) in ("function", "class", "exception"):
                if id(obj) in first:
                    sig = ""
                first.setdefault(id(obj), qual)
            entries.append((qual, obj, sig))
            if qual in MEMBERS:
                for attr, text in INSTANCE_ATTRIBUTES.get(qual, {}).items():
                    entries.append((f"{qual}.{attr}", text, ""))
                for member in member_names(obj):
                    value = inspect.getattr_static(obj, member)
                    if isinstance(value, (staticmethod, classmethod)):
                        value = value.__func__
                    msig = "" if isinstance(value, property) else signature_of(value, f"{qual}.{member}")
                    entries.append((f"{qual}.{member}", value, msig))
        sections.append((modname, title, entries))
    return sections


def signatures():
    """{qualname: signature} of every entry with a signature (what --check compares)."""
    return {q: s for _, _, entries in all_entries() for q, _, s in entries if s}


def doc_of(obj):
    """The docstring of ``obj`` (a method's may come from the base class it overrides), or None."""
    target = obj.fget if isinstance(obj, property) else obj
    if inspect.ismodule(target):
        return target.__doc__
    return inspect.getdoc(target)


def _anchor(qual):
    """An HTML id for a name; case is kept (``minidl.Device`` and ``minidl.device`` differ)."""
    return re.sub(r"[^A-Za-z0-9_\-]", "-", qual)


def render():
    sections = all_entries()
    lines = [INTRO, "## Contents", ""]
    for modname, title, _ in sections:
        lines.append(f"- [{title}](#{_anchor('mod-' + modname)})")
    lines.append("")
    first_seen = {}
    for modname, title, entries in sections:
        mod = importlib.import_module(modname)
        lines += [f'<a id="{_anchor("mod-" + modname)}"></a>', "", f"## {title}", ""]
        if mod.__doc__:
            lines += [docstring_to_markdown(mod.__doc__), ""]
        for qual, obj, sig in entries:
            depth = "####" if qual.count(".") > modname.count(".") + 1 else "###"
            lines += [f"{depth} `{qual}`", ""]
            if isinstance(obj, str):                           # an instance attribute
                lines += [f"*attribute.* {obj}", ""]
                continue
            if qual in CONSTANTS:
                lines += [f"*constant.* {CONSTANTS[qual]}", ""]
                continue
            key = id(obj)
            kind = kind_of(obj)
            if kind == "module":
                lines += [f"*module.* See [{obj.__name__}](#{_anchor('mod-' + obj.__name__)})"
                          if any(m == obj.__name__ for m, _, _ in sections)
                          else f"*module.* {((obj.__doc__ or '').strip() or '`' + obj.__name__ + '`').splitlines()[0]}",
                          ""]
                continue
            if key in first_seen and kind in ("function", "class", "exception") and not sig:
                lines += [f"*{kind}.* The same object as [`{first_seen[key]}`](#{_anchor(first_seen[key])}).", ""]
                continue
            first_seen.setdefault(key, qual)
            if sig:
                lines += [f"`{sig}`", ""]
            body = docstring_to_markdown(doc_of(obj)) if kind != "constant" and doc_of(obj) \
                else "*(no docstring)*"
            lines += [f"*{kind}.* " + body if not body.startswith("```") else f"*{kind}.*\n\n" + body, ""]
    text = "\n".join(lines)
    text = text.replace("\n\n\n", "\n\n")
    # anchors for headings, so "same object as" links resolve
    out = []
    for line in text.splitlines():
        m = re.match(r"^#{3,4} `([^`]+)`$", line)
        if m:
            out.append(f'<a id="{_anchor(m.group(1))}"></a>')
            out.append("")
        out.append(line)
    return "\n".join(out).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when docs/api.md lacks an entry or a current signature")
    args = parser.parse_args(argv)
    if args.check:
        text = OUT.read_text() if OUT.is_file() else ""
        stale = [q for q, s in signatures().items() if f"`{s}`" not in text]
        missing = [q for _, _, es in all_entries() for q, _, _ in es if f"`{q}`" not in text]
        for q in missing:
            print("no entry:", q)
        for q in stale:
            print("stale signature:", q)
        return 1 if (stale or missing) else 0
    OUT.write_text(render())
    print("wrote", OUT.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
