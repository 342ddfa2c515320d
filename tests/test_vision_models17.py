"""minidl.vision.models: torchvision's ShuffleNetV2, MNASNet, ConvNeXt, VisionTransformer, RegNet and
EfficientNetV2 families, against torchvision 0.29.1.

The fixtures were made from torchvision by ``tests/fixtures/make_vision_models17.py`` (cases in
``tests/fixtures/vision_models17_cases.py``): every builder's state-dict keys and shapes (in order) and
its ``*_Weights`` metadata (``vision_models17_keys.json.gz``); for small nets and tiny configurations
of the big families, the checksums of every state entry after ``manual_seed(0)`` (torchvision's
initialisation, reproduced draw for draw) and the eval output after a deterministic change of every
entry (``vision_models17_torch.npz``). Big nets are built on the meta device and counted only.
The same file runs under torchvision with the two imports changed (``import torch as mdl``,
``from torchvision import models``); the minidl-only parts say so.
"""
import gzip
import json
import os
import sys
from functools import lru_cache

import numpy as np
import pytest

import minidl as mdl
from minidl.vision import models

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
sys.path.insert(0, FIXTURES)
from vision_models17_cases import BUILDERS, checksums, perturb, small_cases  # noqa: E402

IS_MINIDL = mdl.__name__ == "minidl"
FAMILIES = [f for f in BUILDERS if hasattr(models, BUILDERS[f][0])]
NAMES = [n for f in FAMILIES for n in BUILDERS[f]]
SMALL = [(f, c) for f in FAMILIES for c in small_cases(models, f)]
# torchvision's published parameter counts (its docs' model tables; meta["num_params"] of the DEFAULT weights)
NUM_PARAMS = {
    "shufflenet_v2_x0_5": 1_366_792, "shufflenet_v2_x1_0": 2_278_604, "shufflenet_v2_x1_5": 3_503_624,
    "shufflenet_v2_x2_0": 7_393_996, "mnasnet0_5": 2_218_512, "mnasnet0_75": 3_170_208, "mnasnet1_0": 4_383_312,
    "mnasnet1_3": 6_282_256, "convnext_tiny": 28_589_128, "convnext_small": 50_223_688,
    "convnext_base": 88_591_464, "convnext_large": 197_767_336, "vit_b_16": 86_567_656, "vit_b_32": 88_224_232,
    "vit_l_16": 304_326_632, "vit_l_32": 306_535_400, "vit_h_14": 632_045_800, "regnet_y_400mf": 4_344_144,
    "regnet_y_800mf": 6_432_512, "regnet_y_1_6gf": 11_202_430, "regnet_y_3_2gf": 19_436_338,
    "regnet_y_8gf": 39_381_472, "regnet_y_16gf": 83_590_140, "regnet_y_32gf": 145_046_770,
    "regnet_y_128gf": 644_812_894, "regnet_x_400mf": 5_495_976, "regnet_x_800mf": 7_259_656,
    "regnet_x_1_6gf": 9_190_136, "regnet_x_3_2gf": 15_296_552, "regnet_x_8gf": 39_572_648,
    "regnet_x_16gf": 54_278_536, "regnet_x_32gf": 107_811_560, "efficientnet_v2_s": 21_458_488,
    "efficientnet_v2_m": 54_139_356, "efficientnet_v2_l": 118_515_272,
}


@lru_cache(None)
def reference():
    with gzip.open(os.path.join(FIXTURES, "vision_models17_keys.json.gz"), "rt") as f:
        return json.load(f)


@lru_cache(None)
def outputs():
    return dict(np.load(os.path.join(FIXTURES, "vision_models17_torch.npz")))


def build_meta(name, **kwargs):
    try:
        with mdl.device("meta"):
            return models.get_model(name, **kwargs)
    except NotImplementedError:          # torchvision's ViT init reads values: not on meta there
        return models.get_model(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_keys_shapes_order_and_parameter_count(name):
    model = build_meta(name)
    got = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    assert got == reference()["keys"][name]
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]


