"""PyTorch's recipes (``recipes_source/recipes/``) run on minidl with only their import lines rewritten (see
``test_pytorch_scripts.py`` for the scheme). Where a recipe prints only deterministic text, its whole output is
compared with the output of the same script under PyTorch 2.13 (``pytorch_scripts/expected/<name>.txt``, made by
running the script with ``minidl`` written back as ``torch`` in /work/refvenv)."""
from __future__ import annotations

import re
import runpy

from test_pytorch_scripts import SCRIPTS, data_root, run_script  # noqa: F401 (data_root: a fixture)

import minidl


def _expected(name):
    """PyTorch's stdout for ``name``, with its ``torch.`` reprs spelled as minidl's."""
    return (SCRIPTS / "expected" / f"{name}.txt").read_text().replace("torch.Size", "minidl.Size")


def test_what_is_state_dict_prints_what_pytorch_prints(tmp_path):
    """print(net), each state-dict entry's ``.size()``, and SGD's ``state_dict()`` (``state``, ``param_groups``
    with every default: momentum, dampening, nesterov, maximize, foreach, differentiable, fused, params)."""
    out = run_script(SCRIPTS / "what_is_state_dict.py", tmp_path)
    assert out == _expected("what_is_state_dict")


def _run_in_process(name, tmp_path, monkeypatch):
    """The recipe's globals once it has run in ``tmp_path`` (its files land there)."""
    monkeypatch.chdir(tmp_path)
    return runpy.run_path(str(SCRIPTS / f"{name}.py"), run_name="__main__")


def test_saving_multiple_models_in_one_file(tmp_path, monkeypatch):
    """One ``torch.save`` of a dict of two state dicts and two SGD state dicts; fresh models load them back."""
    g = _run_in_process("saving_multiple_models_in_one_file", tmp_path, monkeypatch)
    checkpoint = minidl.load(tmp_path / "model.pt")
    assert list(checkpoint) == ["modelA_state_dict", "modelB_state_dict", "optimizerA_state_dict",
                                "optimizerB_state_dict"]
    assert checkpoint["optimizerA_state_dict"]["param_groups"][0]["momentum"] == 0.9
    for fresh, saved in (("modelA", "netA"), ("modelB", "netB")):
        for (name, a), b in zip(g[fresh].state_dict().items(), g[saved].state_dict().values()):
            assert minidl.equal(a, b), name
        assert g[fresh].training  # the recipe's last call is .train()
    assert not minidl.equal(g["modelA"].fc3.weight, g["modelB"].fc3.weight)


def test_warmstarting_model_from_a_different_model(tmp_path, monkeypatch):
    """``netB.load_state_dict(torch.load(PATH), strict=False)``: every key matches, so B becomes A."""
    g = _run_in_process("warmstarting_model_using_parameters_from_a_different_model", tmp_path, monkeypatch)
    for (name, a), b in zip(g["netA"].state_dict().items(), g["netB"].state_dict().values()):
        assert minidl.equal(a, b), name
    result = g["netB"].load_state_dict({"fc3.bias": minidl.zeros(10), "extra": minidl.ones(1)}, strict=False)
    assert result.unexpected_keys == ["extra"] and "fc3.weight" in result.missing_keys


def test_zeroing_out_gradients(tmp_path, data_root):  # noqa: F811
    """CIFAR-10 (50 training images here) through ToTensor + Normalize, DataLoader(batch_size=4, shuffle=True,
    num_workers=2), two epochs of SGD with momentum, ``optimizer.zero_grad()`` every batch."""
    (tmp_path / "data").symlink_to(data_root, target_is_directory=True)
    out = run_script(SCRIPTS / "zeroing_out_gradients.py", tmp_path,
                     env={"MINIDL_SCRIPT_SEED": "0", "MINIDL_SCRIPT_PRINT_GLOBALS": "epoch,i,running_loss"})
    assert "Finished Training" in out
    assert "[_run_script] epoch = 1\n[_run_script] i = 12\n" in out  # 13 batches of 4 in each of 2 epochs
    running_loss = float(out.split("[_run_script] running_loss = ")[1].split()[0])
    assert 13 * 1.5 < running_loss < 13 * 2.6, running_loss  # chance is ln 10 = 2.30 a batch



