"""Session 20's ported PyTorch scripts, run on minidl through ``_run_script.py`` (see ``test_pytorch_scripts.py``
for the scheme). The scripts are written anew in their originals' idiom (the same API calls, smaller sizes) rather
than copied; each names what it follows in its header. Where a script prints deterministic text, its output is
compared with the same script's output under PyTorch 2.13 (``pytorch_scripts/expected/<name>.txt``, made by running
it through ``_run_script.py`` with ``minidl`` written back as ``torch`` in /work/refvenv: ``sed -e
's/minidl\\.vision/torchvision/g' -e 's/import minidl as torch/import torch/' -e 's/\\bminidl\\b/torch/g'``, a
do-nothing matplotlib on the path). Scripts that read MNIST through ``minidl.vision`` have no reference run
(torchvision is not in the reference environment) and are checked for what they print."""
from __future__ import annotations

import os
import re
import sys

import pytest
from test_pytorch_scripts import SCRIPTS, _layouts, run_script

MORVAN = SCRIPTS / "morvan"


def _expected(name):
    return (SCRIPTS / "expected" / f"{name}.txt").read_text()


def _as_torch(out):
    return out.replace("minidl.", "torch.")


@pytest.mark.parametrize("name, env", [
    ("torch_numpy", {}), ("variable", {}), ("activation", {}), ("regression", {}), ("classification", {}),
    ("build_nn_quickly", {}), ("save_reload", {}), ("batch_train", {}), ("optimizer", {}), ("rnn_regressor", {}),
    ("gan", {"MINIDL_SCRIPT_MAX_OPTIMIZER_STEPS": "400"}), ("dynamic_graph", {}), ("dropout", {}),
])
def test_morvan_tutorial_prints_what_pytorch_prints(tmp_path, name, env):
    """MorvanZhou/PyTorch-Tutorial's scripts, seeded (their own commented-out ``manual_seed(1)`` switched on):
    NumPy round trips and ``FloatTensor`` math (``Tensor.dot`` of 2-D tensors refused with PyTorch's text),
    ``Variable``, activations, regression and classification nets (``torch.normal`` clusters, ``.type(LongTensor)``),
    whole-net and state-dict saving (the whole net refused under ``weights_only``), shuffled 2-worker loaders, four
    optimizers racing, RNNs carrying ``h_state.data``, a GAN with ``retain_graph`` (200 steps), dropout nets in
    eval mode: every printed value is torch 2.13's."""
    out = run_script(MORVAN / f"{name}.py", tmp_path, env=env)
    assert _as_torch(out) == _expected(f"morvan_{name}")


def test_morvan_batch_normalization_trains_both_nets(tmp_path):
    """504_batch_normalization: eight tanh layers registered through ``setattr``, BatchNorm1d with momentum 0.5,
    2 loader workers. The plain net's test losses are torch 2.13's (to float32 rounding); the BN net's drift from
    them in float32 noise (its pre-activations are nearly constant, so BatchNorm divides rounding error by a
    variance near zero: the two libraries' first training loss differs in the 7th digit and 3 epochs of Adam at
    lr 0.03 amplify it)."""
    out = run_script(MORVAN / "batch_normalization.py", tmp_path)
    plain = re.findall(r"^\['(\d+\.\d+)', '\d+\.\d+'\]", out, flags=re.M)
    assert [float(v) for v in plain[:3]] == pytest.approx([1188.4851, 1145.9724, 1088.8441], abs=2e-4)
    assert ("(bn7): BatchNorm1d(10, eps=1e-05, momentum=0.5, affine=True, bias=True, "
            "track_running_stats=True)") in out
    assert out.rstrip().endswith("tensor(12)")