@pytest.mark.parametrize("name", NAMES)
def test_weights_enum_metadata(name):
    ref = reference()["weights"][name]
    enum = models.get_model_weights(name)
    assert enum.__name__ == ref["enum"] and getattr(models, ref["enum"]) is enum
    assert enum.DEFAULT.name == ref["default"] and enum.DEFAULT is enum[ref["default"]]
    assert [m.name for m in enum] == list(ref["members"])
    for member in enum:
        want, meta, t = ref["members"][member.name], member.meta, member.transforms()
        assert member.url == want["url"]
        assert meta["num_params"] == want["num_params"] and list(meta["min_size"]) == want["min_size"]
        assert meta["_metrics"] == want["metrics"] and meta.get("recipe") == want["recipe"]
        assert len(meta["categories"]) == want["n_categories"] and meta["categories"][0] == "tench"
        assert (t.crop_size, t.resize_size, t.mean, t.std) == (want["crop_size"], want["resize_size"],
                                                               want["mean"], want["std"])
        assert t.interpolation.value == want["interpolation"]
        assert models.get_weight(f"{ref['enum']}.{member.name}") is member
    assert models.get_model_builder(name) is getattr(models, name)
    assert name in models.list_models(models)


@pytest.mark.parametrize("family,case", SMALL)
def test_init_is_torchvisions_and_eval_output_equal(family, case):
    build, shape = small_cases(models, family)[case]
    mdl.manual_seed(0)
    model = build().eval()
    state = model.state_dict()
    sums = np.stack([checksums(v.numpy()) for v in state.values()])
    want = outputs()[f"{case}/sums"]
    scale = np.abs(want[:, 1:2]) + 1e-6          # relative to each tensor's sum of |x|
    np.testing.assert_allclose(sums / scale, want / scale, rtol=0, atol=1e-5)
    # torchvision's weights (here the changed init) through load_state_dict -> the same eval output
    new = type(state)((k, mdl.tensor(perturb(k, v.numpy()))) for k, v in state.items())
    if hasattr(state, "_metadata"):              # torchvision's MNASNet needs its version
        new._metadata = state._metadata
    model.load_state_dict(new)
    x = mdl.tensor(outputs()[f"{case}/x"])
    with mdl.no_grad():
        y = model(x).numpy()
    ref = outputs()[f"{case}/y"]
    assert y.shape == ref.shape and y.dtype == np.float32
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(ref).max())))


@pytest.mark.parametrize("family,case", SMALL)
def test_train_mode_forward_backward(family, case):
    build, shape = small_cases(models, family)[case]
    mdl.manual_seed(0)
    model = build()
    assert model.training
    y = model(mdl.randn(*((2,) + tuple(shape[1:]))))
    assert tuple(y.shape) == (2, outputs()[f"{case}/y"].shape[1]) and y.dtype == mdl.float32
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


