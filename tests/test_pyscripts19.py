"""Session 19's ported PyTorch tutorials, recipes and example scripts, run on minidl through ``_run_script.py`` (see
``test_pytorch_scripts.py`` for the scheme). The scripts are written anew in their originals' idiom (the same API
calls, smaller sizes) rather than copied; each names what it follows in its header. Where a script prints
deterministic text, its output is compared with the same script's output under PyTorch 2.13
(``pytorch_scripts/expected/<name>.txt``, made by running it with ``minidl`` written back as ``torch`` in
/work/refvenv: ``sed -e 's/minidl\\.vision/torchvision/g' -e 's/import minidl as torch/import torch/'
-e 's/\\bminidl\\b/torch/g'``); lines that carry timings are left out on both sides."""
from __future__ import annotations

import re
import sys

import pytest
from test_pytorch_scripts import SCRIPTS, run_script


def _expected(name):
    return (SCRIPTS / "expected" / f"{name}.txt").read_text()


def _as_torch(out):
    return out.replace("minidl.", "torch.")


def _untimed(out, *prefixes):
    return "".join(ln for ln in out.splitlines(keepends=True) if not ln.startswith(prefixes))


def test_jacobians_hessians_prints_what_pytorch_prints(tmp_path):
    """The function-transforms tutorial, seeded: Jacobian rows from ``autograd.grad`` with unit vectors equal
    ``vmap(vjp_fn)`` and ``jacrev`` (``argnums`` an int or a tuple), ``jacfwd`` against ``jacrev``, ``hessian``
    against ``jacfwd(jacfwd)``/``jacrev(jacrev)``, batched Jacobians and Hessians through ``vmap(in_dims=(None,
    None, 0))`` and the sum trick with ``movedim``, hvp by ``jvp(grad(f))`` and by ``vjp(grad(f))``, the
    ``autograd.functional`` spellings, and ``benchmark.Timer.timeit`` Measurements: every printed tensor, shape
    and flag is torch 2.13's (the timing line aside)."""
    out = run_script(SCRIPTS / "jacobians_hessians.py", tmp_path)
    assert out.count(" Performance delta: ") == 1
    assert _untimed(_as_torch(out), " Performance delta") == _expected("jacobians_hessians")


def test_torch_compile_basics_prints_what_pytorch_prints(tmp_path):
    """``torch.compile`` run eagerly: a compiled function (a new function named as the original), the decorator
    with arguments, nested calls, a compiled Module as an ``OptimizedModule`` (its repr, ``_orig_mod``, prefixed
    ``state_dict`` keys, mirrored ``training``), ``Module.compile()`` returning None, data-dependent control flow
    after ``torch._dynamo.reset()``, and Adam steps through a compiled Sequential whose state dict loads back
    with the prefix stripped: every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "torch_compile_basics.py", tmp_path)
    assert _as_torch(out) == _expected("torch_compile_basics")


def _cora(folder):
    """The synthetic ``cora.tgz`` (``gcn/make_cora.py``) in ``folder``, for the requests stand-in to serve."""
    sys.path.insert(0, str(SCRIPTS / "gcn"))
    try:
        import make_cora
    finally:
        sys.path.pop(0)
    make_cora.make(folder / "cora.tgz")


def test_gcn_example_prints_what_pytorch_prints(tmp_path):
    """pytorch/examples' GCN on a synthetic Cora (60 papers, 24 words, 150 citations) fetched through the requests
    stand-in and untarred: sparse COO features and adjacency (``to_sparse``, ``sparse_coo_tensor`` with a dtype,
    dense + sparse, ``sum(dim=1)`` of a sparse matrix, sparse @ sparse @ sparse, ``torch.spmm``), Xavier-initialised
    graph convolutions, dropout, Adam with weight decay and masked NLL, seeded: every printed loss and accuracy
    (timings aside), the layouts and the adjacency's nnz are torch 2.13's."""
    _cora(tmp_path)
    out = run_script(SCRIPTS / "gcn" / "main.py", tmp_path, "--epochs", "40", "--val-every", "10", "--split", "20",
                     "35", env={"PYTHONPATH": str(SCRIPTS / "requests_standin")})
    assert re.sub(r"\([0-9.]+s\)", "(T)", _as_torch(out)) == _expected("gcn_main")


@pytest.mark.parametrize("concat", [False, True])
def test_gat_example_prints_what_pytorch_prints(tmp_path, concat):
    """pytorch/examples' GAT on the synthetic Cora: ``torch.accelerator`` for the device, a dense adjacency made
    from eye + sparse COO, Xavier-initialised 3-D attention weights, scores by broadcast matmul and ``.mT``,
    ``torch.where`` masking, softmax and dropout on attention, heads averaged (or concatenated through
    ``permute().contiguous().view()``), ELU, Adam with weight decay, seeded: every printed loss and accuracy
    (timings aside) is torch 2.13's."""
    _cora(tmp_path)
    args = ["--epochs", "20", "--val-every", "5", "--split", "20", "35", "--hidden-dim", "16", "--num-heads", "4"]
    if concat:
        args = ["--epochs", "10", *args[2:], "--concat-heads"]
    out = run_script(SCRIPTS / "gat" / "main.py", tmp_path, *args,
                     env={"PYTHONPATH": str(SCRIPTS / "requests_standin")})
    expected = _expected("gat_main_concat" if concat else "gat_main")
    assert re.sub(r"\([0-9.]+s\)", "(T)", _as_torch(out)) == expected


