"""More well-known public PyTorch scripts run on minidl with only their import lines rewritten (see
``test_pytorch_scripts.py`` for the scheme): pytorch/examples time_sequence_prediction, super_resolution and
fast_neural_style's network, and the "NLP From Scratch" tutorials, each cut to a few seconds through its own
arguments or constants (a comment in the script marks every constant changed)."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from test_pytorch_scripts import SCRIPTS, run_script


def test_pytorch_examples_time_sequence_prediction(tmp_path):
    """time_sequence_prediction: generate_sine_wave.py saves a NumPy array with ``torch.save``; train.py loads it
    (``weights_only=False``) into ``torch.from_numpy``, runs two LSTMCells on a ``.double()`` model with
    ``input.split(1, dim=1)``, fits with LBFGS(lr=0.8) and a closure, then predicts 1000 future steps under
    ``no_grad`` and saves matplotlib PDFs."""
    work = tmp_path / "time_sequence_prediction"
    shutil.copytree(SCRIPTS / "time_sequence_prediction", work, ignore=shutil.ignore_patterns("__pycache__"))
    run_script(work / "generate_sine_wave.py", work)
    out = run_script(work / "train.py", work, "--steps", "1")
    losses = [float(v) for v in re.findall(r"^loss: (\S+)$", out, flags=re.M)]
    assert len(losses) == 20  # LBFGS' default max_iter: 20 closure calls, the first before any step
    assert losses[-1] < 0.1 * losses[0]
    test_loss = float(re.search(r"^test loss: (\S+)$", out, flags=re.M).group(1))
    assert test_loss < 0.05
    assert (work / "predict0.pdf").stat().st_size > 1000


_NAMES = {  # a few names per language, with the accents unicodeToAscii strips
    "Italian": "Abandonato Abatangelo Abatantuono Abate Abategiovanni Abatescianni Abbà Abbadelli Abbascia "
               "Abbatangelo Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco",
    "Japanese": "Abe Abukara Adachi Aida Aihara Aizawa Ajibana Akaike Akamatsu Akatsuka Satō Suzuki Takahashi "
                "Tanaka Watanabe Itō Yamamoto Nakamura Kobayashi Katō",
    "Polish": "Adamczak Adamczyk Andrysiak Auttenberg Bartosz Bernard Bobienski Bosko Broż Brzezicki Ślusàrski "
              "Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak",
    "Scottish": "Smith Brown Wilson Campbell Stewart Thomson Robertson Anderson Macdonald Scott Reid Murray Taylor "
                "Clark Ross Watson Morrison Paterson Young Mitchell",
}


def _write_names(folder):
    """``data/names/<Language>.txt``, one name a line, as the tutorial's download unpacks them."""
    folder.mkdir(parents=True)
    for language, names in _NAMES.items():
        (folder / f"{language}.txt").write_text("\n".join(names.split()) + "\n", encoding="utf-8")


