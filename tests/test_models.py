"""The model zoo: published parameter counts, output shapes, config/build round trip,
and the trained CNN Explainer TinyVGG against a NumPy re-implementation of its Keras model."""
import json
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import models

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TINYVGG_DIR = SHARED_DATA / "cnn-explainer-tinyvgg"


def n_params(model, skip=None):
    """Number of scalars over the parameters whose names do not contain ``skip``."""
    return sum(int(np.prod(p.shape)) for name, p in model.named_parameters()
               if skip is None or skip not in name)


def forward(model, shape, rng):
    x = minidl.tensor(rng.random(shape, dtype=np.float32))
    with minidl.no_grad():
        return model(x)


# ------------------------------------------------------------- parameter counts
@pytest.mark.parametrize("build, expected", [
    (lambda: models.alexnet(), 61_100_840),
    (lambda: models.vgg16(), 138_357_544),
    (lambda: models.resnet18(), 11_689_512),
    (lambda: models.lenet(), 62_006),
    (lambda: models.tiny_vgg(), 19_920),
    # Idler's summaries (paper section 4.1 / 4.2)
    (lambda: models.idler_cnn("cnn"), 9_966_691),
], ids=["alexnet", "vgg16", "resnet18", "lenet", "tiny_vgg", "idler_cnn"])
def test_published_parameter_counts(build, expected):
    assert n_params(build()) == expected


def test_counts_that_follow_from_smaller_builds():
    # VGG-16-BN (torchvision: 138,365,992) adds 2 x 4,224 BN parameters to VGG-16 at any size.
    plain, bn = models.vgg16(image_size=32), models.vgg16(image_size=32, batch_norm=True)
    assert n_params(bn) - n_params(plain) == 138_365_992 - 138_357_544 == 2 * 4224
    # Idler's MLP: Linear(3*S*S, 255) + Linear(255, 3); 68,851,023 at 300 px (paper, 4.1).
    def mlp_count(size):
        return 3 * size * size * 255 + 255 + 255 * 3 + 3
    assert n_params(models.idler_cnn("mlp", image_size=20)) == mlp_count(20)
    assert mlp_count(300) == 68_851_023


def test_googlenet_parameter_count_and_aux_names():
    net = models.googlenet()
    assert n_params(net, skip="aux") == 6_624_904
    assert n_params(models.googlenet(aux_logits=False)) == 6_624_904
    aux = [name for name, _ in net.named_parameters() if "aux" in name]
    assert aux and all(name.startswith(("aux1.", "aux2.")) for name in aux)


def test_torchvision_state_dict_names():
    keys = set(models.resnet18().state_dict())
    assert {"conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked",
            "layer2.0.downsample.0.weight", "layer4.1.bn2.bias", "fc.weight"} <= keys
    assert {"features.0.weight", "classifier.6.bias"} <= set(models.vgg16(image_size=32).state_dict())
    assert {"features.10.weight", "classifier.6.weight"} <= set(models.alexnet().state_dict())
    keys = set(models.googlenet(aux_logits=False).state_dict())
    assert {"conv1.conv.weight", "inception3a.branch2.1.bn.weight", "fc.weight"} <= keys


