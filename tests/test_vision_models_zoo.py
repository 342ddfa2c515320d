"""minidl.vision.models: torchvision's ResNet/VGG/MobileNet/Inception/EfficientNet/DenseNet/SqueezeNet builders.

The expected state-dict key/shape lists are written here from torchvision's source
(torchvision/models/{resnet,vgg,mobilenetv2,mobilenetv3,inception,efficientnet,densenet,squeezenet}.py: module names,
registration order, widths, BatchNorm buffers), independently of minidl's code; their
parameter totals are the ``num_params`` torchvision publishes for each checkpoint (also in
its docs' model tables), so a wrong shape cannot hide. Big nets are only built and counted.
"""
import inspect
import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl.vision import models

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def bn(prefix, c):
    return [(f"{prefix}.{k}", () if k == "num_batches_tracked" else (c,)) for k in BN]


def conv(prefix, cout, cin, k, bias=False):
    return [(f"{prefix}.weight", (cout, cin, k, k))] + ([(f"{prefix}.bias", (cout,))] if bias else [])


def resnet_keys(bottleneck, layers, num_classes=1000, groups=1, width_per_group=64):
    keys = conv("conv1", 64, 3, 7) + bn("bn1", 64)
    inplanes, exp = 64, 4 if bottleneck else 1
    for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers), start=1):
        for b in range(n):
            p, stride = f"layer{i}.{b}", 2 if i > 1 and b == 0 else 1
            cin = inplanes if b == 0 else planes * exp
            if bottleneck:
                width = int(planes * width_per_group / 64) * groups
                keys += conv(f"{p}.conv1", width, cin, 1) + bn(f"{p}.bn1", width)
                keys += conv(f"{p}.conv2", width, width // groups, 3) + bn(f"{p}.bn2", width)
                keys += conv(f"{p}.conv3", planes * 4, width, 1) + bn(f"{p}.bn3", planes * 4)
            else:
                keys += conv(f"{p}.conv1", planes, cin, 3) + bn(f"{p}.bn1", planes)
                keys += conv(f"{p}.conv2", planes, planes, 3) + bn(f"{p}.bn2", planes)
            if b == 0 and (stride != 1 or inplanes != planes * exp):
                keys += conv(f"{p}.downsample.0", planes * exp, inplanes, 1) + bn(f"{p}.downsample.1", planes * exp)
        inplanes = planes * exp
    return keys + [("fc.weight", (num_classes, 512 * exp)), ("fc.bias", (num_classes,))]


VGG_CFGS = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
            "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
            "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
            "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                  512, 512, 512, 512, "M"]}


def vgg_keys(cfg, batch_norm, num_classes=1000):
    keys, idx, cin = [], 0, 3
    for v in VGG_CFGS[cfg]:
        if v == "M":
            idx += 1
            continue
        keys += conv(f"features.{idx}", v, cin, 3, bias=True)
        if batch_norm:
            keys += bn(f"features.{idx + 1}", v)
        idx += 3 if batch_norm else 2
        cin = v
    for i, (o, n) in zip((0, 3, 6), ((4096, 25088), (4096, 4096), (num_classes, 4096))):
        keys += [(f"classifier.{i}.weight", (o, n)), (f"classifier.{i}.bias", (o,))]
    return keys


def mobilenet_v2_keys(num_classes=1000):
    keys = conv("features.0.0", 32, 3, 3) + bn("features.0.1", 32)
    cin, idx = 32, 1
    for t, c, n, _s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                       [6, 160, 3, 2], [6, 320, 1, 1]]:
        for _ in range(n):
            p, hidden, j = f"features.{idx}.conv", cin * t, 0
            if t != 1:
                keys += conv(f"{p}.0.0", hidden, cin, 1) + bn(f"{p}.0.1", hidden)
                j = 1
            keys += [(f"{p}.{j}.0.weight", (hidden, 1, 3, 3))] + bn(f"{p}.{j}.1", hidden)
            keys += conv(f"{p}.{j + 1}", c, hidden, 1) + bn(f"{p}.{j + 2}", c)
            cin, idx = c, idx + 1
    keys += conv(f"features.{idx}.0", 1280, 320, 1) + bn(f"features.{idx}.1", 1280)
    return keys + [("classifier.1.weight", (num_classes, 1280)), ("classifier.1.bias", (num_classes,))]


