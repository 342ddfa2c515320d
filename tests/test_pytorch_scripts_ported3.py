"""More public PyTorch scripts (tutorials and pytorch/examples programs) run on minidl with only their import lines
rewritten (see ``test_pytorch_scripts.py`` for the scheme). Where a script prints only deterministic text, its
output is compared with the output of the same script under PyTorch 2.13 (``pytorch_scripts/expected/<name>.txt``,
made by running the script with ``minidl`` written back as ``torch`` in a PyTorch 2.13 environment: ``sed -e
's/minidl\\.vision/torchvision/g' -e 's/import minidl as torch/import torch/' -e 's/\\bminidl\\b/torch/g'``)."""
from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys

import pytest
from test_pytorch_scripts import SCRIPTS, data_root, run_script  # noqa: F401 (data_root: a fixture)

import minidl


def _expected(name):
    return (SCRIPTS / "expected" / f"{name}.txt").read_text()


def _drop(lines, start, count):
    """``lines`` without ``count`` lines after the first line equal to ``start`` (found from the end of the last
    dropped block), for output of ``torch.empty`` (whatever memory held)."""
    out, i = [], 0
    for block_start, n in zip(start, count):
        j = lines.index(block_start, i)
        out += lines[i:j + 1]
        i = j + 1 + n
    return out + lines[i:]


def test_introyt_tensors_deeper_tutorial_prints_what_pytorch_prints(tmp_path):
    """introyt/tensors_deeper_tutorial (seeded by its own ``manual_seed(1729)``): every printed tensor, dtype, Size,
    ``torch.svd``'s named tuple, in-place op, ``out=`` result (``torch.rand(2, 2, out=c)`` fills ``c`` from the
    same stream) and the NumPy bridge is torch 2.13's; the three ``torch.empty`` prints are left out."""
    out = run_script(SCRIPTS / "tensors_deeper_tutorial.py", tmp_path).replace("minidl", "torch")
    skip = (["<class 'torch.Tensor'>", "torch.Size([2, 2, 3])", "torch.Size([2, 2, 3])"], [3, 5, 5])
    lines = out.splitlines()
    assert lines[0] == "<class 'torch.tensor.Tensor'>"
    lines[0] = "<class 'torch.Tensor'>"
    assert _drop(lines, *skip) == _drop(_expected("tensors_deeper_tutorial").splitlines(), *skip)


def _without_profiler_table(text):
    """``text`` with the profiler's table (timings) cut from its first ``---`` rule to its ``Self CPU time total``
    line; object addresses as ``0xADDR``."""
    text = re.sub(r"0x[0-9a-f]+", "0xADDR", text)
    return re.sub(r"^-{5,}.*?^Self CPU time total: [^\n]*\n", "<table>\n", text, flags=re.M | re.S)


def test_introyt_autograd_tutorial_prints_what_pytorch_prints(tmp_path):
    """introyt/autogradyt_tutorial with ``manual_seed(0)``: ``linspace(..., requires_grad=True)``, the printed
    ``grad_fn`` chain through ``next_functions`` (``2 * b`` keeps b's edge first), gradients accumulating over
    five backward passes, ``no_grad`` as context and decorator, ``backward(v)`` and the functional jacobians are
    torch 2.13's, apart from the profiler's timings. The tutorial's profiler section uses
    ``torch.autograd.profiler.profile``; where minidl has no ``autograd.profiler`` the script must stop there
    and everything before it is compared."""
    full_env = dict(os.environ, MPLBACKEND="Agg", MINIDL_SCRIPT_SEED="0")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "_run_script.py"), str(SCRIPTS / "autogradyt_tutorial.py")],
                          cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=300)
    out = _without_profiler_table(proc.stdout.replace("minidl", "torch"))
    expected = _without_profiler_table(_expected("autogradyt_tutorial"))
    if hasattr(minidl.autograd, "profiler"):
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert out == expected
    else:
        assert "has no attribute 'profiler'" in proc.stderr
        assert out == expected[:expected.index("<table>")]