def test_torchvision_initialisation():
    vgg = models.vgg16(num_classes=10, image_size=32)
    w = vgg.features[2].weight.numpy()  # 64 -> 64, 3x3: std sqrt(2 / (64 * 9))
    assert abs(w.std() - np.sqrt(2 / (64 * 9))) < 0.1 * np.sqrt(2 / (64 * 9))
    big_head = models.VGG(models.vgg.make_vgg_features((8, "M")), 10, pool_size=1, hidden=64)
    assert abs(big_head.classifier[0].weight.numpy().std() - 0.01) < 0.002
    assert not vgg.features[0].bias.numpy().any()
    res = models.resnet18(num_classes=10)
    w = res.layer1[0].conv1.weight.numpy()
    assert abs(w.std() - np.sqrt(2 / (64 * 9))) < 0.1 * np.sqrt(2 / (64 * 9))


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("name, kwargs, shape, classes", [
    ("mlp", dict(in_features=3 * 8 * 8, hidden=(16, 8), num_classes=4), (2, 3, 8, 8), 4),
    ("lenet", dict(), (2, 3, 32, 32), 10),
    ("lenet", dict(in_channels=1, image_size=28), (2, 1, 28, 28), 10),
    ("tiny_vgg", dict(), (2, 3, 64, 64), 10),
    ("tiny_vgg", dict(image_size=32, num_classes=5), (2, 3, 32, 32), 5),
    ("alexnet", dict(num_classes=7), (1, 3, 63, 63), 7),
    ("vgg16", dict(num_classes=10, image_size=32, in_channels=1), (2, 1, 32, 32), 10),
    ("vgg16", dict(num_classes=10, image_size=32, batch_norm=True), (2, 3, 32, 32), 10),
    ("resnet18", dict(num_classes=10, in_channels=1), (2, 1, 32, 32), 10),
    ("resnet18", dict(num_classes=10, cifar_stem=True), (2, 3, 16, 16), 10),
    ("googlenet", dict(num_classes=10, in_channels=1, aux_logits=False), (2, 1, 28, 28), 10),
    ("wells_cnn", dict(model=1), (2, 3, 64, 64), 200),
    ("wells_cnn", dict(model=2, num_classes=10), (2, 3, 64, 64), 10),
    ("kth_vgg", dict(config="A"), (2, 3, 64, 64), 200),
    ("kth_vgg", dict(config="D", padding="same", num_classes=10, image_size=32), (2, 3, 32, 32), 10),
    ("kth_vgg", dict(config="F"), (2, 3, 64, 64), 200),
    ("wallace_cnn", dict(kind="mlp"), (2, 3, 32, 32), 10),
    ("wallace_cnn", dict(kind="basic", base_filters=8), (2, 3, 32, 32), 10),
    ("wallace_cnn", dict(kind="deep", base_filters=8, kernel_size=3), (2, 3, 32, 32), 10),
    ("idler_cnn", dict(image_size=40), (2, 3, 40, 40), 3),
    ("idler_cnn", dict(kind="mlp", image_size=16), (2, 3, 16, 16), 3),
])
def test_output_shapes(name, kwargs, shape, classes, rng):
    model = models.build(name, **kwargs).eval()
    out = forward(model, shape, rng)
    assert out.shape == (shape[0], classes)
    assert np.isfinite(out.numpy()).all()


def test_googlenet_training_outputs_and_loss(rng):
    net = models.googlenet(num_classes=10, in_channels=1)
    x = minidl.tensor(rng.random((2, 1, 32, 32), dtype=np.float32))
    y = minidl.tensor(np.array([3, 7]))
    out = net(x)
    assert isinstance(out, tuple) and len(out) == 3
    assert [o.shape for o in out] == [(2, 10)] * 3
    loss_fn = models.googlenet_loss()
    loss = loss_fn(out, y)
    import minidl.nn.functional as F
    expected = sum(w * F.cross_entropy(o, y).item() for w, o in zip((1, 0.3, 0.3), out))
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert net.aux1.fc2.weight.grad is not None
    net.eval()
    with minidl.no_grad():
        logits = net(x)
    assert not isinstance(logits, tuple) and logits.shape == (2, 10)
    assert loss_fn(logits, y).item() == pytest.approx(F.cross_entropy(logits, y).item())


def test_kth_l2_penalty(rng):
    net = models.kth_vgg("E", num_classes=10, image_size=32)
    assert forward(net.eval(), (2, 3, 32, 32), rng).shape == (2, 10)
    assert len(net.l2) == 6 and set(net.l2.values()) == {1e-3}
    params = dict(net.named_parameters())
    expected = sum(1e-3 * float((params[k].numpy().astype(np.float64) ** 2).sum()) for k in net.l2)
    assert net.regularization_loss().item() == pytest.approx(expected, rel=1e-4)
    assert models.kth_vgg("D").regularization_loss() == 0.0


def test_too_small_inputs_are_rejected():
    with pytest.raises(ValueError, match="too small"):
        models.vgg16(image_size=16)
    with pytest.raises(ValueError, match="too small"):
        models.tiny_vgg(image_size=12)