def mobilenet_v3_keys(small, num_classes=1000):
    def div8(v):  # torchvision's _make_divisible(v, 8)
        new = max(8, int(v + 4) // 8 * 8)
        return new + 8 if new < 0.9 * v else new

    if small:
        cfg = [(16, 3, 16, 16, True), (16, 3, 72, 24, False), (24, 3, 88, 24, False), (24, 5, 96, 40, True),
               (40, 5, 240, 40, True), (40, 5, 240, 40, True), (40, 5, 120, 48, True), (48, 5, 144, 48, True),
               (48, 5, 288, 96, True), (96, 5, 576, 96, True), (96, 5, 576, 96, True)]
        last = 1024
    else:
        cfg = [(16, 3, 16, 16, False), (16, 3, 64, 24, False), (24, 3, 72, 24, False), (24, 5, 72, 40, True),
               (40, 5, 120, 40, True), (40, 5, 120, 40, True), (40, 3, 240, 80, False), (80, 3, 200, 80, False),
               (80, 3, 184, 80, False), (80, 3, 184, 80, False), (80, 3, 480, 112, True), (112, 3, 672, 112, True),
               (112, 5, 672, 160, True), (160, 5, 960, 160, True), (160, 5, 960, 160, True)]
        last = 1280
    keys = conv("features.0.0", 16, 3, 3) + bn("features.0.1", 16)
    for i, (cin, k, e, cout, se) in enumerate(cfg, start=1):
        p, j = f"features.{i}.block", 0
        if e != cin:
            keys += conv(f"{p}.0.0", e, cin, 1) + bn(f"{p}.0.1", e)
            j = 1
        keys += [(f"{p}.{j}.0.weight", (e, 1, k, k))] + bn(f"{p}.{j}.1", e)
        j += 1
        if se:
            keys += conv(f"{p}.{j}.fc1", div8(e // 4), e, 1, True) + conv(f"{p}.{j}.fc2", e, div8(e // 4), 1, True)
            j += 1
        keys += conv(f"{p}.{j}.0", cout, e, 1) + bn(f"{p}.{j}.1", cout)
    n, c = len(cfg) + 1, cfg[-1][3]
    keys += conv(f"features.{n}.0", 6 * c, c, 1) + bn(f"features.{n}.1", 6 * c)
    return keys + [("classifier.0.weight", (last, 6 * c)), ("classifier.0.bias", (last,)),
                   ("classifier.3.weight", (num_classes, last)), ("classifier.3.bias", (num_classes,))]


def inception_v3_keys(num_classes=1000):
    def basic(p, cout, cin, kh, kw=None):
        return [(f"{p}.conv.weight", (cout, cin, kh, kw or kh))] + bn(f"{p}.bn", cout)

    keys = basic("Conv2d_1a_3x3", 32, 3, 3) + basic("Conv2d_2a_3x3", 32, 32, 3) + basic("Conv2d_2b_3x3", 64, 32, 3)
    keys += basic("Conv2d_3b_1x1", 80, 64, 1) + basic("Conv2d_4a_3x3", 192, 80, 3)
    for name, cin, pool in (("Mixed_5b", 192, 32), ("Mixed_5c", 256, 64), ("Mixed_5d", 288, 64)):
        keys += basic(f"{name}.branch1x1", 64, cin, 1) + basic(f"{name}.branch5x5_1", 48, cin, 1)
        keys += basic(f"{name}.branch5x5_2", 64, 48, 5) + basic(f"{name}.branch3x3dbl_1", 64, cin, 1)
        keys += basic(f"{name}.branch3x3dbl_2", 96, 64, 3) + basic(f"{name}.branch3x3dbl_3", 96, 96, 3)
        keys += basic(f"{name}.branch_pool", pool, cin, 1)
    keys += basic("Mixed_6a.branch3x3", 384, 288, 3) + basic("Mixed_6a.branch3x3dbl_1", 64, 288, 1)
    keys += basic("Mixed_6a.branch3x3dbl_2", 96, 64, 3) + basic("Mixed_6a.branch3x3dbl_3", 96, 96, 3)
    for name, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        keys += basic(f"{name}.branch1x1", 192, 768, 1) + basic(f"{name}.branch7x7_1", c7, 768, 1)
        keys += basic(f"{name}.branch7x7_2", c7, c7, 1, 7) + basic(f"{name}.branch7x7_3", 192, c7, 7, 1)
        keys += basic(f"{name}.branch7x7dbl_1", c7, 768, 1) + basic(f"{name}.branch7x7dbl_2", c7, c7, 7, 1)
        keys += basic(f"{name}.branch7x7dbl_3", c7, c7, 1, 7) + basic(f"{name}.branch7x7dbl_4", c7, c7, 7, 1)
        keys += basic(f"{name}.branch7x7dbl_5", 192, c7, 1, 7) + basic(f"{name}.branch_pool", 192, 768, 1)
    keys += basic("AuxLogits.conv0", 128, 768, 1) + basic("AuxLogits.conv1", 768, 128, 5)
    keys += [("AuxLogits.fc.weight", (num_classes, 768)), ("AuxLogits.fc.bias", (num_classes,))]
    keys += basic("Mixed_7a.branch3x3_1", 192, 768, 1) + basic("Mixed_7a.branch3x3_2", 320, 192, 3)
    keys += basic("Mixed_7a.branch7x7x3_1", 192, 768, 1) + basic("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7)
    keys += basic("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1) + basic("Mixed_7a.branch7x7x3_4", 192, 192, 3)
    for name, cin in (("Mixed_7b", 1280), ("Mixed_7c", 2048)):
        keys += basic(f"{name}.branch1x1", 320, cin, 1) + basic(f"{name}.branch3x3_1", 384, cin, 1)
        keys += basic(f"{name}.branch3x3_2a", 384, 384, 1, 3) + basic(f"{name}.branch3x3_2b", 384, 384, 3, 1)
        keys += basic(f"{name}.branch3x3dbl_1", 448, cin, 1) + basic(f"{name}.branch3x3dbl_2", 384, 448, 3)
        keys += basic(f"{name}.branch3x3dbl_3a", 384, 384, 1, 3) + basic(f"{name}.branch3x3dbl_3b", 384, 384, 3, 1)
        keys += basic(f"{name}.branch_pool", 192, cin, 1)
    return keys + [("fc.weight", (num_classes, 2048)), ("fc.bias", (num_classes,))]


def efficientnet_keys(width, depth, num_classes=1000):
    def div8(v):  # torchvision's _make_divisible(v, 8)
        new = max(8, int(v + 4) // 8 * 8)
        return new + 8 if new < 0.9 * v else new

    stem = div8(32 * width)
    keys = conv("features.0.0", stem, 3, 3) + bn("features.0.1", stem)
    stages = [(1, 3, 32, 16, 1), (6, 3, 16, 24, 2), (6, 5, 24, 40, 2), (6, 3, 40, 80, 3), (6, 5, 80, 112, 3),
              (6, 5, 112, 192, 4), (6, 3, 192, 320, 1)]
    for s, (e, k, cin, cout, n) in enumerate(stages, start=1):
        cin, cout = div8(cin * width), div8(cout * width)
        for b in range(int(np.ceil(n * depth))):
            i = cin if b == 0 else cout
            exp, p, j = div8(i * e), f"features.{s}.{b}.block", 0
            if exp != i:
                keys += conv(f"{p}.0.0", exp, i, 1) + bn(f"{p}.0.1", exp)
                j = 1
            keys += [(f"{p}.{j}.0.weight", (exp, 1, k, k))] + bn(f"{p}.{j}.1", exp)
            sq = max(1, i // 4)
            keys += conv(f"{p}.{j + 1}.fc1", sq, exp, 1, True) + conv(f"{p}.{j + 1}.fc2", exp, sq, 1, True)
            keys += conv(f"{p}.{j + 2}.0", cout, exp, 1) + bn(f"{p}.{j + 2}.1", cout)
    last = div8(320 * width)
    keys += conv("features.8.0", 4 * last, last, 1) + bn("features.8.1", 4 * last)
    return keys + [("classifier.1.weight", (num_classes, 4 * last)), ("classifier.1.bias", (num_classes,))]


def densenet_keys(growth, blocks, init_features, num_classes=1000):
    keys = conv("features.conv0", init_features, 3, 7) + bn("features.norm0", init_features)
    c = init_features
    for i, n in enumerate(blocks, start=1):
        for k in range(1, n + 1):
            p = f"features.denseblock{i}.denselayer{k}"
            keys += bn(f"{p}.norm1", c) + conv(f"{p}.conv1", 4 * growth, c, 1)
            keys += bn(f"{p}.norm2", 4 * growth) + conv(f"{p}.conv2", growth, 4 * growth, 3)
            c += growth
        if i != len(blocks):
            keys += bn(f"features.transition{i}.norm", c) + conv(f"features.transition{i}.conv", c // 2, c, 1)
            c //= 2
    keys += bn("features.norm5", c)
    return keys + [("classifier.weight", (num_classes, c)), ("classifier.bias", (num_classes,))]


def squeezenet_keys(version, num_classes=1000):
    if version == "1_0":
        keys = conv("features.0", 96, 3, 7, bias=True)
        fires = {3: (96, 16, 64), 4: (128, 16, 64), 5: (128, 32, 128), 7: (256, 32, 128), 8: (256, 48, 192),
                 9: (384, 48, 192), 10: (384, 64, 256), 12: (512, 64, 256)}
    else:
        keys = conv("features.0", 64, 3, 3, bias=True)
        fires = {3: (64, 16, 64), 4: (128, 16, 64), 6: (128, 32, 128), 7: (256, 32, 128), 9: (256, 48, 192),
                 10: (384, 48, 192), 11: (384, 64, 256), 12: (512, 64, 256)}
    for i, (cin, s, e) in fires.items():
        keys += conv(f"features.{i}.squeeze", s, cin, 1, True) + conv(f"features.{i}.expand1x1", e, s, 1, True)
        keys += conv(f"features.{i}.expand3x3", e, s, 3, True)
    return keys + conv("classifier.1", num_classes, 512, 1, True)


# name -> (expected keys, torchvision's published num_params)
CASES = {
    "resnet18": (lambda nc=1000: resnet_keys(False, (2, 2, 2, 2), nc), 11_689_512),
    "resnet34": (lambda nc=1000: resnet_keys(False, (3, 4, 6, 3), nc), 21_797_672),
    "resnet50": (lambda nc=1000: resnet_keys(True, (3, 4, 6, 3), nc), 25_557_032),
    "resnet101": (lambda nc=1000: resnet_keys(True, (3, 4, 23, 3), nc), 44_549_160),
    "resnet152": (lambda nc=1000: resnet_keys(True, (3, 8, 36, 3), nc), 60_192_808),
    "resnext50_32x4d": (lambda nc=1000: resnet_keys(True, (3, 4, 6, 3), nc, 32, 4), 25_028_904),
    "resnext101_32x8d": (lambda nc=1000: resnet_keys(True, (3, 4, 23, 3), nc, 32, 8), 88_791_336),
    "resnext101_64x4d": (lambda nc=1000: resnet_keys(True, (3, 4, 23, 3), nc, 64, 4), 83_455_272),
    "wide_resnet50_2": (lambda nc=1000: resnet_keys(True, (3, 4, 6, 3), nc, 1, 128), 68_883_240),
    "wide_resnet101_2": (lambda nc=1000: resnet_keys(True, (3, 4, 23, 3), nc, 1, 128), 126_886_696),
    "vgg11": (lambda nc=1000: vgg_keys("A", False, nc), 132_863_336),
    "vgg11_bn": (lambda nc=1000: vgg_keys("A", True, nc), 132_868_840),
    "vgg13": (lambda nc=1000: vgg_keys("B", False, nc), 133_047_848),
    "vgg13_bn": (lambda nc=1000: vgg_keys("B", True, nc), 133_053_736),
    "vgg16": (lambda nc=1000: vgg_keys("D", False, nc), 138_357_544),
    "vgg16_bn": (lambda nc=1000: vgg_keys("D", True, nc), 138_365_992),
    "vgg19": (lambda nc=1000: vgg_keys("E", False, nc), 143_667_240),
    "vgg19_bn": (lambda nc=1000: vgg_keys("E", True, nc), 143_678_248),
    "mobilenet_v2": (mobilenet_v2_keys, 3_504_872),
    "mobilenet_v3_large": (lambda nc=1000: mobilenet_v3_keys(False, nc), 5_483_032),
    "mobilenet_v3_small": (lambda nc=1000: mobilenet_v3_keys(True, nc), 2_542_856),
    "inception_v3": (inception_v3_keys, 27_161_264),
    "efficientnet_b0": (lambda nc=1000: efficientnet_keys(1.0, 1.0, nc), 5_288_548),
    "efficientnet_b1": (lambda nc=1000: efficientnet_keys(1.0, 1.1, nc), 7_794_184),
    "efficientnet_b2": (lambda nc=1000: efficientnet_keys(1.1, 1.2, nc), 9_109_994),
    "efficientnet_b3": (lambda nc=1000: efficientnet_keys(1.2, 1.4, nc), 12_233_232),
    "efficientnet_b4": (lambda nc=1000: efficientnet_keys(1.4, 1.8, nc), 19_341_616),
    "efficientnet_b5": (lambda nc=1000: efficientnet_keys(1.6, 2.2, nc), 30_389_784),
    "efficientnet_b6": (lambda nc=1000: efficientnet_keys(1.8, 2.6, nc), 43_040_704),
    "efficientnet_b7": (lambda nc=1000: efficientnet_keys(2.0, 3.1, nc), 66_347_960),
    "densenet121": (lambda nc=1000: densenet_keys(32, (6, 12, 24, 16), 64, nc), 7_978_856),
    "densenet161": (lambda nc=1000: densenet_keys(48, (6, 12, 36, 24), 96, nc), 28_681_000),
    "densenet169": (lambda nc=1000: densenet_keys(32, (6, 12, 32, 32), 64, nc), 14_149_480),
    "densenet201": (lambda nc=1000: densenet_keys(32, (6, 12, 48, 32), 64, nc), 20_013_928),
    "squeezenet1_0": (lambda nc=1000: squeezenet_keys("1_0", nc), 1_248_424),
    "squeezenet1_1": (lambda nc=1000: squeezenet_keys("1_1", nc), 1_235_496),
}
# Built in full here (keys, shapes, strict load); a few bigger ones are built once and
# their parameters counted; VGG's features are checked alone (its 25088x4096 classifier
# alone takes long to initialise; test_vision_models.py builds a whole vgg16).
KEYED = ["resnet18", "resnet34", "resnet50", "resnext50_32x4d", "mobilenet_v2", "mobilenet_v3_large",
         "mobilenet_v3_small", "inception_v3", "efficientnet_b0", "efficientnet_b3", "densenet121", "densenet169",
         "squeezenet1_0", "squeezenet1_1"]
COUNTED = ["resnet101", "wide_resnet50_2", "densenet201"]


def n_params(keys):
    return sum(int(np.prod(s)) for k, s in keys if not k.endswith(BN[2:]))


def fake_state(keys):
    rng = np.random.default_rng(0)
    return {k: np.array(3, np.int64) if k.endswith("num_batches_tracked") else
            (np.ones(s, np.float32) if k.endswith("running_var") else rng.normal(0, 0.02, s).astype(np.float32))
            for k, s in keys}


@pytest.mark.parametrize("name", sorted(CASES))
def test_expected_lists_match_torchvisions_published_sizes(name):
    make_keys, total = CASES[name]
    assert n_params(make_keys()) == total
    weights = models.get_model_weights(name).DEFAULT
    assert weights.meta["num_params"] == total


@pytest.mark.parametrize("name", KEYED)
def test_state_dict_keys_shapes_and_strict_load(name):
    make_keys, total = CASES[name]
    model = models.get_model(name, num_classes=7)
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == make_keys(7)                  # same names, order and shapes
    state = fake_state(make_keys(7))
    model.load_state_dict(state)                # strict
    last = make_keys(7)[-1][0]
    np.testing.assert_array_equal(model.state_dict()[last].numpy(), state[last])


@pytest.mark.parametrize("name", COUNTED)
def test_big_nets_have_torchvisions_parameter_count(name):
    make_keys, total = CASES[name]
    model = models.get_model(name)
    assert sum(p.numel() for p in model.parameters()) == total
    assert set(model.state_dict()) == {k for k, _ in make_keys()}


@pytest.mark.parametrize("cfg,name", [("A", "vgg11"), ("B", "vgg13"), ("D", "vgg16"), ("E", "vgg19")])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_features_keys(cfg, name, batch_norm):
    features = models.vgg.make_layers(models.vgg.cfgs[cfg], batch_norm=batch_norm)
    got = [("features." + k, tuple(v.shape)) for k, v in features.state_dict().items()]
    assert got == [(k, s) for k, s in vgg_keys(cfg, batch_norm) if k.startswith("features.")]
    assert models.get_model_weights(name + ("_bn" if batch_norm else "")).DEFAULT.meta["min_size"] == (32, 32)


@pytest.mark.parametrize("name,size", [("resnet50", 32), ("resnext50_32x4d", 32), ("densenet121", 32),
                                       ("squeezenet1_0", 32)])
def test_forward_shape_eval_float32(name, size):
    mdl.manual_seed(0)
    model = models.get_model(name, num_classes=5).eval()
    x = mdl.randn(1, 3, size, size)
    with mdl.no_grad():
        a, b = model(x).numpy(), model(x).numpy()
    assert a.shape == (1, 5) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)          # eval: no dropout, running statistics


@pytest.mark.parametrize("name,size", [("mobilenet_v2", 32), ("mobilenet_v3_small", 32), ("efficientnet_b0", 32),
                                       ("squeezenet1_1", 24)])
def test_train_forward_backward(name, size):
    mdl.manual_seed(0)
    model = models.get_model(name, num_classes=5)
    assert model.training
    y = model(mdl.randn(2, 3, size, size))
    assert y.shape == (2, 5) and y.dtype == mdl.float32
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_bn_running_stats_move_only_in_training():
    model = models.resnet18(num_classes=3)
    before = model.state_dict()["bn1.running_mean"].numpy().copy()
    model.eval()
    model(mdl.randn(1, 3, 32, 32))
    np.testing.assert_array_equal(model.state_dict()["bn1.running_mean"].numpy(), before)
    model.train()
    model(mdl.randn(2, 3, 32, 32))
    assert not np.array_equal(model.state_dict()["bn1.running_mean"].numpy(), before)
    assert int(model.state_dict()["bn1.num_batches_tracked"].numpy()) == 1


def test_resnet_classes_and_options():
    assert models.BasicBlock.expansion == 1 and models.Bottleneck.expansion == 4
    net = models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=4, zero_init_residual=True).eval()
    assert float(net.layer1[0].bn2.weight.abs().sum()) == 0.0
    assert float(net.bn1.weight.sum()) == 64.0
    assert net(mdl.randn(1, 3, 32, 32)).shape == (1, 4)
    dilated = models.resnet50(replace_stride_with_dilation=[False, True, True], num_classes=2).eval()
    assert dilated.layer4[0].conv2.dilation == (2, 2) and dilated.layer4[1].conv2.dilation == (4, 4)
    assert dilated(mdl.randn(1, 3, 32, 32)).shape == (1, 2)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.ResNet(models.BasicBlock, [1, 1, 1, 1], groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None or a 3-element"):
        models.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="expected value 32 but got 8"):
        models.resnext50_32x4d(groups=8)


def test_builder_signatures_are_torchvisions():
    for name in CASES:
        params = inspect.signature(getattr(models, name)).parameters
        assert list(params) == ["weights", "progress", "kwargs"], name
        assert params["weights"].kind is inspect.Parameter.KEYWORD_ONLY and params["weights"].default is None
        assert params["progress"].kind is inspect.Parameter.KEYWORD_ONLY and params["progress"].default is True
    assert list(inspect.signature(models.ResNet).parameters)[:4] == ["block", "layers", "num_classes",
                                                                   "zero_init_residual"]
    assert list(inspect.signature(models.MobileNetV2).parameters)[:3] == ["num_classes", "width_mult",
                                                                        "inverted_residual_setting"]
    assert list(inspect.signature(models.VGG).parameters) == ["features", "num_classes", "init_weights", "dropout"]
    assert list(inspect.signature(models.AlexNet).parameters) == ["num_classes", "dropout"]


# ---- weights enums, registry, offline loading, the deprecated ``pretrained`` ----

def test_weights_enums():
    W = models.ResNet50_Weights
    assert W.DEFAULT is W.IMAGENET1K_V2 and repr(W.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert str(W.IMAGENET1K_V1) == "ResNet50_Weights.IMAGENET1K_V1"
    assert [m.name for m in W] == ["IMAGENET1K_V1", "IMAGENET1K_V2"]
    assert W.IMAGENET1K_V1.url == "https://download.pytorch.org/models/resnet50-0676ba61.pth"
    assert models.ResNet18_Weights.DEFAULT.url.endswith("resnet18-f37072fd.pth")
    meta = models.ResNet18_Weights.IMAGENET1K_V1.meta
    assert len(meta["categories"]) == 1000 and meta["categories"][0] == "tench"
    assert meta["categories"][207] == "golden retriever" and meta["categories"][999] == "toilet tissue"
    assert meta["_metrics"]["ImageNet-1K"]["acc@1"] == 69.758
    assert W.verify("IMAGENET1K_V1") is W.IMAGENET1K_V1
    assert W.verify("ResNet50_Weights.DEFAULT") is W.IMAGENET1K_V2 and W.verify(None) is None
    with pytest.raises(ValueError, match="Unknown value 'V3' for ResNet50_Weights"):
        W.verify("V3")
    with pytest.raises(TypeError, match="expected ResNet50_Weights but received ResNet18_Weights"):
        W.verify(models.ResNet18_Weights.DEFAULT)
    with pytest.raises(TypeError, match="expected ResNet50_Weights"):
        models.resnet50(weights=models.ResNet18_Weights.DEFAULT)
    assert isinstance(W.IMAGENET1K_V1, models.WeightsEnum)


def test_weights_transforms_are_the_eval_preset():
    from PIL import Image
    t = models.ResNet50_Weights.DEFAULT.transforms()
    assert isinstance(t, models.ImageClassification)
    assert t.crop_size == [224] and t.resize_size == [232]
    assert models.ResNet50_Weights.IMAGENET1K_V1.transforms().resize_size == [256]
    assert t.mean == [0.485, 0.456, 0.406] and t.std == [0.229, 0.224, 0.225]
    img = Image.fromarray(np.full((300, 400, 3), 128, np.uint8))
    x = t(img)
    assert isinstance(x, mdl.Tensor) and x.shape == (3, 224, 224) and x.dtype == mdl.float32
    expected = (128 / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(x.numpy()[:, 100, 100], expected, rtol=1e-5)
    batch = t(mdl.tensor(np.full((2, 3, 256, 300), 128, np.uint8)))
    assert batch.shape == (2, 3, 224, 224)
    np.testing.assert_allclose(batch.numpy()[1, :, 5, 5], expected, rtol=1e-5)
    assert "crop_size=[224]" in repr(t)


def test_registry_functions():
    names = models.list_models()
    for name in CASES:
        assert name in names
    assert names == sorted(names) and "googlenet" in names and "alexnet" in names
    assert models.list_models(models) == names
    assert models.list_models(include="resnet*", exclude="resnet1*") == ["resnet34", "resnet50"]
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_model_weights(models.densenet121) is models.DenseNet121_Weights
    assert models.get_weight("MobileNet_V2_Weights.IMAGENET1K_V2") is models.MobileNet_V2_Weights.DEFAULT
    assert models.get_model_builder("squeezenet1_1") is models.squeezenet1_1
    net = models.get_model("SqueezeNet1_1", num_classes=3)
    assert isinstance(net, models.SqueezeNet) and net.num_classes == 3
    with pytest.raises(ValueError, match="Unknown model nope"):
        models.get_model("nope")
    with pytest.raises(ValueError, match="Invalid weight name"):
        models.get_weight("ResNet50_Weights")


def test_enum_weights_are_read_from_torch_hubs_cache_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    cache = tmp_path / "th" / "hub" / "checkpoints"
    assert models.hub_checkpoint_dir() == str(cache)
    with pytest.raises(FileNotFoundError) as err:
        models.squeezenet1_1(weights=models.SqueezeNet1_1_Weights.DEFAULT)
    message = str(err.value)
    assert "\n" not in message and "does not download" in message
    assert str(cache / "squeezenet1_1-b8a52dc0.pth") in message
    assert "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth" in message
    with pytest.raises(FileNotFoundError, match="squeezenet1_0-b66bff10.pth"):
        models.squeezenet1_0(weights="IMAGENET1K_V1")              # a member's name works too
    # a file in the cache is loaded; torch hub's check of the hash in the file name applies
    state = fake_state(squeezenet_keys("1_1"))
    cache.mkdir(parents=True)
    mdl.save(state, cache / "squeezenet1_1-b8a52dc0.pth")
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "b8a52dc0"'):
        models.squeezenet1_1(weights=models.SqueezeNet1_1_Weights.DEFAULT)
    loaded = models.SqueezeNet1_1_Weights.DEFAULT.get_state_dict(check_hash=False)
    net = models.squeezenet1_1()
    net.load_state_dict(loaded)
    np.testing.assert_array_equal(net.state_dict()["classifier.1.weight"].numpy(), state["classifier.1.weight"])


def test_enum_weights_fix_num_classes():
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        models.resnet18(weights=models.ResNet18_Weights.DEFAULT, num_classes=10)


def test_weights_as_a_path_or_state_dict(tmp_path):
    keys = densenet_keys(32, (6, 12, 24, 16), 64, 4)
    state = fake_state(keys)
    # the published DenseNet files (2017) use ``norm.1`` / ``conv.2`` names and have no
    # num_batches_tracked; torchvision renames the keys, PyTorch accepts the missing counters
    old = {k.replace(".norm1.", ".norm.1.").replace(".conv2.", ".conv.2."): v for k, v in state.items()
           if not k.endswith("num_batches_tracked")}
    path = mdl.save(old, tmp_path / "densenet121-old-names.pth")
    net = models.densenet121(weights=path, num_classes=4)
    got = net.state_dict()["features.denseblock1.denselayer1.conv2.weight"].numpy()
    np.testing.assert_array_equal(got, state["features.denseblock1.denselayer1.conv2.weight"])
    net2 = models.mobilenet_v2(weights=fake_state(mobilenet_v2_keys(3)), num_classes=3)
    assert net2.classifier[1].out_features == 3
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        models.resnet34(weights=str(tmp_path / "missing.pth"))


def test_deprecated_pretrained_keyword_warns_and_maps(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.warns(UserWarning) as record:
        net = models.squeezenet1_1(pretrained=False, num_classes=3)
    messages = [str(w.message) for w in record]
    assert messages[0] == ("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                           "please use 'weights' instead.")
    assert messages[1] == ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
                           "and may be removed in the future. The current behavior is equivalent to passing "
                           "`weights=None`.")
    assert net.num_classes == 3
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(FileNotFoundError, match="resnet18-f37072fd.pth"):
            models.resnet18(pretrained=True)
    assert str(record[1].message).endswith("equivalent to passing `weights=ResNet18_Weights.IMAGENET1K_V1`. You "
                                           "can also use `weights=ResNet18_Weights.DEFAULT` to get the most "
                                           "up-to-date weights.")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        models.squeezenet1_1(False)
    assert str(record[0].message).startswith("Using 'weights' as positional parameter(s) is deprecated since 0.13")
    assert "equivalent to passing `weights=None`" in str(record[1].message) and len(record) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        models.squeezenet1_1(weights=None)
        models.squeezenet1_1()


def test_enum_weights_load_the_checkpoint(monkeypatch):
    """What a builder does with a member once its file is read (the reading itself is
    tested above): ResNet keeps 1000 classes; GoogLeNet turns transform_input on and drops
    the untrained aux heads, as torchvision does."""
    states = {"resnet18": fake_state(resnet_keys(False, (2, 2, 2, 2))),
              "googlenet": {k: v for k, v in models.googlenet(num_classes=1000).state_dict().items()}}
    monkeypatch.setattr(models.ResNet18_Weights, "get_state_dict", lambda self, **kw: states["resnet18"])
    monkeypatch.setattr(models.GoogLeNet_Weights, "get_state_dict", lambda self, **kw: states["googlenet"])
    net = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
    np.testing.assert_array_equal(net.fc.weight.numpy(), states["resnet18"]["fc.weight"])
    g = models.googlenet(weights="DEFAULT")
    assert g.transform_input and not g.aux_logits and g.aux1 is None and g.aux2 is None
    assert not any(k.startswith("aux") for k in g.state_dict())
    with pytest.warns(UserWarning, match="auxiliary heads in the pretrained googlenet model are NOT pretrained"):
        g2 = models.googlenet(weights=models.GoogLeNet_Weights.IMAGENET1K_V1, aux_logits=True)
    assert g2.aux1 is not None


def test_densenet_enum_weights_with_old_key_names(monkeypatch):
    state = fake_state(densenet_keys(32, (6, 12, 24, 16), 64))
    old = {k.replace(".norm2.", ".norm.2.").replace(".conv1.", ".conv.1."): v for k, v in state.items()
           if not k.endswith("num_batches_tracked")}
    monkeypatch.setattr(models.DenseNet121_Weights, "get_state_dict", lambda self, **kw: old)
    net = models.densenet121(weights=models.DenseNet121_Weights.IMAGENET1K_V1)
    key = "features.denseblock4.denselayer16.norm2.running_var"
    np.testing.assert_array_equal(net.state_dict()[key].numpy(), state[key])


def test_inception_v3_outputs_and_aux_head(monkeypatch):
    mdl.manual_seed(0)
    with pytest.warns(FutureWarning, match="default weight initialization of inception_v3"):
        net = models.Inception3(num_classes=4)
    assert float(net.AuxLogits.fc.weight.std()) < 0.01 < float(net.fc.weight.std())
    x = mdl.randn(2, 3, 75, 75)                          # the smallest input (torchvision's min_size)
    net.eval()
    with mdl.no_grad():
        assert net(x).shape == (2, 4)
    aux = models.inception.InceptionAux(768, 4)        # in training it sees the 17x17 map of a 299 px input
    assert aux(mdl.randn(2, 768, 17, 17)).shape == (2, 4)
    plain = models.Inception3(num_classes=3, aux_logits=False, init_weights=True)
    logits = plain(x)                                  # training without the aux head: a Tensor
    assert isinstance(logits, mdl.Tensor) and logits.shape == (2, 3)
    out = models.InceptionOutputs(logits, aux(mdl.randn(2, 768, 17, 17)))
    main, side = out                                   # the tutorial's ``outputs, aux_outputs = model(x)``
    assert main is logits and out.aux_logits is side
    state = fake_state(inception_v3_keys())
    monkeypatch.setattr(models.Inception_V3_Weights, "get_state_dict", lambda self, **kw: state)
    pretrained = models.inception_v3(weights=models.Inception_V3_Weights.DEFAULT)
    assert pretrained.transform_input and pretrained.aux_logits and pretrained.AuxLogits is not None
    with pytest.raises(ValueError, match="The parameter 'aux_logits' expected value True but got False"):
        models.inception_v3(weights="IMAGENET1K_V1", aux_logits=False)     # as torchvision
    assert models.Inception_V3_Weights.DEFAULT.transforms().crop_size == [299]


def test_stochastic_depth_and_efficientnet_preset():
    from minidl.vision.models.efficientnet import StochasticDepth
    mdl.manual_seed(0)
    x = mdl.ones(64, 2, 3, 3)
    sd = StochasticDepth(0.25, "row")
    y = sd(x).numpy()
    rows = y.reshape(64, -1)
    assert set(np.unique(rows).tolist()) <= {0.0, float(np.float32(1) / np.float32(0.75))}
    assert all(len(np.unique(r)) == 1 for r in rows) and 0 < (rows[:, 0] == 0).sum() < 64
    assert len(np.unique(StochasticDepth(0.5, "batch")(x).numpy())) == 1
    assert float(StochasticDepth(1.0, "row")(x).abs().sum()) == 0.0
    sd.eval()
    np.testing.assert_array_equal(sd(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got 1.5"):
        StochasticDepth(1.5, "row")(x)          # checked when run, as torchvision's
    net = models.efficientnet_b0(num_classes=3)
    probs = [m.stochastic_depth.p for m in net.modules() if hasattr(m, "stochastic_depth")]
    assert probs[0] == 0.0 and len(probs) == 16 and abs(probs[-1] - 0.2 * 15 / 16) < 1e-12
    # the published weights resize with BICUBIC (transforms.Resize has it)
    preset = models.EfficientNet_B0_Weights.DEFAULT.transforms()
    assert "InterpolationMode.BICUBIC" in repr(preset)
    assert tuple(preset(mdl.rand(3, 300, 260)).shape) == (3, 224, 224)
    assert models.EfficientNet_B1_Weights.DEFAULT.transforms().resize_size == [255]