def test_introyt_building_models_tutorial_prints_what_pytorch_prints(tmp_path):
    """introyt/modelsyt_tutorial with ``manual_seed(0)``: the printed TinyModel, every Parameter, a Linear layer's
    output, MaxPool2d, BatchNorm1d and Dropout (its masks from PyTorch's stream) are torch 2.13's; it imports
    ``torch.functional`` (``minidl.functional``). The mean of the batch-normalised tensor is rounding noise (torch
    prints -1.1176e-07), so only its size is checked."""
    out = run_script(SCRIPTS / "modelsyt_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    noise = r"tensor\((-?\d\.\d{4}e-0[78]|0\.)(, grad_fn=<MeanBackward0>\))"
    assert re.sub(noise, r"tensor(NOISE\2", out.replace("minidl", "torch")) == \
        re.sub(noise, r"tensor(NOISE\2", _expected("modelsyt_tutorial"))


def test_torch_functional_module_names_are_minidls():
    """``import torch.functional as F`` (introyt's LeNet): the module PyTorch defines einsum, norm, split,
    meshgrid, unique, ... in; each name is the top-level function."""
    import minidl.functional as F
    for name in ("einsum", "norm", "split", "meshgrid", "unique", "tensordot", "cdist", "block_diag",
                 "broadcast_tensors", "atleast_2d", "unravel_index", "chain_matmul", "cartesian_prod", "lu"):
        assert getattr(F, name) is getattr(minidl, name) and name in F.__all__
    assert F.einsum("ij->j", minidl.ones(2, 3)).tolist() == [2.0, 2.0, 2.0]
    try:
        F.max_pool2d
    except AttributeError as error:
        assert "minidl.functional" in str(error)
    else:
        raise AssertionError("torch.functional has no max_pool2d")


def test_introyt_training_tutorial(tmp_path, data_root):  # noqa: F811
    """introyt/trainingyt on FashionMNIST (the test layout's 128 training / 64 validation images): two
    ``num_workers=2`` DataLoaders, ``make_grid``, five epochs of SGD with momentum and validation, TensorBoard's
    ``add_scalars`` in PyTorch's sibling runs, and the state dict saved whenever the validation loss improves."""
    shutil.copytree(data_root / "FashionMNIST", tmp_path / "data" / "FashionMNIST")
    out = run_script(SCRIPTS / "trainingyt.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert "Training set has 128 instances\nValidation set has 64 instances\n" in out
    assert re.search(r"^(T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle Boot)"
                     r"(  [A-Za-z/ -]+){3}$", out, flags=re.M)
    assert re.search(r"^Total loss for this batch: \d\.\d+$", out, flags=re.M)
    losses = [float(v) for v in re.findall(r"^LOSS train 0\.0 valid (\d\.\d+)$", out, flags=re.M)]
    assert len(losses) == 5 and all(1.5 < v < 3.0 for v in losses), out[-2000:]
    run, = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in run.iterdir() if p.is_dir()) == [
        "Training vs. Validation Loss_Training", "Training vs. Validation Loss_Validation"]
    saved = sorted(tmp_path.glob("model_*_*"))
    assert saved and list(minidl.load(saved[-1])) == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
        "fc2.bias", "fc3.weight", "fc3.bias"]


def test_numpy_extensions_tutorial_prints_what_pytorch_prints(tmp_path):
    """advanced/numpy_extensions_tutorial with ``manual_seed(0)``: a static-method ``autograd.Function`` through
    ``numpy.fft`` (``input.new(ndarray)``), a learnable cross-correlation through ``scipy.signal`` (stood in for by
    ``scipy_standin/`` where SciPy is absent: it is no minidl dependency) printed with its Parameters, output
    (``grad_fn=<ScipyConv2dFunctionBackward>``) and input gradient, and ``gradcheck`` imported from
    ``torch.autograd.gradcheck``: all torch 2.13's."""
    out = run_script(SCRIPTS / "numpy_extensions_tutorial.py", tmp_path,
                     env={"MINIDL_SCRIPT_SEED": "0", "PYTHONPATH": str(SCRIPTS / "scipy_standin")})
    assert out.replace("minidl", "torch") == _expected("numpy_extensions_tutorial")


