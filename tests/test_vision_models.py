"""minidl.vision.models: torchvision's module structure and state-dict keys and shapes.

The expected key/shape lists are written here from torchvision's source
(torchvision/models/{resnet,vgg,alexnet,googlenet}.py: module registration
order, layer widths, BatchNorm buffers), independently of minidl's code; their
parameter totals are torchvision's published counts.
"""
import numpy as np
import pytest

import minidl as mdl
from minidl.vision import models

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def bn(prefix, c):
    return [(f"{prefix}.{k}", () if k == "num_batches_tracked" else (c,)) for k in BN]


def resnet18_keys(num_classes=1000):
    keys = [("conv1.weight", (64, 3, 7, 7))] + bn("bn1", 64)
    inplanes = 64
    for i, planes in enumerate((64, 128, 256, 512), start=1):
        for b in range(2):
            stride = 2 if i > 1 and b == 0 else 1
            p = f"layer{i}.{b}"
            cin = inplanes if b == 0 else planes
            keys += [(f"{p}.conv1.weight", (planes, cin, 3, 3))] + bn(f"{p}.bn1", planes)
            keys += [(f"{p}.conv2.weight", (planes, planes, 3, 3))] + bn(f"{p}.bn2", planes)
            if b == 0 and (stride != 1 or inplanes != planes):
                keys += [(f"{p}.downsample.0.weight", (planes, inplanes, 1, 1))] + bn(f"{p}.downsample.1", planes)
        inplanes = planes
    return keys + [("fc.weight", (num_classes, 512)), ("fc.bias", (num_classes,))]


def vgg16_keys(num_classes=1000):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    keys, idx, cin = [], 0, 3
    for v in cfg:
        if v == "M":
            idx += 1
            continue
        keys += [(f"features.{idx}.weight", (v, cin, 3, 3)), (f"features.{idx}.bias", (v,))]
        idx += 2  # conv, ReLU
        cin = v
    for i, (o, n) in zip((0, 3, 6), ((4096, 512 * 7 * 7), (4096, 4096), (num_classes, 4096))):
        keys += [(f"classifier.{i}.weight", (o, n)), (f"classifier.{i}.bias", (o,))]
    return keys


def alexnet_keys(num_classes=1000):
    convs = [(0, 64, 3, 11), (3, 192, 64, 5), (6, 384, 192, 3), (8, 256, 384, 3), (10, 256, 256, 3)]
    keys = []
    for i, o, c, k in convs:
        keys += [(f"features.{i}.weight", (o, c, k, k)), (f"features.{i}.bias", (o,))]
    for i, (o, n) in zip((1, 4, 6), ((4096, 256 * 6 * 6), (4096, 4096), (num_classes, 4096))):
        keys += [(f"classifier.{i}.weight", (o, n)), (f"classifier.{i}.bias", (o,))]
    return keys


def googlenet_keys(num_classes=1000):
    def basic(prefix, cin, cout, k):
        return [(f"{prefix}.conv.weight", (cout, cin, k, k))] + bn(f"{prefix}.bn", cout)

    keys = basic("conv1", 3, 64, 7) + basic("conv2", 64, 64, 1) + basic("conv3", 64, 192, 3)
    blocks = {"3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
              "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
              "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
              "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
              "5b": (832, 384, 192, 384, 48, 128, 128)}
    for name, (cin, c1, r3, c3, r5, c5, pp) in blocks.items():
        p = f"inception{name}"
        keys += basic(f"{p}.branch1", cin, c1, 1)
        keys += basic(f"{p}.branch2.0", cin, r3, 1) + basic(f"{p}.branch2.1", r3, c3, 3)
        keys += basic(f"{p}.branch3.0", cin, r5, 1) + basic(f"{p}.branch3.1", r5, c5, 3)
        keys += basic(f"{p}.branch4.1", cin, pp, 1)
    for aux, cin in (("aux1", 512), ("aux2", 528)):
        keys += basic(f"{aux}.conv", cin, 128, 1)
        keys += [(f"{aux}.fc1.weight", (1024, 2048)), (f"{aux}.fc1.bias", (1024,)),
                 (f"{aux}.fc2.weight", (num_classes, 1024)), (f"{aux}.fc2.bias", (num_classes,))]
    return keys + [("fc.weight", (num_classes, 1024)), ("fc.bias", (num_classes,))]


CASES = {"resnet18": (resnet18_keys, 11_689_512), "vgg16": (vgg16_keys, 138_357_544),
         "alexnet": (alexnet_keys, 61_100_840), "googlenet": (googlenet_keys, 13_004_888)}


def n_params(keys):
    return sum(int(np.prod(s)) for k, s in keys if not k.endswith(("running_mean", "running_var",
                                                                    "num_batches_tracked")))


@pytest.mark.parametrize("name", sorted(CASES))
def test_expected_lists_match_torchvisions_published_sizes(name):
    make_keys, total = CASES[name]
    assert n_params(make_keys()) == total


@pytest.mark.parametrize("name", ["resnet18", "alexnet", "googlenet"])
def test_state_dict_keys_and_shapes_are_torchvisions(name):
    make_keys, _ = CASES[name]
    model = getattr(models, name)()
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == make_keys()                                 # same names, order and shapes
    # torchvision weights converted to NumPy load strictly
    state = {k: np.full(s, 0.5, np.float32) if not k.endswith("num_batches_tracked")
             else np.array(7, np.int64) for k, s in make_keys()}
    model.load_state_dict(state)
    last = make_keys()[-1][0]
    assert float(model.state_dict()[last].numpy().ravel()[0]) == 0.5


def test_vgg16_keys_and_num_classes():
    model = models.vgg16(num_classes=10)
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == vgg16_keys(10)


def test_weights_from_a_file_and_forward(tmp_path, monkeypatch):
    state = {k: np.random.default_rng(0).normal(0, 0.05, s).astype(np.float32)
             if not k.endswith("num_batches_tracked") else np.array(0, np.int64)
             for k, s in resnet18_keys(5)}
    for k in state:
        if k.endswith("running_var"):
            state[k] = np.ones_like(state[k])
    path = mdl.save(state, tmp_path / "resnet18-converted.pth")
    model = models.resnet18(num_classes=5, weights=path)
    np.testing.assert_array_equal(model.state_dict()["fc.weight"].numpy(), state["fc.weight"])
    model.eval()
    assert model(mdl.randn(1, 3, 64, 64)).shape == (1, 5)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    with pytest.raises(FileNotFoundError, match="does not download"):
        models.resnet18(weights="IMAGENET1K_V1")             # a member of ResNet18_Weights, not in the cache
    with pytest.raises(ValueError, match="Unknown value 'IMAGENET1K_V9' for ResNet18_Weights"):
        models.resnet18(weights="IMAGENET1K_V9")


def test_googlenet_transform_input_and_aux():
    net = models.googlenet(num_classes=4, transform_input=True)
    net.eval()
    assert net(mdl.randn(1, 3, 64, 64)).shape == (1, 4)
    assert "aux1.fc2.weight" not in models.googlenet(aux_logits=False).state_dict()