@pytest.mark.parametrize("name", ["cnn", "rnn_classifier", "autoencoder"])
def test_morvan_mnist_scripts_run(tmp_path, name):
    """401_CNN, 402_RNN_classifier and 404_autoencoder on 100 training and 20 test images in ``./mnist/``: the
    legacy ``train_data``/``train_labels``/``test_data``/``test_labels`` attributes (torchvision's renaming
    warnings), ``.type(torch.FloatTensor)`` scaling, an LSTM over image rows and a 784-3-784 autoencoder."""
    _layouts.build(tmp_path / "mnist", mnist_sizes={"train": 100, "test": 20}, cifar_per_batch=1, cifar_test=1)
    out = run_script(MORVAN / f"{name}.py", tmp_path)
    if name == "autoencoder":
        assert len(re.findall(r"^Epoch:  \d \| train loss: \d\.\d{4}$", out, flags=re.M)) == 4
        assert out.rstrip().endswith("(100,) float32 (100,) int64 (100,)")
        return
    assert out.startswith("torch.Size([100, 28, 28])\ntorch.Size([100])\n".replace("torch", "minidl"))
    assert len(re.findall(r"^Epoch:  0 \| train loss: \d\.\d{4} \| test accuracy: \d\.\d\d$", out, flags=re.M)) >= 1
    assert re.search(r"^\[[\d ]+\] prediction number$", out, flags=re.M)
    assert re.search(r"^\[[\d ]+\] real number$", out, flags=re.M)


def test_mnist_legacy_attributes_warn_and_answer(tmp_path):
    """``MNIST.train_data`` & co. are torchvision's deprecated aliases of ``data``/``targets``: a UserWarning naming
    the new attribute, then the same tensor."""
    import minidl
    from minidl.vision import datasets
    _layouts.build(tmp_path, mnist_sizes={"train": 4, "test": 2}, cifar_per_batch=1, cifar_test=1)
    ds = datasets.MNIST(tmp_path, train=False)
    for old, new in [("train_data", "data"), ("test_data", "data"), ("train_labels", "targets"),
                     ("test_labels", "targets")]:
        with pytest.warns(UserWarning, match=f"^{old} has been renamed {new}$"):
            value = getattr(ds, old)
        assert minidl.equal(value, getattr(ds, new))


@pytest.mark.parametrize("a, b, message", [
    ((2, 2), (2, 2), "1D tensors expected, but got 2D and 2D tensors"),
    ((2,), (2, 2), "1D tensors expected, but got 1D and 2D tensors"),
    ((2,), (3,), "inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements, "
                 "but got 2 and 3 elements respectively"),
])
def test_tensor_dot_checks_as_torch_dot(a, b, message):
    """``Tensor.dot`` refuses what ``torch.dot`` refuses, with PyTorch's text (201_torch_numpy's 2-D dot)."""
    import minidl
    with pytest.raises(RuntimeError) as info:
        minidl.ones(a).dot(minidl.ones(b))
    assert str(info.value) == message


def test_dot_dtype_mismatch_names_cpp_types():
    """``torch.dot`` of float32 and float64: PyTorch's message names the C++ types (Float, Double)."""
    import minidl
    with pytest.raises(RuntimeError, match=r"^dot : expected both vectors to have same dtype, but found Float and "
                                           r"Double$"):
        minidl.dot(minidl.ones(2), minidl.ones(2, dtype=minidl.float64))