def _hook_lines_as_a_set(text):
    """``text`` with its Packing/Unpacking lines sorted and without ``grad_fn``/``requires_grad`` suffixes."""
    lines = text.splitlines()
    hooks = sorted(re.sub(r", (grad_fn=<\w+>|requires_grad=True)\)$", ")", ln) for ln in lines
                   if ln.startswith(("Packing", "Unpacking")))
    return [ln for ln in lines if not ln.startswith(("Packing", "Unpacking"))], hooks


def test_autograd_saved_tensors_hooks_tutorial_prints_what_pytorch_prints(tmp_path):
    """intermediate/autograd_saved_tensors_hooks_tutorial with ``manual_seed(0)``: ``grad_fn._saved_self``,
    ``_saved_other``, ``_saved_result``, hooks packing to ints, tuples, reprs and files (a deleted file's second
    read fails), pack hooks that compute (``lambda x: x * 4``: no recursion), ``save_on_cpu`` and
    ``nn.DataParallel``: torch 2.13's output. Two differences are let through: minidl's ``a * b`` packs both
    factors in its own order, and hands the hook a Tensor over the saved array (no ``grad_fn`` in its repr)."""
    out = run_script(SCRIPTS / "autograd_saved_tensors_hooks_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert _hook_lines_as_a_set(out.replace("minidl", "torch")) == \
        _hook_lines_as_a_set(_expected("autograd_saved_tensors_hooks_tutorial"))


def test_knowledge_distillation_tutorial(tmp_path, data_root):  # noqa: F811
    """beginner/knowledge_distillation_tutorial on the test layout's CIFAR-10 (one epoch per run): a teacher CNN
    and seeded students trained with Adam, soft-target distillation, ``CosineEmbeddingLoss`` on ``avg_pool1d``'d
    features and a regressor with ``MSELoss``, ``load_state_dict`` across model classes. The seeded students'
    first-layer norm and the parameter counts are PyTorch's (torch 2.13: 2.327361822128296, 1,186,986 and
    267,738); every loss is finite."""
    (tmp_path / "data").symlink_to(data_root, target_is_directory=True)
    out = run_script(SCRIPTS / "knowledge_distillation_tutorial.py", tmp_path)
    assert out.count("Norm of 1st layer of nn_light: 2.327361822128296\n") == 1
    assert "Norm of 1st layer of new_nn_light: 2.327361822128296\n" in out
    assert "Norm of 1st layer: 2.327361822128296\n" in out
    assert "DeepNN parameters: 1,186,986\nLightNN parameters: 267,738\n" in out
    deep = re.findall(r"^Norm of 1st layer for (?:modified_)?deep_nn: (\S+)$", out, flags=re.M)
    assert len(deep) == 2 and deep[0] == deep[1]
    losses = [float(v) for v in re.findall(r"^Epoch 1/1, Loss: (\S+)$", out, flags=re.M)]
    assert len(losses) == 5 and all(0.5 < v < 6.0 for v in losses), losses
    assert len(re.findall(r"^Test Accuracy: \d+\.\d\d%$", out, flags=re.M)) == 5
    assert "Student accuracy with CE + RegressorMSE: " in out


def test_visualizing_gradients_tutorial_matches_pytorch(tmp_path, monkeypatch, capsys):
    """intermediate/visualizing_gradients_tutorial with ``manual_seed(0)``: forward hooks registering tensor hooks
    on every leaf module's output (Identity's output is its input, so that tensor's two hooks run in registration
    order), ten SGD steps with BatchNorm1d or Identity; the order in which the backward pass reaches the hooks and
    each layer's mean absolute gradient are torch 2.13's (rounded as listed)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    minidl.manual_seed(0)
    g = runpy.run_path(str(SCRIPTS / "visualizing_gradients_tutorial.py"), run_name="__main__")
    assert "(1): BatchNorm1d(128, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)" in \
        capsys.readouterr().out
    assert [n for n, _ in g["grads_bn"]] == ["layers.3", "layers.2.2", "layers.2.1", "layers.2.0", "layers.1.2",
                                             "layers.1.1", "layers.1.0", "layers.0.2", "layers.0.1", "layers.0.0"]
    assert [n for n, _ in g["grads_nobn"]] == ["layers.3", "layers.2.2", "layers.2.0", "layers.2.1", "layers.1.2",
                                               "layers.1.0", "layers.1.1", "layers.0.2", "layers.0.0", "layers.0.1"]
    assert g["layer_idx_bn"] == list(range(9, -1, -1))
    assert [round(v.item(), 6) for v in g["avg_grads_bn"]] == [
        0.0141, 0.003499, 0.000679, 0.004283, 0.002138, 0.000436, 0.003192, 0.001721, 0.000353, 0.00053]
    assert [round(v.item(), 8) for v in g["avg_grads_nobn"]] == [
        0.01733881, 0.00376149, 0.00092029, 0.00092029, 0.00052733, 0.00012889, 0.00012889, 7.462e-05, 1.732e-05,
        1.732e-05]


_GENERATION_NAMES = {
    "Russian": "Abakumov Abramov Ivanov Petrov Smirnov Sokolov Popov Volkov Kuznetsov Orlov",
    "German": "Adler Bauer Becker Fischer Gerber Hoffmann Koch Richter Schmidt Wagner",
    "Spanish": "Abana Alvarez Garcia Lopez Martinez Perez Sanchez Ramirez Torres Flores",
    "Chinese": "Ang Chan Chen Huang Li Liu Wang Yang Zhang Zhou",
}


def test_char_rnn_generation_tutorial_matches_pytorch(tmp_path):
    """intermediate/char_rnn_generation_tutorial (500 iterations) with ``manual_seed(0)`` and ``random.seed(0)``:
    ``unsqueeze_`` on the target, a loss accumulated in place into ``torch.Tensor([0])``, ``p.data.add_(...,
    alpha=...)``, Dropout's masks, and greedy sampling that indexes a string with a 0-d tensor. When glob lists
    the four languages in the order it did for torch 2.13 (the order decides the categories' one-hot columns),
    the five logged losses and the twelve sampled names are torch 2.13's."""
    folder = tmp_path / "data" / "names"
    folder.mkdir(parents=True)
    for language, names in _GENERATION_NAMES.items():
        (folder / f"{language}.txt").write_text("\n".join(names.split()) + "\n", encoding="utf-8")
    out = run_script(SCRIPTS / "char_rnn_generation_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    lines = out.splitlines()
    assert lines[1] == "O'Neal"
    losses = re.findall(r"^0m \d+s \((\d+) (\d+)%\) (\d\.\d{4})$", out, flags=re.M)
    assert [(int(n), int(p)) for n, p, _ in losses] == [(100, 20), (200, 40), (300, 60), (400, 80), (500, 100)]
    names = lines[-12:]
    assert [name[0] for name in names] == list("RUSGERSPACHI") and all(len(name) <= 21 for name in names)
    if lines[0] == "# categories: 4 ['Chinese', 'German', 'Spanish', 'Russian']":
        assert [v for *_, v in losses] == ["4.0029", "3.9245", "3.9275", "3.8320", "3.8033"]
        assert names == ["Rr", "U", "S", "G", "E", "Rr", "S", "P", "A", "C", "H", "I"]


def test_neural_style_tutorial(tmp_path):
    """advanced/neural_style_tutorial on two random 40-pixel JPEGs resized to 32 (VGG19 without pretrained weights,
    50 L-BFGS closure evaluations): ``models.vgg19(pretrained=False)`` warns as torchvision does, content and style
    loss modules are inserted with ``add_module`` and the Sequential is cut with ``model[:(i + 1)]``, and
    ``optim.LBFGS`` drives a clamped input image through its closure (its 50th evaluation logs both losses)."""
    import numpy as np
    from PIL import Image
    folder = tmp_path / "data" / "images" / "neural-style"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("picasso", "dancing"):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / f"{name}.jpg")
    out = run_script(SCRIPTS / "neural_style_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert "Building the style transfer model..\nOptimizing..\nrun [50]:\n" in out
    style, content = (float(v) for v in re.search(r"^Style Loss : (\S+) Content Loss: (\S+)$", out,
                                                 flags=re.M).groups())
    assert 0 <= style < 1 and 0 <= content < 1


def test_bilstm_crf_tutorial_prints_what_pytorch_prints(tmp_path):
    """beginner/nlp/advanced_tutorial (the Bi-LSTM CRF, seeded by its own ``manual_seed(1)``, 30 epochs): the
    Viterbi path score and tags before and after training are torch 2.13's (``.data`` edits of a Parameter, a
    bidirectional LSTM, the forward algorithm's log-sum-exp through view/expand/cat, ``torch.max(vec, 1)``)."""
    out = run_script(SCRIPTS / "bilstm_crf_tutorial.py", tmp_path)
    assert out == _expected("bilstm_crf_tutorial")


_DIALOG = ["how are you ?", "i am fine .", "where are you going ?", "i am going home .", "who are you ?",
           "i am a friend .", "what do you want ?", "i want to go home .", "are you ok ?", "i am ok .",
           "do you know him ?", "no i do not .", "where is he ?", "he is home .", "what is that ?",
           "that is a friend .", "are you going ?", "yes i am ."]


def _write_cornell_corpus(folder):
    """The Cornell Movie-Dialogs Corpus' two files (`` +++$+++ ``-separated fields) for 54 lines in 14
    conversations of up to four lines, every word used at least three times (the tutorial trims rarer ones)."""
    folder.mkdir(parents=True)
    lines = _DIALOG * 3
    with open(folder / "movie_lines.txt", "w", encoding="iso-8859-1") as f:
        for i, text in enumerate(lines):
            f.write(f"L{1000 + i} +++$+++ u{i % 2} +++$+++ m0 +++$+++ NAME{i % 2} +++$+++ {text.capitalize()}\n")
    with open(folder / "movie_conversations.txt", "w", encoding="iso-8859-1") as f:
        for start in range(0, len(lines), 4):
            ids = ", ".join(f"'L{1000 + j}'" for j in range(start, min(start + 4, len(lines))))
            f.write(f"u0 +++$+++ u1 +++$+++ m0 +++$+++ [{ids}]\n")


def test_chatbot_tutorial_prints_what_pytorch_prints(tmp_path, monkeypatch, capsys):
    """beginner/chatbot_tutorial (hidden size 32, batch 8, 10 iterations) with ``manual_seed(0)`` and
    ``random.seed(0)``: the corpus parsed and trimmed, a padded batch with its lengths and mask, a bidirectional
    2-layer GRU over ``pack_padded_sequence``, Luong dot attention, the masked NLL loss, teacher forcing,
    ``clip_grad_norm_`` and Adam: every printed line and loss is torch 2.13's, checkpoints are written every 5
    iterations, and the greedy searcher answers as torch's does. (The script imports ``torch.jit``'s ``script``
    and ``trace``; it runs where minidl has ``minidl.jit``.)"""
    pytest.importorskip("minidl.jit", reason="the chatbot tutorial imports torch.jit (minidl.jit)")
    import random
    _write_cornell_corpus(tmp_path / "data" / "cornell movie-dialogs corpus")
    monkeypatch.chdir(tmp_path)
    minidl.manual_seed(0)
    random.seed(0)
    g = runpy.run_path(str(SCRIPTS / "chatbot_tutorial.py"), run_name="__main__")
    assert capsys.readouterr().out.replace("minidl", "torch") == _expected("chatbot_tutorial")
    saved = tmp_path / "data" / "save" / "cb_model" / "cornell movie-dialogs corpus" / "2-2_32"
    assert sorted(p.name for p in saved.iterdir()) == ["10_checkpoint.tar", "5_checkpoint.tar"]
    checkpoint = minidl.load(saved / "10_checkpoint.tar")
    assert checkpoint["iteration"] == 10 and checkpoint["voc_dict"]["num_words"] == g["voc"].num_words
    answer = g["evaluate"](g["encoder"], g["decoder"], g["searcher"], g["voc"], "how are you ?")
    assert answer == ["EOS"] * 10


def test_yunjey_language_model_matches_pytorch(tmp_path):
    """yunjey/pytorch-tutorial's LSTM language model (sizes shrunk) on 501 words, with ``manual_seed(0)``:
    ``torch.LongTensor(n)`` filled item by item, truncated backpropagation through detached states,
    ``clip_grad_norm_``, Adam, then 200 words sampled with ``torch.multinomial`` over ``output.exp()`` feeding
    ``input.fill_(word_id)``: the logged losses and the whole sampled text are torch 2.13's."""
    import random
    rng = random.Random(1)
    words = "the cat sat on mat a dog ran in park and bird flew over tree while sun shone".split()
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 12))) for _ in range(60)]
    work = tmp_path / "work"
    shutil.copytree(SCRIPTS / "yunjey_language_model", work, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "data").mkdir()
    (work / "data" / "train.txt").write_text("\n".join(lines) + "\n")
    out = run_script(work / "main.py", work, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out == _expected("yunjey_language_model")
    assert (work / "sample.txt").read_text() == _expected("yunjey_language_model_sample")
    assert list(minidl.load(work / "model.ckpt")) == ["embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                                      "lstm.bias_ih_l0", "lstm.bias_hh_l0", "linear.weight",
                                                      "linear.bias"]


def test_yunjey_vae(tmp_path, data_root):  # noqa: F811
    """yunjey/pytorch-tutorial's VAE (2 epochs at batch 32 on the test layout's 128 MNIST images):
    ``F.binary_cross_entropy(..., size_average=False)`` (with PyTorch's deprecation advice), the KL term from
    ``log_var.exp()``, ``randn_like`` reparameterisation, ``F.sigmoid``, and ``save_image`` grids of samples and
    reconstructions side by side (``torch.cat(..., dim=3)``)."""
    work = tmp_path / "a" / "b"
    shutil.copytree(SCRIPTS / "yunjey_vae", work, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "data").symlink_to(data_root, target_is_directory=True)
    full_env = dict(os.environ, MPLBACKEND="Agg", MINIDL_SCRIPT_SEED="0")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "_run_script.py"), str(work / "main.py")], cwd=work,
                          env=full_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "please use reduction='sum' instead" in proc.stderr
    logged = re.findall(r"^Epoch\[(\d)/2\], Step \[(\d)/4\], Reconst Loss: (\d+\.\d{4}), KL Div: (\d+\.\d{4})$",
                        proc.stdout, flags=re.M)
    assert [(e, s) for e, s, *_ in logged] == [("1", "2"), ("1", "4"), ("2", "2"), ("2", "4")]
    reconstruction = [float(r) for _, _, r, _ in logged]
    assert reconstruction[-1] < reconstruction[0] < 32 * 784 * 0.7  # below chance (ln 2 a pixel) and falling
    from PIL import Image
    assert sorted(p.name for p in (work / "samples").iterdir()) == ["reconst-1.png", "reconst-2.png",
                                                                     "sampled-1.png", "sampled-2.png"]
    assert Image.open(work / "samples" / "reconst-2.png").size == (2 + 8 * 58, 2 + 4 * 30)