@pytest.mark.skipif(not IS_MINIDL, reason="minidl never downloads; torchvision would")
@pytest.mark.parametrize("name", NAMES)
def test_enum_weights_come_from_the_hub_cache(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    enum = models.get_model_weights(name)
    with pytest.raises(FileNotFoundError, match="does not download"), mdl.device("meta"):
        models.get_model(name, weights=enum.DEFAULT)
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        models.get_model(name, weights=enum.DEFAULT, num_classes=10)


def test_shufflenet_channel_shuffle_and_errors():
    from minidl.vision.models import shufflenetv2 as sn
    x = mdl.arange(8.0).reshape(1, 8, 1, 1)
    assert sn.channel_shuffle(x, 2).flatten().tolist() == [0, 4, 1, 5, 2, 6, 3, 7]
    with pytest.raises(ValueError, match="expected stages_repeats as list of 3 positive ints"):
        models.ShuffleNetV2([1, 2], [8, 16, 32, 64, 48])
    with pytest.raises(ValueError, match="expected stages_out_channels as list of 5 positive ints"):
        models.ShuffleNetV2([1, 2, 1], [8, 16, 32, 64])
    with pytest.raises(ValueError, match="Invalid combination of stride 1, inp 8 and oup 16"):
        sn.InvertedResidual(8, 16, 1)


def test_mnasnet_v1_checkpoint_stem_and_errors():
    from minidl.vision.models import mnasnet as mn
    assert mn._get_depths(0.5) == [16, 8, 16, 24, 40, 48, 96, 160]
    assert mn._round_to_multiple_of(83, 8) == 80 and mn._round_to_multiple_of(84, 8) == 88
    with pytest.raises(ValueError, match="alpha should be greater than 0.0 instead of 0.0"):
        models.MNASNet(0.0)
    with pytest.raises(ValueError, match="kernel_size should be 3 or 5 instead of 7"):
        mn._InvertedResidual(8, 8, 7, 1, 3)
    # a version-1 file of mnasnet0_5 (32/16-channel stem) loads after the stem is rebuilt, as torchvision's
    v1 = models.mnasnet0_5(num_classes=4)
    v1.layers[0] = mdl.nn.Conv2d(3, 32, 3, padding=1, stride=2, bias=False)
    v1.layers[1] = mdl.nn.BatchNorm2d(32)
    v1.layers[3] = mdl.nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False)
    v1.layers[4] = mdl.nn.BatchNorm2d(32)
    v1.layers[6] = mdl.nn.Conv2d(32, 16, 1, bias=False)
    v1.layers[7] = mdl.nn.BatchNorm2d(16)
    v1.layers[8] = mn._stack(16, 16, 3, 2, 3, 3, 0.1)
    state = v1.state_dict()
    if not IS_MINIDL:
        state._metadata[""]["version"] = 1
    net = models.mnasnet0_5(num_classes=4)
    with pytest.warns(UserWarning, match="A new version of MNASNet model has been implemented"):
        net.load_state_dict(state)
    assert tuple(net.layers[0].weight.shape) == (32, 3, 3, 3) and net._version == 1
    np.testing.assert_array_equal(net.layers[6].weight.detach().numpy(), state["layers.6.weight"].numpy())


