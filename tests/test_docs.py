"""Documentation coverage: every public name has a docstring and an entry in docs/api.md.

"Public" means the names of the API contract (``../shared/API.md``, copied into
``API_NAMES`` below so the test runs without it) and every name in the
``__all__`` of the user-facing modules (``MODULES``). docs/api.md is generated
by ``tools/make_api_reference.py``; an entry is its heading ``### `qualified.name```
(or a heading of another name bound to the same object, e.g. ``minidl.save``
and ``minidl.io.save``). A failure names the file to fix: add the docstring
where the object is defined, then rerun the generator.
"""
from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
API_MD = DOCS / "api.md"
SHARED_API = REPO.parent / "shared" / "API.md"

MODULES = ["minidl", "minidl.nn", "minidl.nn.functional", "minidl.nn.init", "minidl.optim",
           "minidl.optim.lr_scheduler", "minidl.data", "minidl.data.transforms", "minidl.train",
           "minidl.metrics", "minidl.models", "minidl.viz", "minidl.autograd", "minidl.config", "minidl.cuda",
           "minidl.accelerator", "minidl.backends.cudnn", "minidl.nn.utils", "minidl.nn.parallel",
           "minidl.distributed", "minidl.utils.data", "minidl.vision.datasets", "minidl.vision.transforms",
           "minidl.vision.utils", "minidl.vision.models", "minidl.keras", "minidl.keras.layers", "minidl.linalg",
           "minidl.special", "minidl.optim.swa_utils",
           "minidl.keras.callbacks", "minidl.keras.utils", "minidl.vision.transforms.functional",
           "minidl.vision.transforms.v2", "minidl.amp", "minidl.cuda.amp", "minidl.cpu", "minidl.testing",
           "minidl.distributions", "minidl.autograd.functional", "minidl.nn.parameter", "minidl.utils.checkpoint",
           "minidl.func", "minidl.autograd.graph", "minidl.nn.utils.rnn", "minidl.nn.utils.parametrize",
           "minidl.nn.utils.parametrizations", "minidl.nn.utils.fusion", "minidl.nn.grad", "minidl.nn.attention",
           "minidl.keras.ops", "minidl.keras.random", "minidl.vision.ops", "minidl.version",
           "minidl.keras.constraints", "minidl.keras.preprocessing", "minidl.keras.preprocessing.image",
           "minidl.keras.saving", "minidl.keras.config", "minidl.keras.tree", "minidl.keras.applications",
           "minidl.keras.mixed_precision", "minidl.keras.ops.nn", "minidl.keras.ops.numpy",
           "minidl.keras.ops.linalg", "minidl.keras.ops.image", "minidl.backends.cuda", "minidl.utils.benchmark",
           "minidl.nn.utils.prune",
           "minidl.mt19937", "minidl.fft", "minidl.keras.dataset", "minidl.profiler", "minidl.autograd.profiler",
           "minidl.keras.applications.mobilenet_v3", "minidl.keras.applications.efficientnet_v2",
           "minidl.keras.applications.convnext", "minidl.keras.applications.inception_resnet_v2",
           "minidl.keras.applications.nasnet", "minidl.jit", "minidl.futures", "minidl.hub", "minidl.signal.windows",
           "minidl.quasirandom", "minidl.compiler", "minidl.library", "minidl.sparse", "minidl.autograd.forward_ad"]