@pytest.mark.parametrize("name", ["amp_recipe", "save_load_across_devices", "checkpoint_recipe", "hooks_examples"])
def test_recipes_print_what_pytorch_prints(tmp_path, name):
    """PyTorch's recipes, seeded: CPU mixed precision (bfloat16 autocast over a Linear stack, a disabled
    ``torch.amp.GradScaler`` and its state dict in a checkpoint, the dtype each op gets inside and outside nested
    regions and the decorator form); saving and loading across devices (``map_location`` as a string, a device, a
    dict, a function of ``(storage, location)`` and None; ``type(device).__name__``); and ``torch.utils.checkpoint``
    (non-reentrant with keyword arguments, reentrant, ``checkpoint_sequential``, dropout replayed by
    ``preserve_rng_state``, gradients equal to the plain run's); module and tensor hooks (forward hooks reading and
    replacing outputs, pre-hooks with and without ``with_kwargs``, full backward hooks and pre-hooks, tensor and
    post-accumulate-grad hooks, ``always_call``): every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "recipes20" / f"{name}.py", tmp_path)
    assert _as_torch(out) == _expected(f"recipes20_{name}")


def test_autocast_lowers_what_pytorch_lowers():
    """Inside a CPU bfloat16 region: ``addmm``/``baddbmm``/``addbmm`` (their added input too), ``einsum``,
    ``tensordot``, ``inner``, ``linalg.vecdot`` and ``prelu`` compute in bfloat16 (PyTorch's lower-precision list
    or ops it runs through ``mm``/``bmm``); ``dot``, ``mv``, ``addmv``, ``addr`` and ``outer`` keep float32.
    (Each dtype read from torch 2.13.)"""
    import minidl as torch
    a, v, b3 = torch.randn(4, 4), torch.randn(4), torch.randn(2, 4, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        lowered = [torch.addmm(a, a, a), torch.baddbmm(b3, b3, b3), torch.addbmm(a, b3, b3), a.addmm(a, a),
                   torch.einsum("ij,jk->ik", a, a), torch.tensordot(a, a, 1), torch.inner(a, a),
                   torch.linalg.vecdot(a, a), torch.nn.functional.prelu(a, torch.ones(1)),
                   torch.linalg.multi_dot([a, a])]
        kept = [torch.dot(v, v), torch.mv(a, v), torch.addmv(v, a, v), torch.addr(a, v, v), torch.outer(v, v),
                v.dot(v)]
    assert [t.dtype for t in lowered] == [torch.bfloat16] * len(lowered)
    assert [t.dtype for t in kept] == [torch.float32] * len(kept)
    assert torch.dot(v, v).dtype == torch.float32


def test_map_location_function_and_device_type_name(tmp_path):
    """``torch.load(map_location=fn)`` calls ``fn(storage, location)``: returning the storage (or None) keeps the
    tensor on the CPU; ``type(torch.device("cpu")).__name__`` is ``device``."""
    import minidl as torch
    torch.save({"w": torch.arange(3.)}, tmp_path / "w.pt")
    seen = []

    def location(storage, loc):
        seen.append(loc)
        return storage

    assert torch.load(tmp_path / "w.pt", map_location=location)["w"].device == torch.device("cpu")
    assert seen == ["cpu"]
    assert torch.load(tmp_path / "w.pt", map_location=lambda s, loc: None)["w"].tolist() == [0.0, 1.0, 2.0]
    assert type(torch.device("cpu")).__name__ == "device"


@pytest.mark.parametrize("name", ["from_scratch", "modern_cnns", "rnns"])
def test_d2l_chapters_print_what_pytorch_prints(tmp_path, name):
    """d2l.ai's PyTorch chapters without the d2l package, seeded: linear and softmax regression, an MLP and dropout
    from scratch (``random.shuffle`` batches, ``sgd`` under ``no_grad``, ``y_hat[range(n), y]``), BatchNorm from
    scratch against ``nn.BatchNorm2d``; LeNet, AlexNet, NiN, Inception, Residual and DenseNet blocks built from
    ``Lazy*`` layers, walked layer by layer (``torch.rand(size=...)``) and trained a step; an RNN from scratch on
    one-hot characters with global-norm gradient clipping, then ``nn.RNN``/``GRU``/``LSTM`` (2 layers, bidirectional)
    language models carrying ``detach_``-ed state: every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "d2l" / f"{name}.py", tmp_path)
    assert _as_torch(out) == _expected(f"d2l_{name}")


def test_random_factories_take_size_and_bounds_as_keywords():
    """``rand``/``randn`` take ``size=`` (the same draws as positional sizes; both at once refused) and ``randint``
    takes ``low=``/``high=``, as PyTorch's."""
    import minidl as torch
    torch.manual_seed(0)
    a = torch.rand(size=(2, 3), dtype=torch.float64)
    torch.manual_seed(0)
    assert torch.equal(a, torch.rand(2, 3, dtype=torch.float64))
    assert torch.randn(size=[4]).shape == (4,)
    with pytest.raises(TypeError, match=r"^rand\(\) received an invalid combination of arguments"):
        torch.rand(2, 3, size=(2,))
    assert torch.randint(low=0, high=5, size=(3,)).shape == (3,)
    assert torch.randint(2, high=3, size=(4,)).tolist() == [2, 2, 2, 2]
    assert torch.randint(high=1, size=(2,)).tolist() == [0, 0]