def test_convnext_blocks_and_stochastic_depth_ops():
    from minidl.vision import ops
    from minidl.vision.models import convnext as cn
    net = models.ConvNeXt([cn.CNBlockConfig(8, 16, 2), cn.CNBlockConfig(16, None, 3)], stochastic_depth_prob=0.4)
    blocks = [m for m in net.modules() if isinstance(m, cn.CNBlock)]
    assert [b.stochastic_depth.p for b in blocks] == [0.4 * i / 4.0 for i in range(5)]
    assert tuple(blocks[0].layer_scale.shape) == (8, 1, 1)
    assert float(blocks[0].layer_scale.max()) == float(np.float32(1e-6))
    assert isinstance(net.classifier[0], cn.LayerNorm2d) and net.classifier[0].eps == 1e-6
    assert repr(cn.CNBlockConfig(8, None, 2)) == "CNBlockConfig(input_channels=8, out_channels=None, num_layers=2)"
    with pytest.raises(ValueError, match="The block_setting should not be empty"):
        models.ConvNeXt([])
    with pytest.raises(TypeError, match=r"The block_setting should be List\[CNBlockConfig\]"):
        models.ConvNeXt([(8, None, 2)])
    x = mdl.randn(2, 5, 3, 3)
    ln = cn.LayerNorm2d(5, eps=1e-6)
    ref = mdl.nn.functional.layer_norm(x.permute(0, 2, 3, 1), (5,), eps=1e-6).permute(0, 3, 1, 2)
    np.testing.assert_allclose(ln(x).detach().numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    # torchvision.ops.stochastic_depth / StochasticDepth
    mdl.manual_seed(0)
    ones = mdl.ones(64, 2, 3)
    rows = ops.stochastic_depth(ones, 0.25, "row").reshape(64, -1).numpy()
    assert all(len(np.unique(r)) == 1 for r in rows) and 0 < (rows[:, 0] == 0).sum() < 64
    assert set(np.unique(rows).tolist()) <= {0.0, float(np.float32(1) / np.float32(0.75))}
    assert ops.stochastic_depth(ones, 0.5, "row", training=False) is ones
    assert len(np.unique(ops.StochasticDepth(0.5, "batch")(ones).numpy())) == 1
    assert repr(ops.StochasticDepth(0.5, "batch")) == "StochasticDepth(p=0.5, mode=batch)"
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row', but got col"):
        ops.stochastic_depth(ones, 0.5, "col")
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got -0.1"):
        ops.StochasticDepth(-0.1, "row").eval()(ones)          # checked when run, as torchvision's
    assert tuple(ops.Permute([0, 2, 1])(ones).shape) == (64, 3, 2)
    mlp = ops.MLP(4, [8, 3], dropout=0.1)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Dropout", "Linear", "Dropout"]


def test_vit_checks_interpolate_embeddings_and_old_mlp_keys():
    from minidl.vision.models import vision_transformer as vt
    net = models.VisionTransformer(16, 4, num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=12, num_classes=3)
    assert net.seq_length == 17 and tuple(net.encoder.pos_embedding.shape) == (1, 17, 8)
    assert float(net.heads.head.weight.abs().sum()) == 0.0          # torchvision zeroes the head
    with pytest.raises(AssertionError, match="Wrong image height! Expected 16 but got 8!"):
        net(mdl.randn(1, 3, 8, 16))
    with pytest.raises(AssertionError, match="Input shape indivisible by patch size!"):
        models.VisionTransformer(18, 4, 1, 2, 8, 12)
    with pytest.raises(AssertionError, match="Expected \\(batch_size, seq_length, hidden_dim\\)"):
        net.encoder(mdl.randn(17, 8))
    # interpolate_embeddings, against torchvision's (fixture)
    ref = outputs()
    for mode in ("bicubic", "bilinear"):
        state = {"encoder.pos_embedding": mdl.tensor(ref["interp/pos"]), "heads.head.weight": mdl.zeros(2, 5)}
        new = vt.interpolate_embeddings(24, 4, state, mode, reset_heads=True)
        assert list(new) == ["encoder.pos_embedding"]
        np.testing.assert_allclose(new["encoder.pos_embedding"].numpy(), ref[f"interp/{mode}"], rtol=1e-5,
                                   atol=1e-6)
    same = {"encoder.pos_embedding": mdl.zeros(1, 17, 5)}
    assert vt.interpolate_embeddings(16, 4, same) is same
    with pytest.raises(ValueError, match="seq_length is not a perfect square!"):
        vt.interpolate_embeddings(24, 4, {"encoder.pos_embedding": mdl.zeros(1, 16, 5)})
    # files saved before MLPBlock became an MLP name its linears linear_1 / linear_2
    state = net.state_dict()
    old = {k.replace("mlp.0.", "mlp.linear_1.").replace("mlp.3.", "mlp.linear_2."): v for k, v in state.items()}
    assert "encoder.layers.encoder_layer_0.mlp.linear_1.weight" in old
    if not IS_MINIDL:                          # torchvision reads the version from the file's metadata
        old = type(state)(old)
        old._metadata = {"encoder.layers.encoder_layer_0.mlp": {"version": 1}}
    fresh = models.VisionTransformer(16, 4, num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=12, num_classes=3)
    fresh.load_state_dict(old)
    np.testing.assert_array_equal(fresh.encoder.layers[0].mlp[3].weight.detach().numpy(),
                                  state["encoder.layers.encoder_layer_0.mlp.3.weight"].numpy())
    with pytest.raises(ValueError, match="No weights available for model vit_h_14"):
        models.vit_h_14(pretrained=True)


@pytest.mark.skipif(not IS_MINIDL, reason="needs the checkpoint files torchvision would download")
def test_vit_swag_weights_set_the_image_size(monkeypatch):
    from minidl.vision.models import vision_transformer as vt
    monkeypatch.setattr(vt, "load_weights", lambda model, weights, progress: model)
    with mdl.device("meta"):
        net = models.vit_b_16(weights=models.ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1)
        assert net.image_size == 384 and tuple(net.encoder.pos_embedding.shape) == (1, 577, 768)
        assert models.vit_h_14(weights="DEFAULT").image_size == 518
        with pytest.raises(ValueError, match="The parameter 'image_size' expected value 512 but got 224 instead."):
            models.vit_l_16(weights="IMAGENET1K_SWAG_E2E_V1", image_size=224)


def test_regnet_block_params_and_defaults():
    bp = models.regnet.BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8,
                                                    se_ratio=0.25)     # regnet_y_400mf's
    assert (bp.depths, bp.widths, bp.group_widths, bp.strides) == ([1, 3, 6, 6], [48, 104, 208, 440],
                                                                   [8, 8, 8, 8], [2, 2, 2, 2])
    with pytest.raises(ValueError, match="Invalid RegNet settings"):
        models.regnet.BlockParams.from_init_params(depth=4, w_0=12, w_a=1.0, w_m=2.0, group_width=4)
    with pytest.raises(ValueError, match="No weights available for model regnet_y_128gf"):
        models.regnet_y_128gf(pretrained=True)
    net = build_meta("regnet_y_400mf")
    assert net.stem[1].eps == 1e-5 and net.stem[1].momentum == 0.1
    assert "se" in dict(net.trunk_output.block1.named_children())["block1-0"].f._modules