def test_vision_transformer_example_trains_and_saves_best_weights(tmp_path):
    """pytorch/examples' ViT (16x16 CIFAR-10 images in 8x8 patches, 2 encoders of width 32, batch 2) for 2 epochs on
    the test layout's 10 training and 10 test images: ``Tensor.unfold`` patches, class token and position
    embedding, ``nn.MultiheadAttention`` blocks, ``torch.hub.tqdm`` progress with ``set_postfix``, Adam and the best
    weights saved with ``torch.save``. (torchvision is not in the reference environment; the model's losses,
    gradients and Adam steps from one set of weights were checked against torch 2.13 by hand: equal to 6 digits.)"""
    import _layouts

    import minidl
    _layouts.build(tmp_path / "dataset", mnist_sizes={"train": 8, "test": 8}, cifar_per_batch=2, cifar_test=10)
    out = run_script(SCRIPTS / "vision_transformer" / "main.py", tmp_path, "--img-size", "16", "--patch-size", "8",
                     "--latent-size", "32", "--num-heads", "4", "--num-encoders", "2", "--epochs", "2",
                     "--batch-size", "2")
    assert 1 <= out.count("Saved Best Weights") <= 2
    assert re.search(r"^Training Loss : \d+\.\d+$", out, flags=re.M)
    assert re.search(r"^Valid Loss : \d+\.\d+$", out, flags=re.M)
    weights = minidl.load(tmp_path / "best-weights.pt")
    assert weights["embedding.class_token"].shape == (2, 1, 32) and len(weights) == 30


def test_torch_hub_tqdm_is_tqdm_or_pytorchs_stand_in(capsys):
    """``from torch.hub import tqdm``: the tqdm package's class when installed, else PyTorch's stand-in, which
    writes percentages to stderr."""
    import minidl.hub as hub
    try:
        import tqdm as tqdm_package
    except ImportError:
        assert hub.tqdm is hub._Faketqdm
    else:
        assert hub.tqdm is tqdm_package.tqdm
    with hub._Faketqdm(total=4) as bar:
        bar.update(1)
        bar.set_description("ignored")
    assert capsys.readouterr().err == "\r25.0%\n"