@pytest.mark.parametrize("name", ["ngram", "backward", "seq_lstm"])
def test_pytorch_beginner_prints_what_pytorch_prints(tmp_path, name):
    """L1aoXingyu/pytorch-beginner, seeded (``loss.data[0]``/``retain_variables`` in their modern spellings): a
    trigram model with ``F.log_softmax`` without ``dim`` (PyTorch's implicit-dim choice), gradients of tensors
    written by item assignment (``grad_fn`` ``CopySlices``) and Jacobians by ``retain_graph``, and a tagger whose
    character features are ``torch.cat`` onto an empty ``torch.FloatTensor()``: every printed value is torch 2.13's."""
    out = run_script(SCRIPTS / "beginner" / f"{name}.py", tmp_path)
    assert _as_torch(out) == _expected(f"beginner_{name}")


def test_pytorch_beginner_linear_regression_matches_pytorch(tmp_path):
    """01-Linear Regression, seeded: 200 SGD steps on 15 points print torch 2.13's losses to float32 rounding
    (the sixth decimal may differ by one), and the saved state dict loads back."""
    out = run_script(SCRIPTS / "beginner" / "linear_regression.py", tmp_path)
    pattern = r"^Epoch\[(\d+)/200\], loss: (\d+\.\d+)$"
    got = re.findall(pattern, out, flags=re.M)
    want = re.findall(pattern, _expected("beginner_linear_regression"), flags=re.M)
    assert [e for e, _ in got] == [e for e, _ in want] and len(got) == 10
    assert [float(v) for _, v in got] == pytest.approx([float(v) for _, v in want], abs=2e-6)
    assert out.rstrip().endswith("['linear.weight', 'linear.bias'] (15, 1) float32")


@pytest.mark.parametrize("index, name", [
    ((0, 0), "CopySlices"), (slice(1, None), "CopySlices"), ((Ellipsis, 0), "CopySlices"),
    ("tensor", "IndexPutBackward0"), ("mask", "IndexPutBackward0"),
])
def test_setitem_node_is_named_as_pytorchs(index, name):
    """Writing into a tensor by a basic index records PyTorch's ``CopySlices`` node (``name()`` is
    ``torch::autograd::CopySlices``, the repr shows ``<CopySlices>``); an advanced index, ``IndexPutBackward0``."""
    import minidl as torch
    m = torch.ones(2, 3, requires_grad=True)
    n = torch.zeros(2, 3)
    index = {"tensor": torch.tensor([0]), "mask": torch.tensor([True, False])}.get(index, index) \
        if isinstance(index, str) else index
    n[index] = m[0, 0] * 2
    assert n.grad_fn.name().rsplit("::", 1)[-1] == name
    assert f"grad_fn=<{name}>" in repr(n)


def test_cat_skips_legacy_empty_tensors_and_words_errors_as_pytorch():
    """``torch.cat`` skips 1-D empty tensors among others (their dtype still promotes) and words a size mismatch as
    PyTorch does."""
    import minidl as torch
    a = torch.ones(2, 3)
    assert torch.cat((torch.FloatTensor(), a), 0).shape == (2, 3)
    assert torch.cat((a, torch.ones(0, dtype=torch.float64)), 1).dtype == torch.float64
    assert torch.cat((torch.ones(0), torch.ones(0))).shape == (0,)
    with pytest.raises(RuntimeError, match=r"^Sizes of tensors must match except in dimension 0. Expected size 3 "
                                           r"but got size 4 for tensor number 2 in the list.$"):
        torch.cat([a, torch.ones(0), torch.ones(2, 4)])
    with pytest.raises(RuntimeError, match="^Tensors must have same number of dimensions: got 2 and 3$"):
        torch.cat([a, torch.ones(2, 3, 1)])


def test_pytorch_beginner_vae_trains_and_saves_images(tmp_path):
    """08-AutoEncoder's VAE on 100 MNIST images in ``./data``: ``nn.MSELoss(size_average=False)`` (PyTorch's
    deprecation warning, reduction 'sum'), ``torch.FloatTensor(std.size()).normal_()``, in-place ``mul_``/``add_``
    chains on the KL term, ``F.sigmoid``, ``save_image`` of the reconstructions and the state dict saved."""
    _layouts.build(tmp_path / "data", mnist_sizes={"train": 100, "test": 10}, cifar_per_batch=1, cifar_test=1)
    out = run_script(SCRIPTS / "beginner" / "vae.py", tmp_path)
    assert len(re.findall(r"^Train Epoch: [01] \[\d+/100 \(\d+%\)\]\tLoss: \d+\.\d{6}$", out, flags=re.M)) == 4
    assert len(re.findall(r"^====> Epoch: [01] Average loss: \d+\.\d{4}$", out, flags=re.M)) == 2
    assert out.rstrip().endswith("['image_0.png', 'image_1.png'] 10")