def test_pruning_tutorial_prints_what_pytorch_prints(tmp_path):
    """intermediate/pruning_tutorial with ``manual_seed(0)`` (the tutorial draws unseeded): every printed
    parameter, buffer, pruned weight, hook dict, PruningContainer history, state-dict key list, sparsity figure
    and the custom FooBar mask is PyTorch's (``expected/pruning_tutorial.txt``: the same script run with
    ``torch.manual_seed(0)`` under torch 2.13, object addresses written as ``0xADDR``). Random pruning draws from
    the generator as PyTorch's does, so even its mask is the same."""
    out = run_script(SCRIPTS / "pruning_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    normalised = re.sub(r"0x[0-9a-f]+", "0xADDR", out).replace("minidl", "torch")
    assert normalised == (SCRIPTS / "expected" / "pruning_tutorial.txt").read_text()


def test_defining_a_neural_network_prints_what_pytorch_prints(tmp_path):
    """The recipe's ``print(my_nn)`` and the log-softmax output of one ``torch.rand((1, 1, 28, 28))`` image through
    the net in training mode (both Dropout2d layers draw; the second on a 2-D input, with PyTorch's deprecation
    warning) are torch 2.13's for ``manual_seed(0)`` (the recipe draws unseeded)."""
    out = run_script(SCRIPTS / "defining_a_neural_network.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out == (SCRIPTS / "expected" / "defining_a_neural_network.txt").read_text()


def test_saving_and_loading_a_general_checkpoint(tmp_path, monkeypatch):
    """A dict of epoch (int), model and SGD state dicts and loss (float) saved with ``torch.save`` and loaded with
    ``torch.load`` (``weights_only=True``): the plain values come back as they were, the model as saved."""
    g = _run_in_process("saving_and_loading_a_general_checkpoint", tmp_path, monkeypatch)
    assert g["epoch"] == 5 and type(g["epoch"]) is int and g["loss"] == 0.4
    for (name, a), b in zip(g["model"].state_dict().items(), g["net"].state_dict().values()):
        assert minidl.equal(a, b), name
    assert g["optimizer"].state_dict()["param_groups"][0]["momentum"] == 0.9


def test_parametrizations_tutorial_prints_what_pytorch_prints(tmp_path):
    """intermediate/parametrizations with ``manual_seed(0)`` (the tutorial draws unseeded): every printed tensor,
    parametrized module repr, ``parametrizations`` ModuleDict / ParametrizationList, ``named_parameters``, the
    ``cached()`` call count, the ``right_inverse`` initialisations, the Bernoulli pruning mask and both
    ``remove_parametrizations`` modes are torch 2.13's (``expected/parametrizations_tutorial.txt``). The
    ``torch.dist`` checks that print float32 rounding noise (0 or ~1e-7, from ``linalg.solve``/``matrix_exp``)
    are compared as "about zero"."""
    out = run_script(SCRIPTS / "parametrizations_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})

    def normalised(text):
        text = text.replace("minidl", "torch")
        return re.sub(r"tensor\((0\.|\d\.\d{4}e-0[6-9])(, grad_fn=<DistBackward0>\))", r"tensor(~0\2", text)
    expected = (SCRIPTS / "expected" / "parametrizations_tutorial.txt").read_text()
    assert normalised(out) == normalised(expected)
    assert out.count("Computing the Parametrization") == 4 + 1  # 4 reads uncached, then 1 inside cached()


def test_optimization_tutorial(tmp_path, data_root):  # noqa: F811
    """beginner/basics/optimization_tutorial: the FashionMNIST MLP (128 training / 64 test images here, unshuffled
    batches of 64), SGD(lr=1e-3) + CrossEntropyLoss for 10 epochs through ``train_loop``/``test_loop`` with the
    tutorial's formatted prints; the first batch's loss, logged every epoch, falls each time."""
    import shutil
    shutil.copytree(data_root / "FashionMNIST", tmp_path / "data" / "FashionMNIST")
    out = run_script(SCRIPTS / "optimization_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out.count("-------------------------------") == 10 and out.rstrip().endswith("Done!")
    losses = [float(v) for v in re.findall(r"^loss: (\d\.\d{6})  \[   64/  128\]$", out, flags=re.M)]
    assert len(losses) == 10 and all(b < a for a, b in zip(losses, losses[1:]))
    tests = re.findall(r"^Test Error: \n Accuracy: (\d+\.\d)%, Avg loss: (\d\.\d{6}) \n$", out, flags=re.M)
    assert len(tests) == 10


def test_blitz_tensor_tutorial_prints_what_pytorch_prints(tmp_path):
    """beginner/blitz/tensor_tutorial with ``manual_seed(0)``: after the uninitialised ``torch.empty(5, 3)`` (its
    first five lines, whatever memory held), every printed tensor, size, sum (``out=`` and in place), view, item and
    the NumPy bridge (``a.numpy()`` and ``torch.from_numpy`` sharing memory) is torch 2.13's
    (``expected/blitz_tensor_tutorial.txt``, its output from the sixth line on)."""
    out = run_script(SCRIPTS / "blitz_tensor_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    lines = out.replace("minidl", "torch").splitlines(keepends=True)
    assert lines[0].startswith("tensor([[") and lines[4].endswith("]])\n")
    assert "".join(lines[5:]) == (SCRIPTS / "expected" / "blitz_tensor_tutorial.txt").read_text()


def test_sequence_models_tutorial_prints_what_pytorch_prints(tmp_path):
    """beginner/nlp/sequence_models_tutorial (seeded by its own ``torch.manual_seed(1)``): the LSTM's outputs and
    hidden state, the vocabulary, and the tagger's log-probabilities before and after 300 epochs of SGD are torch
    2.13's (``expected/sequence_models_tutorial.txt``). One difference is let through: PyTorch's CPU LSTM names
    its output node after its oneDNN kernel (``MkldnnRnnLayerBackward0``), minidl's is a ``StackBackward0``."""
    out = run_script(SCRIPTS / "sequence_models_tutorial.py", tmp_path)
    expected = (SCRIPTS / "expected" / "sequence_models_tutorial.txt").read_text()
    assert out.replace("minidl", "torch") == expected.replace("MkldnnRnnLayerBackward0", "StackBackward0")


def test_word_embeddings_tutorial_matches_pytorch(tmp_path):
    """beginner/nlp/word_embeddings_tutorial (its own ``torch.manual_seed(1)``; ``PYTHONHASHSEED=0`` fixes the order
    of its ``set`` vocabulary, for torch's run as for this one): the embedding lookup, the trigrams and the CBOW
    data print as torch 2.13's (``expected/word_embeddings_tutorial.txt``), and the n-gram model's ten summed
    epoch losses agree with torch's to float32 rounding (1e-6 relative)."""
    import ast

    import pytest
    out = run_script(SCRIPTS / "word_embeddings_tutorial.py", tmp_path, env={"PYTHONHASHSEED": "0"})
    got = out.replace("minidl", "torch").splitlines()
    expected = (SCRIPTS / "expected" / "word_embeddings_tutorial.txt").read_text().splitlines()
    assert len(got) == len(expected) == 5
    assert got[:3] == expected[:3] and got[4] == expected[4]
    assert ast.literal_eval(got[3]) == pytest.approx(ast.literal_eval(expected[3]), rel=1e-6)


def test_nlp_deep_learning_tutorial_prints_what_pytorch_prints(tmp_path):
    """beginner/nlp/deep_learning_tutorial (its own ``torch.manual_seed(1)``): the affine map, ReLU, softmax and
    log_softmax prints, the vocabulary, the bag-of-words classifier's parameters and log-probabilities before and
    after 100 epochs of SGD (``vec[i] += 1`` bag-of-words vectors, ``torch.LongTensor`` targets, ``Variable``) are
    torch 2.13's, character for character (``expected/deep_learning_tutorial.txt``)."""
    out = run_script(SCRIPTS / "deep_learning_tutorial.py", tmp_path)
    assert out.replace("minidl", "torch") == (SCRIPTS / "expected" / "deep_learning_tutorial.txt").read_text()


def test_nlp_pytorch_tutorial_prints_what_pytorch_prints(tmp_path):
    """beginner/nlp/pytorch_tutorial (its own ``torch.manual_seed(1)``): tensors, indexing, ``randn``, ``cat``,
    ``view``, the ``grad_fn`` reprs (``<AddBackward0 object at 0x...>``, addresses written as ``0xADDR``), the
    gradient, ``requires_grad_``, ``detach`` and ``no_grad`` print as torch 2.13's."""
    out = run_script(SCRIPTS / "nlp_pytorch_tutorial.py", tmp_path)
    normalised = re.sub(r"0x[0-9a-f]+", "0xADDR", out).replace("minidl", "torch")
    assert normalised == (SCRIPTS / "expected" / "nlp_pytorch_tutorial.txt").read_text()


def test_profiler_recipe_profiles_a_resnet18(tmp_path):
    """recipes/profiler_recipe: ResNet-18 on a (5, 3, 224, 224) batch under ``profile(record_shapes=True)`` with
    ``record_function("model_inference")``: the ``cpu_time_total`` table has PyTorch's columns, the label on
    top with all the time, ``aten::conv2d`` > ``aten::convolution`` > ``aten::_convolution`` called 20 times and
    the batch norms' chain; ``group_by_input_shape=True`` adds the Input Shapes column with the convolution's
    shapes. Without a GPU the recipe stops there (``sys.exit(0)``), as upstream; with one it goes on through the
    CUDA sections, the memory tables, the Chrome trace, stacks and the schedule."""
    out = run_script(SCRIPTS / "profiler_recipe.py", tmp_path)
    tables = out.split("Self CPU time total: ")
    first = tables[0].splitlines()
    assert [h.strip() for h in first[1].split("  ") if h.strip()] == [
        "Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    rows = {line.split()[0]: line.split() for line in first[3:-1]}
    assert rows["model_inference"][-1] == "1" and rows["model_inference"][3] == "100.00%"
    for name in ("aten::conv2d", "aten::convolution", "aten::_convolution"):
        assert rows[name][-1] == "20", name
    assert "aten::native_batch_norm" in rows or "aten::batch_norm" in rows
    grouped = tables[1].splitlines()
    assert re.search(r"  # of Calls  +Input Shapes  $", grouped[3])
    convs = [line for line in grouped if line.strip().startswith("aten::conv2d")]
    assert convs and all(re.search(r"\[\[5, \d+, \d+, \d+\], \[\d+, \d+, \d, \d\], \[\]", c) for c in convs)
    if not minidl.cuda.is_available():
        assert out.rstrip().endswith("Neither CUDA nor XPU devices are available to demonstrate profiling on "
                                     "acceleration devices")
    else:
        assert (tmp_path / "trace.json").exists() and (tmp_path / "memory_timeline.html").exists()