def test_reproducibility_recipe_prints_what_pytorch_prints(tmp_path):
    """The reproducibility notes, seeded: deterministic-algorithm switches and debug mode, then a shuffled DataLoader
    whose samples draw from torch, ``random`` and NumPy, built in the main process (the global streams, which
    ``torch.manual_seed`` leaves ``random``'s and NumPy's alone) and in 2 workers with and without a
    ``seed_worker`` ``worker_init_fn`` (workers seeded as PyTorch seeds them: ``base_seed + worker_id`` for torch
    and ``random``, ``_generate_state(base_seed, worker_id)`` for NumPy), each run twice; and a Generator's
    ``get_state``/``set_state``: every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "reproducibility_recipe.py", tmp_path)
    assert _as_torch(out) == _expected("reproducibility_recipe")


def test_manual_seed_leaves_python_and_numpy_random_alone():
    """``torch.manual_seed`` seeds torch's generator only, as PyTorch's."""
    import random

    import numpy as np

    import minidl
    random.seed(3)
    np.random.seed(3)
    expected = (random.random(), np.random.rand())
    random.seed(3)
    np.random.seed(3)
    minidl.manual_seed(0)
    assert (random.random(), np.random.rand()) == expected


def test_changing_default_device_prints_what_pytorch_prints(tmp_path):
    """The default-device recipe with the meta device for CUDA: ``torch.device`` as a (nested) context manager and
    ``set_default_device``/``get_default_device`` steering module parameters and factory functions (explicit
    ``device=`` winning), ``set_default_device(None)``, and the default-dtype switches (float64 defaults for
    tensors, Linear weights, arange and complex literals; an integer default refused): every printed value is
    torch 2.13's."""
    out = run_script(SCRIPTS / "changing_default_device.py", tmp_path)
    assert _as_torch(out) == _expected("changing_default_device")


def test_performance_tuning_guide_prints_what_pytorch_prints(tmp_path):
    """The tuning guide's CPU snippets, seeded: cuDNN/TF32 flags and matmul precision, a 2-worker DataLoader,
    a bias-free Conv before BatchNorm, ``no_grad``/``inference_mode``, ``zero_grad(set_to_none=True)``, a
    ``torch.jit.script`` GELU, channels_last input and model, ``checkpoint``/``checkpoint_sequential``, disabled
    anomaly detection and profilers, thread count, bfloat16 autocast and a disabled GradScaler: every printed
    value is torch 2.13's."""
    out = run_script(SCRIPTS / "performance_tuning_guide.py", tmp_path)
    assert _as_torch(out) == _expected("performance_tuning_guide")


def test_swap_tensors_recipe_prints_what_pytorch_prints(tmp_path):
    """The swap-tensors recipe's subclass-free parts, seeded: ``torch.utils.swap_tensors``, an optimizer left with
    the old Parameter, ``torch.__future__``'s overwrite switch (new Parameter objects from ``bfloat16()``, the old
    ones untouched) and swap switch (the same objects, taking precedence), and ``load_state_dict`` into a meta
    skeleton with ``assign=True`` (new objects, or under the swap switch the module's own objects holding the
    state dict's storage, through ``Tensor.module_load``): every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "swap_tensors_recipe.py", tmp_path)
    assert _as_torch(out) == _expected("swap_tensors_recipe")


def test_regional_compilation_prints_what_pytorch_prints(tmp_path):
    """The regional-compilation recipe (8 layers, eager backend): ``torch.compile`` of the whole model and of each
    repeated layer inside a ModuleList (``layers.0._orig_mod.`` state dict keys, the OptimizedModule repr),
    ``torch.compiler.reset()`` and ``torch._inductor.utils.fresh_inductor_cache()`` around the timed first call,
    and the regional state dict loading into the plain model once its prefixes are stripped: every printed value
    is torch 2.13's (the timings aside)."""
    out = run_script(SCRIPTS / "regional_compilation.py", tmp_path)
    assert len(re.findall(r"^(Full model|Regional) compilation time = \d+\.\d\d seconds$", out, flags=re.M)) == 2
    assert _untimed(_as_torch(out), "Full model compilation time", "Regional compilation time") == _expected(
        "regional_compilation")