def test_size_average_warning_reads_as_pytorchs():
    """The deprecated ``size_average``/``reduce`` flags warn with PyTorch's text (no prefix) and pick its
    reduction."""
    import minidl as torch
    with pytest.warns(UserWarning, match=r"^size_average and reduce args will be deprecated, please use "
                                         r"reduction='sum' instead\.$"):
        assert torch.nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match=r"^size_average and reduce args will be deprecated, please use "
                                         r"reduction='none' instead\.$"):
        assert torch.nn.functional.mse_loss(torch.ones(2), torch.zeros(2), reduce=False).shape == (2,)


def test_data_loading_tutorial_batches_dict_samples(tmp_path):
    """The custom-datasets tutorial on 6 synthetic faces (``data_loading/make_faces.py``; pandas and scikit-image
    stand-ins where those are absent): a Dataset of dict samples read from a CSV file, callable-class transforms
    through ``transforms.Compose``, a shuffled DataLoader collating dicts of float64 tensors, and ``make_grid`` of a
    batch of four 24x24 crops (3 x 28 x 106, torchvision's padding of 2)."""
    sys.path.insert(0, str(SCRIPTS / "data_loading"))
    try:
        import make_faces
    finally:
        sys.path.pop(0)
    make_faces.make(tmp_path)
    standins = os.pathsep.join(str(SCRIPTS / name) for name in ("pandas_standin", "skimage_standin"))
    out = run_script(SCRIPTS / "data_loading" / "data_loading_tutorial.py", tmp_path, env={"PYTHONPATH": standins})
    out = _as_torch(out)
    assert "Image name: face_3.ppm\nLandmarks shape: (68, 2)\n" in out
    assert "Rescale (53, 36, 3) (68, 2)\nRandomCrop (16, 16, 3) (68, 2)\nCompose (24, 24, 3) (68, 2)\n" in out
    assert out.count("torch.Size([3, 24, 24]) torch.Size([68, 2]) torch.float64 torch.float64") == 4
    assert "0 torch.Size([4, 3, 24, 24]) torch.Size([4, 68, 2])\ngrid (3, 28, 106) torch.float64\n" in out
    assert "1 torch.Size([2, 3, 24, 24]) torch.Size([2, 68, 2])\n" in out
    assert out.rstrip().endswith("dict ['image', 'landmarks']")


def test_pytorch_beginner_conv_autoencoder_trains_and_saves_images(tmp_path):
    """08-AutoEncoder's convolutional autoencoder on 100 MNIST images: ``Normalize((0.5), (0.5))`` with bare floats,
    strided Conv2d/MaxPool2d down to 8x2x2 and ConvTranspose2d (with padding) back to 1x28x28, ``nn.ReLU(True)``,
    Adam with weight decay, a loss summed through ``loss.data``, ``save_image``. (The model's losses and gradients
    over 3 Adam steps from one seed were compared with torch 2.13's by hand: equal to 6 digits.)"""
    _layouts.build(tmp_path / "data", mnist_sizes={"train": 100, "test": 10}, cifar_per_batch=1, cifar_test=1)
    out = run_script(SCRIPTS / "beginner" / "conv_autoencoder.py", tmp_path)
    assert "(2): ConvTranspose2d(16, 8, kernel_size=(5, 5), stride=(3, 3), padding=(1, 1))" in out
    assert len(re.findall(r"^epoch \[[12]/2\], loss:\d+\.\d{4}$", out, flags=re.M)) == 2
    assert out.count("Tensor False minidl.Size([4, 1, 28, 28]) True") == 2
    assert out.rstrip().endswith("['image_0.png', 'image_1.png'] ['encoder.0.weight', 'encoder.0.bias']")