# ------------------------------------------------------------- config / build
@pytest.mark.parametrize("name, kwargs", [
    ("mlp", dict(in_features=12, hidden=(5, 4), num_classes=3)),
    ("lenet", dict(in_channels=1, image_size=28, channels=(8, 16))),
    ("tiny_vgg", dict(num_classes=4)),
    ("resnet18", dict(num_classes=10, cifar_stem=True)),
    ("googlenet", dict(num_classes=10, aux_logits=False)),
    ("vgg16", dict(num_classes=10, image_size=32, batch_norm=True)),
    ("wells_cnn", dict(model=2, dropout=(0.5, 0.5, 0.5))),
    ("kth_vgg", dict(config="B", num_classes=10)),
    ("wallace_cnn", dict(kind="deep", base_filters=16)),
    ("idler_cnn", dict(kind="cnn", image_size=64)),
])
def test_config_and_build_round_trip(name, kwargs):
    model = models.build(name, **kwargs)
    config = model.config
    assert config["name"] == name
    assert json.loads(json.dumps(config)) == config  # serialisable as is
    rebuilt = models.build(config["name"], **config["kwargs"])
    assert rebuilt.config == config
    assert type(rebuilt) is type(model)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == shapes
    rebuilt.load_state_dict(model.state_dict())  # strict: same keys and shapes


def test_config_records_every_argument():
    net = models.lenet(num_classes=3)
    assert net.config == {"name": "lenet", "kwargs": {
        "num_classes": 3, "in_channels": 3, "image_size": 32, "channels": [6, 16],
        "hidden": [120, 84], "dropout": 0.0}}
    assert models.build_from_config(net.config).config == net.config
    assert {"tiny_vgg", "googlenet", "wallace_cnn", "kth_vgg"} <= set(models.list_models())
    with pytest.raises(KeyError, match="unknown model"):
        models.build("no_such_net")


# ------------------------------------------------ trained TinyVGG (CNN Explainer)
needs_tinyvgg = pytest.mark.skipif(
    not (TINYVGG_DIR / "weights.npz").is_file(),
    reason=f"CNN Explainer TinyVGG not found at {TINYVGG_DIR}")


def keras_tinyvgg_logits(w, pixels):
    """CNN Explainer's Keras TinyVGG computed directly in NumPy (NHWC, float64)."""
    def conv_relu(x, kernel, bias):  # 'valid' 3x3, kernel (kh, kw, c_in, c_out)
        kh, kw = kernel.shape[:2]
        h, wd = x.shape[1] - kh + 1, x.shape[2] - kw + 1
        out = np.zeros(x.shape[:1] + (h, wd, kernel.shape[3]))
        for i in range(kh):
            for j in range(kw):
                out += x[:, i:i + h, j:j + wd, :] @ kernel[i, j]
        return np.maximum(out + bias, 0.0)

    def max_pool(x):
        n, h, wd, c = x.shape
        x = x[:, :h // 2 * 2, :wd // 2 * 2]
        return x.reshape(n, h // 2, 2, wd // 2, 2, c).max(axis=(2, 4))

    x = pixels.astype(np.float64) / 255.0
    for block in ((1, 1), (1, 2)), ((2, 1), (2, 2)):
        for a, b in block:
            x = conv_relu(x, w[f"keras.conv_{a}_{b}.kernel"], w[f"keras.conv_{a}_{b}.bias"])
        x = max_pool(x)
    x = x.reshape(len(x), -1)  # Keras flattens NHWC
    return x @ w["keras.output.kernel"] + w["keras.output.bias"]


@needs_tinyvgg
def test_cnn_explainer_tinyvgg_reproduces_keras():
    model = models.load_cnn_explainer_tinyvgg(TINYVGG_DIR)
    assert not model.training and len(model.classes) == 10
    with np.load(TINYVGG_DIR / "inputs.npz") as inputs:
        pixels, files = inputs["pixels"], [str(f) for f in inputs["files"]]
    x = (pixels.astype(np.float32) / 255.0).transpose(0, 3, 1, 2)
    with minidl.no_grad():
        logits = model(minidl.tensor(x)).numpy()

    with np.load(TINYVGG_DIR / "weights.npz") as w:
        ref = keras_tinyvgg_logits(w, pixels)
    np.testing.assert_allclose(logits, ref, atol=1e-4, rtol=1e-4)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    ref_probs = np.exp(ref - ref.max(1, keepdims=True))
    ref_probs /= ref_probs.sum(1, keepdims=True)
    np.testing.assert_allclose(probs, ref_probs, atol=1e-5)

    meta = json.loads((TINYVGG_DIR / "classes.json").read_text())
    prefix_to_class = meta["file_prefix_to_class"]
    labelled = [(i, f) for i, f in enumerate(files) if f not in meta["unlabelled_files"]]
    hits = sum(model.classes[logits[i].argmax()] == prefix_to_class[f.split("_")[0]]
               for i, f in labelled)
    # The trained model gets 15 of the 20 labelled sample images right.
    assert hits >= 0.7 * len(labelled), f"{hits}/{len(labelled)} sample images classified right"