@pytest.mark.parametrize("shape, index, message", [
    ((), 0, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
            "convert a 0-dim tensor to a number"),
    ((), -1, "index -1 is out of bounds for dimension 0 with size 0"),
    ((), slice(None), "slice() cannot be applied to a 0-dim tensor."),
    ((), (0,), "too many indices for tensor of dimension 0"),
    ((2,), (0, 0), "too many indices for tensor of dimension 1"),
    ((2, 3), (0, 0, 0), "too many indices for tensor of dimension 2"),
    ((2,), 5, "index 5 is out of bounds for dimension 0 with size 2"),
    ((2, 3), (0, 7), "index 7 is out of bounds for dimension 1 with size 3"),
    ((2, 3), (-3, 0), "index -3 is out of bounds for dimension 0 with size 2"),
])
def test_index_errors_read_as_pytorchs(shape, index, message):
    """Indexing errors carry PyTorch's wording (char-rnn's ``loss.data[0]`` on a 0-dim loss among them)."""
    import minidl
    x = minidl.zeros(shape)
    with pytest.raises(IndexError) as info:
        x[index]
    assert str(info.value) == message


def test_sdpa_tutorial_prints_what_pytorch_prints(tmp_path):
    """The scaled-dot-product-attention tutorial at CPU sizes, seeded: ``F.scaled_dot_product_attention``,
    ``sdpa_kernel`` with one backend or a list (on the CPU, as PyTorch's, the math and flash kernels run and the
    memory-efficient one is refused), ``SDPBackend``'s members, a causal self-attention block and its repr,
    ``torch.compile`` of it, the profiler's table around ``record_function``, and the ``causal_upper_left`` /
    ``causal_lower_right`` biases (their masks, and attention under them): every printed value is torch 2.13's
    (timings aside). The tutorial's nested-tensor batch is left out: minidl has no ``torch.nested``."""
    out = run_script(SCRIPTS / "sdpa_tutorial.py", tmp_path)
    assert len(re.findall(r" runs in +\d+\.\d{3} microseconds$", out, flags=re.M)) == 4
    assert _untimed(_as_torch(out), "The default implementation", "The math implementation",
                    "The non compiled module", "The compiled module") == _expected("sdpa_tutorial")


def test_optimized_module_behaves_as_pytorchs(tmp_path):
    """``torch.compile(module)``'s wrapper: deep copies, prefixed state dicts round-tripping through save/load,
    ``len``, module names, ``requires_grad_``/attribute writes reaching the original, ``to(dtype)``, its own forward
    hooks, and whole-object saving (``weights_only=False``) keep PyTorch's behaviour."""
    import copy

    import minidl as torch
    m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    om = torch.compile(m)
    c = copy.deepcopy(om)
    assert type(c).__name__ == "OptimizedModule" and c._orig_mod is not m
    torch.save(om.state_dict(), tmp_path / "om.pt")
    sd = torch.load(tmp_path / "om.pt")
    assert list(sd) == ["_orig_mod.0.weight", "_orig_mod.0.bias"]
    om.load_state_dict(sd)
    assert len(om) == 2 and [n for n, _ in om.named_modules()] == ["", "_orig_mod", "_orig_mod.0", "_orig_mod.1"]
    om.requires_grad_(False)
    assert not m[0].weight.requires_grad
    om.foo = 3
    assert m.foo == 3
    assert om.to(torch.float64)._orig_mod[0].weight.dtype == torch.float64
    seen = []
    handle = om.register_forward_hook(lambda mod, i, o: seen.append(type(mod).__name__))
    om(torch.ones(1, 2, dtype=torch.float64))
    handle.remove()
    assert seen == ["OptimizedModule"]
    torch.save(om, tmp_path / "full.pt")
    back = torch.load(tmp_path / "full.pt", weights_only=False)
    assert type(back).__name__ == "OptimizedModule" and type(back._orig_mod).__name__ == "Sequential"