def test_yunjey_linear_regression_prints_what_pytorch_prints(tmp_path):
    """yunjey/pytorch-tutorial's linear regression with ``manual_seed(0)``: ``torch.from_numpy`` float32 data,
    nn.Linear, MSELoss and 60 SGD steps log torch 2.13's losses; the state dict is saved."""
    out = run_script(SCRIPTS / "yunjey_linear_regression.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out == _expected("yunjey_linear_regression")
    assert list(minidl.load(tmp_path / "model.ckpt")) == ["weight", "bias"]


def test_yunjey_deep_residual_network(tmp_path, data_root):  # noqa: F811
    """yunjey/pytorch-tutorial's CIFAR-10 ResNet (2 epochs at batch 25 on the test layout's 50 images):
    Pad + RandomHorizontalFlip + RandomCrop, residual blocks adding in place (``out += residual``) after
    BatchNorm, ``nn.AvgPool2d(8)``, Adam with its learning rate lowered through ``param_groups``, evaluation with
    ``torch.max(outputs.data, 1)`` and the state dict saved."""
    work = tmp_path / "a" / "b"
    shutil.copytree(SCRIPTS / "yunjey_resnet", work, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "data").symlink_to(data_root, target_is_directory=True)
    out = run_script(work / "main.py", work, env={"MINIDL_SCRIPT_SEED": "0"})
    losses = re.findall(r"^Epoch \[(\d)/2\], Step \[(\d)/2\] Loss: (\d\.\d{4})$", out, flags=re.M)
    assert [(e, s) for e, s, _ in losses] == [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")]
    assert all(0.5 < float(v) < 4.0 for *_, v in losses)
    assert re.search(r"^Accuracy of the model on the test images: \d+\.\d+ %$", out, flags=re.M)
    state = minidl.load(work / "resnet.ckpt")
    assert "layer2.0.downsample.1.running_var" in state and state["fc.weight"].shape == (10, 64)


@pytest.mark.parametrize("name", ["yunjey_gan", "yunjey_birnn"])
def test_yunjey_mnist_scripts(tmp_path, data_root, name):  # noqa: F811
    """yunjey/pytorch-tutorial's MNIST GAN (an MLP generator and discriminator, BCELoss on ``torch.ones``/
    ``torch.zeros`` labels, ``reset_grad``, ``denorm(...).clamp(0, 1)``, ``save_image`` of real and fake digits,
    both state dicts saved) and bidirectional LSTM classifier (``images.reshape(-1, 28, 28)`` rows as a sequence,
    two stacked bidirectional layers, ``out[:, -1, :]``), 2 epochs at batch 32 on the test layout's MNIST."""
    work = tmp_path / "a" / "b"
    shutil.copytree(SCRIPTS / name, work, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "data").symlink_to(data_root, target_is_directory=True)
    out = run_script(work / "main.py", work, env={"MINIDL_SCRIPT_SEED": "0"})
    if name == "yunjey_gan":
        logged = re.findall(r"^Epoch \[(\d)/2\], Step \[(\d)/4\], d_loss: (\d\.\d{4}), g_loss: (\d\.\d{4}), "
                            r"D\(x\): (\d\.\d\d), D\(G\(z\)\): (\d\.\d\d)$", out, flags=re.M)
        assert [(e, s) for e, s, *_ in logged] == [("0", "2"), ("0", "4"), ("1", "2"), ("1", "4")]
        assert sorted(p.name for p in (work / "samples").iterdir()) == ["fake_images-1.png", "fake_images-2.png",
                                                                         "real_images.png"]
        assert list(minidl.load(work / "G.ckpt"))[:2] == ["0.weight", "0.bias"]
        assert (work / "D.ckpt").is_file()
    else:
        losses = [float(v) for v in re.findall(r"^Epoch \[\d/2\], Step \[\d/4\], Loss: (\d\.\d{4})$", out,
                                               flags=re.M)]
        assert len(losses) == 4 and all(1.5 < v < 3.0 for v in losses)
        assert re.search(r"^Test Accuracy of the model on the 10000 test images: \d+\.?\d* %$", out, flags=re.M)
        state = minidl.load(work / "model.ckpt")
        assert state["lstm.weight_ih_l1_reverse"].shape == (4 * 32, 2 * 32) and state["fc.weight"].shape == (10, 64)


def _nanogpt_data(folder):
    """A character-level dataset as nanoGPT's ``data/shakespeare_char/prepare.py`` writes one: uint16 token ids in
    ``train.bin``/``val.bin`` (90/10) and ``meta.pkl`` with the vocabulary."""
    import pickle
    import random

    import numpy as np
    rng = random.Random(0)
    text = " ".join(rng.choice(["to be", "or not", "that is", "the question", "whether tis", "nobler in",
                                "the mind"]) for _ in range(400))
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.uint16)
    folder.mkdir(parents=True)
    n = int(0.9 * len(ids))
    ids[:n].tofile(folder / "train.bin")
    ids[n:].tofile(folder / "val.bin")
    with open(folder / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": {i: c for c, i in stoi.items()}, "stoi": stoi}, f)


_NANOGPT_ARGS = ["--device=cpu", "--compile=False", "--eval_iters=2", "--log_interval=1", "--block_size=16",
                 "--batch_size=4", "--n_layer=2", "--n_head=2", "--n_embd=32", "--lr_decay_iters=6", "--dropout=0.0",
                 "--dataset=shakespeare_char", "--eval_interval=3", "--dtype=float32",
                 "--always_save_checkpoint=True", "--warmup_iters=2"]


def test_nanogpt_trains_and_resumes_as_pytorch(tmp_path):
    """karpathy/nanoGPT's ``train.py`` (a 2-layer GPT on a tiny character dataset, configured from the command
    line through ``configurator.py``): ``np.memmap`` batches, the GPT with weight tying and causal
    ``scaled_dot_product_attention``, AdamW with decay/no-decay groups (``inspect.signature(AdamW)`` for
    ``fused``), a disabled ``GradScaler``, cosine learning-rate decay, ``clip_grad_norm_``, evaluation under
    ``no_grad`` and checkpoints; then ``--init_from=resume`` reloads the checkpoint and trains on. Every printed
    line (timings aside) of both runs, and the text ``sample.py`` generates from the checkpoint, is torch 2.13's."""
    work = tmp_path / "nanogpt"
    shutil.copytree(SCRIPTS / "nanogpt", work, ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    _nanogpt_data(work / "data" / "shakespeare_char")
    untimed = lambda text: re.sub(r"time [0-9.]+ms, mfu [-0-9.]+%", "time T", text)  # noqa: E731
    out = run_script(work / "train.py", work, *_NANOGPT_ARGS, "--max_iters=6")
    assert untimed(out) == _expected("nanogpt_train")
    resumed = run_script(work / "train.py", work, *_NANOGPT_ARGS, "--init_from=resume", "--max_iters=9")
    assert untimed(resumed) == _expected("nanogpt_resume")
    checkpoint = minidl.load(work / "out" / "ckpt.pt")
    assert checkpoint["iter_num"] == 9 and checkpoint["model_args"]["n_layer"] == 2
    # sample.py: the checkpoint back into a GPT, then GPT.generate (temperature, top-k, torch.multinomial);
    # it imports tiktoken, stood in for (tiktoken_standin/) as it only serves datasets without meta.pkl
    sampled = run_script(work / "sample.py", work, "--device=cpu", "--dtype=float32", "--start=t",
                         "--num_samples=2", "--max_new_tokens=40",
                         env={"PYTHONPATH": str(SCRIPTS / "tiktoken_standin")})
    assert sampled == _expected("nanogpt_sample")