def test_char_rnn_classification_tutorial(tmp_path):
    """intermediate/char_rnn_classification_tutorial (the classic version): one-hot letters written with
    ``tensor[li][0][i] = 1``, a hand-written RNN cell over ``torch.cat((input, hidden), 1)``, nn.LogSoftmax +
    nn.NLLLoss, ``p.data.add_(p.grad.data, alpha=-lr)``, ``topk``, a confusion matrix filled with
    ``confusion[i][j] += 1`` and normalised row by row."""
    _write_names(tmp_path / "data" / "names")
    out = run_script(SCRIPTS / "char_rnn_classification_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    lines = out.splitlines()
    assert lines[1] == "Slusarski" and lines[2] == "['Abandonato', 'Abatangelo', 'Abatantuono', 'Abate', " \
                                                  "'Abategiovanni']"
    assert "Size([5, 1, 57])" in out
    assert re.search(r"^tensor\(\[\[(-\d\.\d{4}, ){3}-\d\.\d{4}\]\], grad_fn=<LogSoftmaxBackward0>\)$", out, re.M)
    assert len(re.findall(r"^category = \w+ / line = \w+$", out, flags=re.M)) == 10
    logged = re.findall(r"^(\d+) (\d+)% \(0m \d+s\) (\d\.\d{4}) \w+ / \w+ (✓|✗ \(\w+\))$", out, flags=re.M)
    assert [int(n) for n, *_ in logged] == list(range(250, 2001, 250))
    diagonal = [float(v) for v in re.search(r"^diagonal (.*)$", out, flags=re.M).group(1).split()]
    assert len(diagonal) == 4 and sum(diagonal) / 4 > 0.5  # chance is 0.25
    predictions = out.split("> Dovesky")[1]
    assert len(re.findall(r"^\(-\d+\.\d\d\) (Italian|Japanese|Polish|Scottish)$", predictions, flags=re.M)) == 9


def test_char_rnn_classification_tutorial_nn_rnn(tmp_path):
    """The current char_rnn_classification_tutorial: ``torch.set_default_device`` / ``get_default_device``, a
    ``Dataset`` caching one-hot name tensors, ``random_split(alldata, [.85, .15], generator=torch.Generator(
    device=device).manual_seed(2024))``, nn.RNN's final hidden state into nn.Linear + LogSoftmax, mini-batches from
    ``np.array_split`` indexing the Subset with NumPy ints, a summed NLLLoss, ``clip_grad_norm_``, SGD."""
    _write_names(tmp_path / "data" / "names")
    out = run_script(SCRIPTS / "char_rnn_classification_nn_rnn.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out.splitlines()[:2] == ["Using device = cpu", "converting 'Ślusàrski' to Slusarski"]
    assert "loaded 80 items of data" in out and "train examples = 68, validation examples = 12" in out
    assert "CharRNN(\n  (rnn): RNN(58, 128)\n  (h2o): Linear(in_features=128, out_features=4, bias=True)\n" \
           "  (softmax): LogSoftmax(dim=1)\n)" in out
    losses = [float(v) for v in re.findall(r"^\d+ \(\d+%\): \t average batch loss = (\d\.\d+)$", out, flags=re.M)]
    assert len(losses) == 4 and losses[-1] < 0.8 * losses[0]  # torch 2.13 (unseeded): 1.24 0.97 0.71 0.54
    assert re.search(r"^training took \d+\.\d+s$", out, flags=re.M)


def test_seq2seq_translation_tutorial(tmp_path):
    """intermediate/seq2seq_translation_tutorial on 22 sentence pairs (``eng-fra-tiny.txt``: the four sentences
    its attention plots translate, a few more that pass its ``eng_prefixes`` filter, some that do not):
    nn.Embedding + nn.GRU(batch_first=True) encoder, AttnDecoderRNN with Bahdanau attention (``torch.bmm``),
    teacher forcing, ``topk(1)`` + ``squeeze(-1).detach()``, ``torch.empty(..).fill_``,
    TensorDataset/RandomSampler/DataLoader over ``torch.LongTensor(np.int32 array)``, two Adams, NLLLoss over
    ``view(-1, ...)``, then greedy decoding under ``no_grad`` and the attention matrices plotted."""
    (tmp_path / "data").mkdir()
    shutil.copy(SCRIPTS / "eng-fra-tiny.txt", tmp_path / "data" / "eng-fra.txt")
    out = run_script(SCRIPTS / "seq2seq_translation_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    assert out.count("Read 22 sentence pairs\nTrimmed to 18 sentence pairs") == 2
    assert "Counted words:\nfra 56\neng 45" in out
    losses = [float(v) for v in re.findall(r"^\d+m \d+s \(- \d+m \d+s\) \((\d+) \d+%\) (\d+\.\d{4})$", out,
                                           flags=re.M) for v in v[1:]]
    assert len(losses) == 16 and losses[-1] < 0.6 and losses[-1] < losses[0] / 4  # torch 2.13: 3.15 -> 0.25
    english = set((SCRIPTS / "eng-fra-tiny.txt").read_text().lower().replace("'", " ").replace(".", " ").split())
    decoded = re.findall(r"^< (.*)$", out, flags=re.M) + re.findall(r"^output = (.*)$", out, flags=re.M)
    assert len(decoded) == 14
    for sentence in decoded:
        words = sentence.split()
        # the tutorial's decoder may emit any output-language token, SOS included (index 0 of its vocabulary)
        assert set(words) - {"<EOS>", "SOS"} <= english and (words[-1] == "<EOS>" or len(words) == 10)
    assert "input = il n est pas aussi grand que son pere" in out


def test_transformer_language_modeling_tutorial(tmp_path):
    """beginner/transformer_tutorial (the version with ``copy.deepcopy(best_model)``): nn.TransformerEncoderLayer
    (sequence-first) in nn.TransformerEncoder, PositionalEncoding through
    ``register_buffer`` and strided slice assignment, a ``torch.triu(... * float('-inf'), diagonal=1)`` mask cut
    for the last batch, ``.view(bsz, seq_len).t().contiguous()`` batching, SGD(lr=5) + StepLR(1.0, gamma=0.95)
    + clip_grad_norm_. torchtext's three calls are stood in for by small inline functions over a counting
    corpus (13 tokens and '<unk>': a model that learned nothing scores a loss of about 2.6)."""
    out = run_script(SCRIPTS / "transformer_tutorial.py", tmp_path, env={"MINIDL_SCRIPT_SEED": "0"})
    logged = re.findall(r"^\| epoch +(\d) \| +2/ +3 batches \| lr (\d\.\d\d) \| ms/batch +\d+\.\d\d \| loss +"
                        r"\d+\.\d\d \| ppl +\d+\.\d\d$", out, flags=re.M)
    assert logged == [("1", "5.00"), ("2", "4.75"), ("3", "4.51")]  # StepLR's gamma each epoch
    valid = [float(v) for v in re.findall(r"^\| end of epoch +\d \| time: +\d+\.\d\ds \| valid loss +(\d+\.\d\d) "
                                          r"\| valid ppl +\d+\.\d\d$", out, flags=re.M)]
    assert len(valid) == 3 and min(valid) < 2.0
    test_loss, test_ppl = map(float, re.search(r"^\| End of training \| test loss +(\d+\.\d\d) \| test ppl +"
                                               r"(\d+\.\d\d)$", out, flags=re.M).groups())
    assert test_loss < 2.2 and abs(test_ppl - 2.718281828 ** test_loss) < 0.05 * test_ppl


def _write_bsds300(root, sizes=(("train", 8), ("test", 2))):
    """``dataset/BSDS300/images/{train,test}/*.jpg``: smooth colour patterns (60x52) with a little noise."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for split, count in sizes:
        folder = root / "dataset" / "BSDS300" / "images" / split
        folder.mkdir(parents=True)
        for i in range(count):
            yy, xx = np.mgrid[0:60, 0:52]
            pattern = np.stack([np.sin(xx / (3 + i) + c) * np.cos(yy / (4 + i)) for c in range(3)], -1)
            pixels = pattern * 100 + 128 + rng.normal(0, 5, (60, 52, 3))
            Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(folder / f"{i}.jpg")


def test_pytorch_examples_super_resolution(tmp_path):
    """super_resolution: the Y channel of YCbCr images through CenterCrop/Resize/ToTensor, a DataLoader with 2
    worker processes, the ESPCN net (nn.PixelShuffle(3), ``init.orthogonal_`` with ``init.calculate_gain('relu')``),
    Adam + MSELoss, the PSNR from ``log10(1 / mse.item())``, the whole model saved each epoch with
    ``torch.save(model, ...)``; then super_resolve.py loads it (``weights_only=False``) and upscales a full
    60x52 image to 180x156."""
    from PIL import Image
    work = tmp_path / "super_resolution"
    shutil.copytree(SCRIPTS / "super_resolution", work, ignore=shutil.ignore_patterns("__pycache__"))
    _write_bsds300(work)
    out = run_script(work / "main.py", work, "--upscale_factor", "3", "--batchSize", "4", "--testBatchSize", "2",
                     "--nEpochs", "3", "--threads", "2", "--lr", "0.001")
    assert "Namespace(upscale_factor=3, batchSize=4, testBatchSize=2, nEpochs=3, lr=0.001" in out
    steps = re.findall(r"^===> Epoch\[(\d)\]\((\d)/2\): Loss: \d\.\d{4}$", out, flags=re.M)
    assert steps == [(str(e), str(i)) for e in (1, 2, 3) for i in (1, 2)]
    averages = [float(v) for v in re.findall(r"^===> Epoch \d Complete: Avg. Loss: (\d\.\d{4})$", out, flags=re.M)]
    psnr = [float(v) for v in re.findall(r"^===> Avg. PSNR: (\d+\.\d{4}) dB$", out, flags=re.M)]
    assert len(averages) == 3 and averages[-1] < averages[0] / 2  # seed 123: 0.20, 0.07, 0.06
    assert len(psnr) == 3 and psnr[-1] > psnr[0]
    assert [p.name for p in sorted(work.glob("model_epoch_*.pth"))] == [f"model_epoch_{e}.pth" for e in (1, 2, 3)]
    out = run_script(work / "super_resolve.py", work, "--input_image", "dataset/BSDS300/images/test/0.jpg",
                     "--model", "model_epoch_3.pth", "--output_filename", "out.png")
    assert "output image saved to  out.png" in out
    with Image.open(work / "out.png") as img:
        assert img.size == (156, 180) and img.mode == "RGB"


def _neural_style(tmp_path):
    """fast_neural_style/neural_style copied to ``tmp_path``, importable (transformer_net, utils)."""
    import sys
    work = tmp_path / "neural_style"
    shutil.copytree(SCRIPTS / "fast_neural_style" / "neural_style", work,
                    ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(work))
    return work


def test_fast_neural_style_transformer_net_trains_on_gram_matrices(tmp_path, monkeypatch):
    """fast_neural_style's TransformerNet (ReflectionPad2d, InstanceNorm2d(affine=True), nearest-interpolate
    UpsampleConvLayer, residual blocks) and its utils (``gram_matrix`` through ``bmm``, ``normalize_batch`` through
    ``new_tensor`` and ``div_``): four Adam steps of the example's content + style loss, computed on the net's own
    output instead of VGG-16 features (the example's pretrained VGG-16 is 528 MB), lower it."""
    import sys
    monkeypatch.setattr(sys, "path", list(sys.path))
    _neural_style(tmp_path)
    monkeypatch.delitem(sys.modules, "utils", raising=False)
    monkeypatch.delitem(sys.modules, "transformer_net", raising=False)
    import utils
    from transformer_net import TransformerNet

    import minidl as torch
    torch.manual_seed(0)
    transformer = TransformerNet()
    assert not [k for k in transformer.state_dict() if "running" in k]  # InstanceNorm2d tracks no statistics
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-2)
    mse_loss = torch.nn.MSELoss()
    x = torch.rand(2, 3, 24, 24) * 255
    style = torch.rand(1, 3, 24, 24).repeat(2, 1, 1, 1) * 255
    gram_style = utils.gram_matrix(utils.normalize_batch(style))
    assert gram_style.shape == (2, 3, 3)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        y = utils.normalize_batch(transformer(x))
        content_loss = 1e1 * mse_loss(y, utils.normalize_batch(x.clone()))
        style_loss = 1e3 * mse_loss(utils.gram_matrix(y), gram_style[:2, :, :])
        total_loss = content_loss + style_loss
        total_loss.backward()
        optimizer.step()
        losses.append(total_loss.item())
    assert losses[-1] < losses[0], losses


def test_pytorch_examples_fast_neural_style_eval(tmp_path, monkeypatch):
    """neural_style.py eval: a TransformerNet checkpoint holding the deprecated ``in1.running_mean``-style keys the
    script deletes with a regex, ``load_image(..., scale=2)`` (PIL LANCZOS), ``ToTensor`` + ``Lambda(x.mul(255))``,
    ``save_image`` through ``clone().clamp(0, 255).numpy()``; ``train`` says where VGG-16's weights must be."""
    import subprocess
    import sys

    import numpy as np
    from PIL import Image

    import minidl as torch
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "transformer_net", raising=False)
    work = _neural_style(tmp_path)
    from transformer_net import TransformerNet
    state = TransformerNet().state_dict()
    state["in1.running_mean"], state["res1.in2.running_var"] = torch.zeros(32), torch.ones(128)  # PyTorch < 0.4
    torch.save(state, work / "mosaic.pth")
    pixels = np.random.default_rng(0).integers(0, 255, (40, 48, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(work / "amber.jpg")
    run_script(work / "neural_style.py", work, "eval", "--content-image", "amber.jpg", "--model", "mosaic.pth",
               "--output-image", "amber-mosaic.jpg", "--content-scale", "2", "--cuda", "0")
    with Image.open(work / "amber-mosaic.jpg") as img:
        assert img.size == (24, 20) and img.mode == "RGB"
    (work / "train_images" / "a").mkdir(parents=True)
    Image.fromarray(pixels).save(work / "train_images" / "a" / "0.jpg")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "_run_script.py"), str(work / "neural_style.py"), "train",
                           "--dataset", "train_images", "--style-image", "amber.jpg", "--save-model-dir", "saved",
                           "--cuda", "0", "--image-size", "32"], cwd=work, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TORCH_HOME": str(tmp_path / "hub_home")})
    assert proc.returncode != 0
    assert "VGG16_Weights.IMAGENET1K_V1:" in proc.stderr and "vgg16-397923af.pth not found" in proc.stderr


def test_reinforcement_q_learning_tutorial(tmp_path):
    """intermediate/reinforcement_q_learning (DQN on CartPole-v1, its 50 CPU episodes) against a stand-in
    gymnasium (``gym_standin/``: CartPole's dynamics in plain Python): a ``namedtuple``/``deque`` replay memory,
    ``Transition(*zip(*transitions))``, ``torch.cat`` of the batch, a bool mask from a tuple, ``gather(1, ...)``,
    ``max(1).indices.view(1, 1)`` and ``max(1).values``, masked assignment under ``no_grad``, SmoothL1Loss, AdamW
    with amsgrad, ``clip_grad_value_``, the soft target update through ``state_dict()`` arithmetic and
    ``load_state_dict``, and the duration plot (``unfold(0, 100, 1)`` once 100 episodes exist: not in 50)."""
    env = {"PYTHONPATH": str(SCRIPTS / "gym_standin"), "MINIDL_SCRIPT_SEED": "0",
           "MINIDL_SCRIPT_PRINT_GLOBALS": "episode_durations,steps_done"}
    out = run_script(SCRIPTS / "reinforcement_q_learning.py", tmp_path, env=env)
    assert "Complete" in out
    durations = eval(re.search(r"^\[_run_script\] episode_durations = (\[.*\])$", out, flags=re.M).group(1))
    steps_done = int(re.search(r"^\[_run_script\] steps_done = (\d+)$", out, flags=re.M).group(1))
    assert len(durations) == 50 and all(1 <= d <= 500 for d in durations)
    assert sum(durations) == steps_done > 128  # optimize_model ran from the 128th transition on


def test_spatial_transformer_tutorial(tmp_path):
    """intermediate/spatial_transformer_tutorial: MNIST (128 train / 64 test images here) through DataLoaders with
    4 workers, a localization net regressing a 2x3 ``theta`` initialised to the identity through
    ``weight.data.zero_()`` / ``bias.data.copy_(torch.tensor(..., dtype=torch.float))``, ``F.affine_grid`` +
    ``F.grid_sample``, Dropout2d, ``F.nll_loss(..., size_average=False)``, 20 epochs of SGD, then
    ``torchvision.utils.make_grid`` of the transformed batch plotted. ``six`` (for ``six.moves.urllib``) is stood
    in for by ``six_standin/``."""
    from test_pytorch_scripts import _layouts
    _layouts.build(tmp_path)
    env = {"PYTHONPATH": str(SCRIPTS / "six_standin"), "MINIDL_SCRIPT_SEED": "0"}
    out = run_script(SCRIPTS / "spatial_transformer_tutorial.py", tmp_path, env=env)
    epochs = re.findall(r"^Train Epoch: (\d+) \[0/128 \(0%\)\]\tLoss: \d\.\d{6}$", out, flags=re.M)
    assert epochs == [str(e) for e in range(1, 21)]
    tests = re.findall(r"^Test set: Average loss: (\d\.\d{4}), Accuracy: (\d+)/64 \((\d+)%\)$", out, flags=re.M)
    assert len(tests) == 20
    losses = [float(loss) for loss, _, _ in tests]
    assert losses[-1] < losses[0] < 2.5  # seed 0: 2.31 -> 2.28 (20 epochs of 2 batches at lr 0.01)
    assert all(round(100 * int(c) / 64) == int(p) for _, c, p in tests)


def test_pytorch_examples_mnist_hogwild(tmp_path):
    """mnist_hogwild: ``model.share_memory()``, ``mp.set_start_method('spawn', force=True)``, two
    ``mp.Process(target=train, args=(rank, args, model, device, dataset1, kwargs))`` training the one shared
    model with their own SGD (momentum 0.5), then the parent saves it and tests it. The saved first layer differs
    from the one ``manual_seed(1)`` draws: the children's updates reached the parent's memory."""
    from test_pytorch_scripts import _layouts

    import minidl
    _layouts.build(tmp_path / "data")
    work = tmp_path / "mnist_hogwild"
    shutil.copytree(SCRIPTS / "mnist_hogwild", work, ignore=shutil.ignore_patterns("__pycache__"))
    out = run_script(work / "main.py", work, "--epochs", "2", "--log-interval", "1", "--save_model")
    logged = re.findall(r"^(\d+)\tTrain Epoch: (\d) \[(\d+)/128 \(\d+%\)\]\tLoss: \d\.\d{6}$", out, flags=re.M)
    assert len(logged) == 8 and len({pid for pid, *_ in logged}) == 2  # two processes, 2 epochs of 2 batches
    assert re.search(r"^Test set: Average loss: \d\.\d{4}, Accuracy: \d+/64 \(\d+%\)$", out, flags=re.M)
    trained = minidl.load(work / "MNIST_hogwild.pt")
    minidl.manual_seed(1)
    initial = minidl.nn.Conv2d(1, 10, kernel_size=5)
    assert trained["conv1.weight"].shape == initial.weight.shape
    assert (trained["conv1.weight"] - initial.weight).abs().max().item() > 1e-4


@pytest.mark.parametrize("name, expected", [
    ("reinforce", [("10", "18.00", "14.39"), ("20", "47.00", "24.26"), ("30", "47.00", "37.73")]),
    ("actor_critic", [("10", "63.00", "22.26"), ("20", "54.00", "36.85"), ("30", "82.00", "54.54")]),
])
def test_pytorch_examples_reinforcement_learning_matches_pytorch(tmp_path, name, expected):
    """reinforcement_learning/reinforce.py and actor_critic.py on the CartPole stand-in, cut to 40 episodes (one
    Adam step each): ``torch.from_numpy(state).float()``, Dropout(0.6), ``F.softmax``, ``Categorical(probs)``
    ``.sample()``/``.log_prob``, returns through ``torch.tensor(deque)`` normalised by ``std() + eps``,
    ``torch.cat``/``torch.stack`` of the losses, ``F.smooth_l1_loss``. Seeded by the scripts'
    ``torch.manual_seed(543)``: the logged rewards are exactly torch 2.13's for the same runs (checked with the
    same stand-in environment), dropout masks and sampled actions included."""
    env = {"PYTHONPATH": str(SCRIPTS / "gym_standin"), "MINIDL_SCRIPT_MAX_OPTIMIZER_STEPS": "40"}
    out = run_script(SCRIPTS / "reinforcement_learning" / f"{name}.py", tmp_path, env=env)
    logged = re.findall(r"^Episode (\d+)\tLast reward: (\d+\.\d\d)\tAverage reward: (\d+\.\d\d)$", out, flags=re.M)
    assert logged == expected
    assert "stopped after 40 optimizer steps" in out


def _write_image_folder(root, classes=("n01440764", "n01443537"), per_class=2):
    """``root/{train,val}/<wnid>/<i>.JPEG``: random 40x48 RGB images, as ImageNet's folder layout."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for wnid in classes:
            folder = root / split / wnid
            folder.mkdir(parents=True)
            for i in range(per_class):
                Image.fromarray(rng.integers(0, 255, (40, 48, 3)).astype(np.uint8)).save(folder / f"{i}.JPEG")


def test_pytorch_examples_imagenet_train_checkpoint_resume_evaluate(tmp_path):
    """imagenet/main.py: ``models.__dict__['resnet18']()``, ImageFolder + RandomResizedCrop(224)/RandomHorizontalFlip
    for training and Resize(256)/CenterCrop(224) for validation, SGD + StepLR, the AverageMeter/ProgressMeter
    prints, top-1/top-5 ``accuracy`` through ``topk``, ``save_checkpoint`` (``torch.save`` of a dict with the
    arch, ``best_acc1`` Tensor, model/optimizer/scheduler state dicts, then ``shutil.copyfile`` to
    model_best.pth.tar); then ``--resume checkpoint.pth.tar -e`` loads it (``weights_only=True``) and evaluates:
    the validation loss is the one the training run ended with. ``--dummy`` (FakeData) runs too."""
    _write_image_folder(tmp_path / "imgs")
    script = SCRIPTS / "imagenet" / "main.py"
    out = run_script(script, tmp_path, "-a", "resnet18", "imgs", "--epochs", "2", "-b", "2", "--workers", "0",
                     "--print-freq", "1", "--seed", "0")
    assert "=> creating model 'resnet18'" in out and "using CPU, this will be slow" in out
    meter = r"\d+\.\d{3} \( *\d+\.\d{3}\)"
    loss = r"\d\.\d{4}e[+-]\d\d \(\d\.\d{4}e[+-]\d\d\)"
    accuracy = r"\d+\.\d\d \( *\d+\.\d\d\)"
    train = re.findall(rf"^Epoch: \[(\d)\]\[(\d)/2\]\tTime +{meter}\tData +{meter}\tLoss {loss}\tAcc@1 +{accuracy}"
                       rf"\tAcc@5 +{accuracy}$", out, flags=re.M)
    assert train == [("0", "1"), ("0", "2"), ("1", "1"), ("1", "2")]
    summaries = re.findall(r"^ \*   Acc@1 (\d+\.\d{3}) Acc@5 (\d+\.\d{3})$", out, flags=re.M)
    assert len(summaries) == 2 and all(top5 == "100.000" for _, top5 in summaries)  # 2 classes: always in the top 5
    last_val_loss = re.findall(r"^Test: \[1/2\]\tTime +\d+\.\d{3} \( *\d+\.\d{3}\)\tLoss (\S+) ", out, flags=re.M)[-1]
    assert (tmp_path / "checkpoint.pth.tar").is_file() and (tmp_path / "model_best.pth.tar").is_file()
    out = run_script(script, tmp_path, "-a", "resnet18", "imgs", "-b", "2", "--workers", "0", "--print-freq", "1",
                     "--resume", "checkpoint.pth.tar", "-e")
    assert "=> loaded checkpoint 'checkpoint.pth.tar' (epoch 2)" in out
    assert re.findall(r"^Test: \[1/2\]\tTime +\d+\.\d{3} \( *\d+\.\d{3}\)\tLoss (\S+) ", out, flags=re.M) == [
        last_val_loss]
    out = run_script(script, tmp_path, "-a", "resnet18", "--dummy", "-b", "2", "--workers", "0", "--print-freq", "1",
                     env={"MINIDL_SCRIPT_MAX_OPTIMIZER_STEPS": "2"})  # it prints after the step
    assert "=> Dummy data is used!" in out and re.search(r"^Epoch: \[0\]\[ +1/640584\]\t", out, flags=re.M)