# Every name of ../shared/API.md, by section, as a qualified name.
_T = "minidl.Tensor."
API_NAMES = [
    # Tensors and autograd
    "minidl.tensor", "minidl.Tensor", _T + "data", _T + "grad", _T + "requires_grad", _T + "shape",
    _T + "ndim", _T + "dtype", _T + "device", _T + "backward", _T + "numpy", _T + "item",
    _T + "detach", _T + "to", _T + "zero_grad", _T + "reshape", _T + "transpose", _T + "T",
    _T + "sum", _T + "mean", _T + "max", _T + "exp", _T + "log", _T + "argmax",
    "minidl.no_grad", "minidl.exp", "minidl.log", "minidl.concat", "minidl.stack", "minidl.zeros",
    "minidl.ones", "minidl.randn", "minidl.arange", "minidl.float32", "minidl.float64",
    "minidl.int64", "minidl.device", "minidl.Device", "minidl.gpu_available", "minidl.DeviceError",
    "minidl.manual_seed", "minidl.gradcheck",
    # Functional ops
    *(f"minidl.nn.functional.{n}" for n in [
        "linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "dropout",
        "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "cross_entropy", "nll_loss",
        "mse_loss", "flatten", "pad"]),
    # Modules
    "minidl.nn.Module", *(f"minidl.nn.Module.{n}" for n in [
        "forward", "parameters", "named_parameters", "buffers", "children", "modules", "state_dict",
        "load_state_dict", "train", "eval", "to", "float", "double", "zero_grad"]),
    *(f"minidl.nn.{n}" for n in [
        "Parameter", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d",
        "BatchNorm2d", "Dropout", "Flatten", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Identity",
        "Sequential", "ModuleList", "CrossEntropyLoss", "MSELoss"]),
    "minidl.nn.ModuleList.append",
    *(f"minidl.nn.init.{n}" for n in [
        "kaiming_normal_", "kaiming_uniform_", "xavier_uniform_", "xavier_normal_", "normal_", "uniform_",
        "zeros_", "ones_"]),
    # Optimisers
    *(f"minidl.optim.{n}" for n in ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta"]),
    *(f"minidl.optim.Optimizer.{n}" for n in ["step", "zero_grad", "state_dict", "load_state_dict"]),
    *(f"minidl.optim.lr_scheduler.{n}" for n in [
        "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "InverseTimeDecay"]),
    # Model zoo
    *(f"minidl.models.{n}" for n in ["tiny_vgg", "mlp", "lenet", "alexnet", "vgg16", "resnet18", "googlenet"]),
    # Data
    *(f"minidl.data.{n}" for n in [
        "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "TinyImageNet", "ImageFolder", "Shapes",
        "DataLoader", "TensorDataset", "Subset", "random_split", "stratified_split"]),
    *(f"minidl.data.transforms.{n}" for n in [
        "Compose", "Normalize", "Resize", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
        "RandomRotation", "RandomResizedCrop", "RandomAffine", "ColorJitter"]),
    # Training
    *(f"minidl.train.{n}" for n in [
        "fit", "evaluate", "predict", "History", "ProgressBar", "EarlyStopping", "ModelCheckpoint",
        "CSVLogger", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN", "Callback",
        "grid_search", "random_search"]),
    "minidl.train.Callback.on_train_begin", "minidl.train.Callback.on_epoch_end",
    *(f"minidl.metrics.{n}" for n in ["accuracy", "top_k_accuracy", "confusion_matrix",
                                      "classification_report"]),
    "minidl.summary", "minidl.save", "minidl.load", "minidl.load_model",
    *(f"minidl.viz.{n}" for n in ["plot_history", "plot_confusion_matrix", "plot_worst_errors",
                                  "plot_filters", "plot_lr_finder"]),
    # PyTorch's Tensor surface (API.md "Tensors", revised)
    *(f"minidl.{n}" for n in [
        "as_tensor", "from_numpy", "empty", "full", "zeros_like", "ones_like", "full_like", "rand", "randint",
        "randperm", "linspace", "eye", "int32", "uint8", "bool", "float", "double", "long", "int", "Size",
        "max", "min", "argmax", "argmin", "sum", "mean", "std", "sin", "cos", "sqrt", "abs", "clamp", "where",
        "matmul", "flatten", "transpose", "permute", "unsqueeze", "squeeze", "cat", "concat", "softmax",
        "log_softmax", "sigmoid", "tanh", "relu"]),
    *(_T + n for n in [
        "is_leaf", "grad_fn", "size", "dim", "numel", "is_cuda", "tolist", "cpu", "cuda", "float", "double",
        "long", "int", "bool", "type", "clone", "contiguous", "view", "permute", "t", "unsqueeze", "squeeze",
        "flatten", "expand", "repeat", "chunk", "split", "eq", "ne", "lt", "le", "gt", "ge", "pow", "sqrt",
        "abs", "sin", "cos", "tanh", "sigmoid", "relu", "clamp", "sign", "floor", "ceil", "round", "matmul",
        "where", "prod", "std", "var", "min", "argmin", "all", "any", "logsumexp", "add_", "sub_", "mul_",
        "div_", "zero_", "fill_", "copy_", "clamp_", "uniform_", "normal_", "retain_grad", "register_hook",
        "requires_grad_"]),
    # Autograd and devices
    "minidl.enable_grad", "minidl.set_grad_enabled", "minidl.autograd.grad", "minidl.autograd.Function",
    "minidl.autograd.gradcheck", "minidl.autograd.gradgradcheck",
    "minidl.cuda.is_available", "minidl.cuda.device_count", "minidl.accelerator.is_available",
    "minidl.accelerator.current_accelerator", "minidl.backends.cudnn.benchmark",
    "minidl.backends.mps.is_available",
    # Functional ops, modules, optimisers (revised)
    *(f"minidl.nn.functional.{n}" for n in [
        "adaptive_max_pool2d", "dropout2d", "elu", "gelu", "silu", "l1_loss", "smooth_l1_loss",
        "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot", "interpolate"]),
    *(f"minidl.nn.{n}" for n in [
        "AdaptiveMaxPool2d", "Dropout2d", "ELU", "GELU", "SiLU", "LogSoftmax", "ModuleDict", "NLLLoss", "L1Loss",
        "BCELoss", "BCEWithLogitsLoss", "SyncBatchNorm"]),
    *(f"minidl.nn.Module.{n}" for n in [
        "named_buffers", "named_children", "named_modules", "register_buffer", "register_parameter",
        "add_module", "apply", "cuda", "cpu", "requires_grad_"]),
    "minidl.nn.utils.clip_grad_norm_", "minidl.nn.utils.clip_grad_value_", "minidl.nn.init.constant_",
    "minidl.optim.Adagrad", "minidl.optim.Optimizer.add_param_group",
    *(f"minidl.optim.lr_scheduler.{n}" for n in ["MultiStepLR", "OneCycleLR", "LambdaLR"]),
    # Data and files
    *(f"minidl.utils.data.{n}" for n in [
        "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
        "DistributedSampler"]),
    *(f"minidl.vision.datasets.{n}" for n in ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageFolder"]),
    *(f"minidl.vision.transforms.{n}" for n in [
        "Compose", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
        "RandomVerticalFlip", "RandomRotation", "RandomResizedCrop", "RandomAffine", "ColorJitter", "Lambda"]),
    "minidl.vision.utils.make_grid", "minidl.vision.utils.save_image",
    *(f"minidl.vision.models.{n}" for n in ["resnet18", "vgg16", "googlenet", "alexnet"]),
    "minidl.train.TensorBoard",
    # Keras facade
    *(f"minidl.keras.{n}" for n in ["Sequential", "Input", "Model"]),
    *(f"minidl.keras.layers.{n}" for n in [
        "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Dense", "Flatten", "Dropout",
        "BatchNormalization", "Activation", "Rescaling"]),
    *(f"minidl.keras.callbacks.{n}" for n in [
        "EarlyStopping", "ModelCheckpoint", "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler",
        "TerminateOnNaN"]),
    "minidl.keras.utils.to_categorical",
    # Distributed
    *(f"minidl.distributed.{n}" for n in [
        "init_process_group", "get_rank", "get_world_size", "all_reduce", "broadcast", "barrier"]),
    "minidl.nn.parallel.DistributedDataParallel",
]

# Callable API names that must be callables (a module of the same name would shadow them).
MUST_BE_CALLABLE = {"minidl.summary", "minidl.save", "minidl.load", "minidl.load_model"}

# Plain instance attributes: no object to carry a docstring; api.md describes them.
INSTANCE_ATTRIBUTES = {_T + "data", _T + "grad", _T + "requires_grad"}

# Plain values (flags) named by API.md: they exist, and api.md describes their module.
VALUES = {"minidl.backends.cudnn.benchmark"}

# The main entry points: each needs a runnable example (>>>) in its docstring, or in
# its module's docstring on a line that calls it.
MAIN_NAMES = [
    "minidl.tensor", "minidl.Tensor", "minidl.Tensor.backward", "minidl.no_grad", "minidl.gradcheck",
    "minidl.nn.functional.linear", "minidl.nn.functional.conv2d", "minidl.nn.functional.max_pool2d",
    "minidl.nn.functional.avg_pool2d", "minidl.nn.functional.batch_norm",
    "minidl.nn.functional.cross_entropy",
    "minidl.nn.Module", "minidl.nn.Linear", "minidl.nn.Conv2d", "minidl.nn.BatchNorm2d",
    "minidl.nn.Sequential", "minidl.optim.SGD", "minidl.optim.Adam",
    "minidl.data.Shapes", "minidl.data.DataLoader",
    "minidl.train.fit", "minidl.train.evaluate", "minidl.train.predict",
    "minidl.metrics.accuracy", "minidl.metrics.confusion_matrix",
    "minidl.summary", "minidl.save", "minidl.load", "minidl.models.tiny_vgg",
    "minidl.kernels.im2col", "minidl.kernels.col2im",
]

_SHARED_PREFIX = {"mdl": "minidl", "minidl": "minidl", "F": "minidl.nn.functional", "nn": "minidl.nn",
                  "optim": "minidl.optim"}


def resolve(qualname):
    """The object a public dotted name refers to, looked up as a user would (attribute access)."""
    parts = qualname.split(".")
    obj = importlib.import_module(parts[0])
    for i, attr in enumerate(parts[1:], start=1):
        if inspect.isclass(obj):
            obj = inspect.getattr_static(obj, attr)
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
        else:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                obj = importlib.import_module(".".join(parts[:i + 1]))
    return obj


def defining_file(obj, qualname):
    target = obj.fget if isinstance(obj, property) else obj
    try:
        return str(Path(inspect.getsourcefile(target)).relative_to(REPO))
    except (TypeError, ValueError):
        return qualname


def has_docstring(obj):
    if isinstance(obj, property):
        return bool(obj.fget.__doc__)
    if inspect.ismodule(obj):
        return bool(obj.__doc__)
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj) or callable(obj):
        return bool(inspect.getdoc(obj))
    return True  # data (dtypes, constants): described in api.md


@pytest.fixture(scope="module")
def api_entries():
    """{qualified name: object} for every heading of docs/api.md."""
    assert API_MD.is_file(), "docs/api.md is missing; run tools/make_api_reference.py"
    names = re.findall(r"^#{3,4} `([^`]+)`$", API_MD.read_text(), flags=re.M)
    entries = {}
    for name in names:
        try:
            entries[name] = resolve(name)
        except (AttributeError, ImportError):
            entries[name] = None
    return entries


def _has_entry(qualname, obj, entries):
    if qualname in entries:
        return True
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return any(o is obj for o in entries.values())
    return False


@pytest.mark.parametrize("qualname", API_NAMES)
def test_api_contract_name_is_documented(qualname, api_entries):
    if qualname in INSTANCE_ATTRIBUTES:
        cls, attr = qualname.rsplit(".", 1)
        instance = resolve("minidl.tensor")([1.0])
        assert hasattr(instance, attr), f"{cls} instances have no attribute {attr!r}"
        assert qualname in api_entries, f"{qualname} has no entry in docs/api.md"
        return
    try:
        obj = resolve(qualname)
    except (AttributeError, ImportError) as exc:
        pytest.fail(f"{qualname} (a name of ../shared/API.md) does not exist: {exc}")
    if qualname in VALUES:
        return
    if qualname in MUST_BE_CALLABLE:
        assert callable(obj) and not inspect.ismodule(obj), \
            f"{qualname} must be the function of API.md, not {type(obj).__name__} (export it in minidl/__init__.py)"
    assert has_docstring(obj), f"{qualname} has no docstring (in {defining_file(obj, qualname)})"
    assert _has_entry(qualname, obj, api_entries), \
        f"{qualname} has no entry in docs/api.md (rerun tools/make_api_reference.py)"


def _module_names():
    out = []
    for modname in MODULES:
        mod = importlib.import_module(modname)
        out += [f"{modname}.{n}" for n in getattr(mod, "__all__", [])]
    return out


def test_every_listed_module_declares_all():
    missing = [m for m in MODULES if not hasattr(importlib.import_module(m), "__all__")]
    assert not missing, f"these modules have no __all__: {missing}"


@pytest.mark.parametrize("qualname", _module_names())
def test_public_name_has_docstring_and_entry(qualname, api_entries):
    modname, name = qualname.rsplit(".", 1)
    module = importlib.import_module(modname)
    assert hasattr(module, name), f"{modname}.__all__ lists {name!r} but the module has no such attribute"
    obj = getattr(module, name)          # may be None: minidl.newaxis
    assert has_docstring(obj), f"{qualname} has no docstring (in {defining_file(obj, qualname)})"
    assert _has_entry(qualname, obj, api_entries), \
        f"{qualname} has no entry in docs/api.md (rerun tools/make_api_reference.py)"


def _example_lines(doc):
    return [ln.strip() for ln in (doc or "").splitlines() if ln.strip().startswith((">>>", "..."))]


@pytest.mark.parametrize("qualname", MAIN_NAMES)
def test_main_name_has_an_example(qualname):
    obj = resolve(qualname)
    target = obj.fget if isinstance(obj, property) else obj
    if _example_lines(inspect.getdoc(target)):
        return
    short = qualname.rsplit(".", 1)[1]
    module = inspect.getmodule(target)
    calls = [ln for ln in _example_lines(getattr(module, "__doc__", "")) if re.search(rf"\b{short}\(", ln)]
    assert calls, (f"{qualname} has no runnable example: add a short >>> example to its docstring "
                   f"(in {defining_file(obj, qualname)})")


def test_api_reference_is_current():
    """Every entry of the generator is in docs/api.md with its current signature."""
    res = subprocess.run([sys.executable, str(REPO / "tools" / "make_api_reference.py"), "--check"],
                         capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, "docs/api.md is stale; run tools/make_api_reference.py\n" + res.stdout[-3000:]


@pytest.mark.skipif(not SHARED_API.is_file(), reason=f"{SHARED_API} not present")
def test_api_names_list_covers_shared_api_md():
    """Names written with a prefix (mdl., F., nn., optim., minidl.) in API.md are all in API_NAMES."""
    text = SHARED_API.read_text()
    found = set()
    for prefix, rest in re.findall(r"\b(mdl|F|nn|optim|minidl)\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", text):
        found.add(f"{_SHARED_PREFIX[prefix]}.{rest}")
    listed = set(API_NAMES)
    modules = {n for n in found if inspect.ismodule(resolve(n))} if found else set()
    missing = sorted(found - listed - modules)
    assert not missing, f"API.md names missing from API_NAMES in tests/test_docs.py: {missing}"


def test_docs_index_links_resolve():
    """Relative links in docs/*.md point at files that exist (results/performance may land later)."""
    broken = []
    for md in sorted(DOCS.glob("*.md")) + [REPO / "CHANGELOG.md", DOCS / "notebooks" / "README.md"]:
        if not md.is_file():
            continue
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (md.parent / target).exists() and Path(target).name not in ("results.md", "performance.md"):
                broken.append(f"{md.relative_to(REPO)} -> {target}")
    assert not broken, f"broken links: {broken}"


# Pages whose prose is checked against the tree: file paths and minidl names in backticks.
CHECKED_PAGES = [DOCS / "index.md", DOCS / "quickstart.md", DOCS / "architecture.md",
                 DOCS / "notebooks" / "README.md", REPO / "CHANGELOG.md"]
_PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*)`")
_NAME = re.compile(r"`(minidl(?:\.[A-Za-z_]\w*)+)")


@pytest.mark.parametrize("page", CHECKED_PAGES, ids=lambda p: p.name if p.parent == DOCS else str(p.relative_to(REPO)))
def test_paths_and_names_quoted_in_docs_exist(page):
    if not page.is_file():
        pytest.fail(f"{page.relative_to(REPO)} is missing")
    text = page.read_text()
    bad = []
    for path in _PATH.findall(text):
        if path.startswith(("../", "http")) or "<" in path:
            continue
        if not (REPO / path).exists():
            bad.append(f"path {path}")
    for name in set(_NAME.findall(text)):
        try:
            resolve(name)
        except (AttributeError, ImportError):
            bad.append(f"name {name}")
    assert not bad, f"{page.relative_to(REPO)} quotes things that do not exist: {bad}"


@pytest.mark.parametrize("page", ["index.md", "quickstart.md", "architecture.md", "api.md"])
def test_docs_page_exists(page):
    assert (DOCS / page).is_file(), f"docs/{page} is missing"


def test_changelog_has_a_release_entry():
    text = (REPO / "CHANGELOG.md").read_text()
    version = importlib.import_module("minidl").__version__
    assert re.search(rf"^## \[?{re.escape(version)}\]?", text, flags=re.M), \
        f"CHANGELOG.md has no entry for minidl {version}"