def test_efficientnet_v2_blocks_and_configs():
    from minidl.vision import ops
    from minidl.vision.models import efficientnet as ef
    assert ops.Conv2dNormActivation is ef.Conv2dNormActivation and ops.SqueezeExcitation is ef.SqueezeExcitation
    fused = ef.FusedMBConvConfig(4, 3, 2, 8, 16, 2)
    assert (fused.input_channels, fused.out_channels, fused.num_layers, fused.block) == (8, 16, 2, ef.FusedMBConv)
    assert ef.MBConvConfig(6, 3, 1, 30, 50, 3, width_mult=1.0, depth_mult=1.5).num_layers == 5
    net = models.EfficientNet([ef.FusedMBConvConfig(1, 3, 1, 8, 8, 2), fused, ef.MBConvConfig(4, 3, 2, 16, 24, 1)],
                              0.1, stochastic_depth_prob=0.5, last_channel=32, num_classes=3)
    blocks = [m for m in net.modules() if hasattr(m, "stochastic_depth")]
    assert [type(b).__name__ for b in blocks] == ["FusedMBConv"] * 4 + ["MBConv"]
    assert [b.stochastic_depth.p for b in blocks] == [0.5 * i / 5 for i in range(5)]
    assert len(blocks[0].block) == 1 and len(blocks[2].block) == 2      # no expansion: one conv
    assert net.features[-1][0].out_channels == 32 and net.classifier[1].in_features == 32
    assert tuple(net.eval()(mdl.randn(1, 3, 33, 33)).shape) == (1, 3)     # min_size 33
    with pytest.raises(TypeError, match="The inverted_residual_setting should be List\\[MBConvConfig\\]"):
        models.EfficientNet([(1, 3, 1, 8, 8, 2)], 0.1)
    v2 = build_meta("efficientnet_v2_s")
    assert v2.features[0][1].eps == 1e-3 and v2.classifier[0].p == 0.2
    preset = models.EfficientNet_V2_L_Weights.DEFAULT.transforms()
    assert preset.mean == [0.5, 0.5, 0.5] and preset.crop_size == [480]
