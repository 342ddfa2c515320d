"""RandomErasing, GaussianBlur, RandomChoice/RandomOrder, Five/TenCrop, RandomPerspective, the random colour
ops and transforms.v2 (ToImage, ToDtype): values, seeding, PIL and Tensor inputs, torchvision's errors."""
import numpy as np
import pytest
from PIL import Image

import minidl as mdl
import minidl.vision.transforms.functional as F
from minidl.vision import transforms as T
from minidl.vision.transforms import v2


def rgb(h=8, w=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def tensor_u8(h=8, w=10, seed=0):
    return mdl.tensor(np.ascontiguousarray(rgb(h, w, seed).transpose(2, 0, 1)))


def test_random_erasing_erases_one_box_with_the_value():
    x = mdl.tensor(np.ones((3, 20, 24), np.float32))
    mdl.manual_seed(0)
    out = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))(x).numpy()
    erased = out[0] != 1
    rows, cols = np.nonzero(erased)
    box = erased[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert box.all() and 0.02 * 480 * 0.5 <= box.size <= 0.33 * 480 * 1.5          # one filled rectangle
    np.testing.assert_allclose(out[:, rows[0], cols[0]], [0.1, 0.2, 0.3], rtol=1e-6)
    assert x.numpy().min() == 1                                                    # not in place
    mdl.manual_seed(0)
    np.testing.assert_array_equal(T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))(x).numpy(), out)  # seeded
    assert T.RandomErasing(p=0.0)(x) is x
    mdl.manual_seed(1)
    noise = T.RandomErasing(p=1.0, value="random")(x).numpy()
    assert (noise != 1).sum() > 0 and noise.min() < 0                              # standard normal noise
    y = mdl.tensor(np.ones((3, 20, 24), np.float32))
    assert T.RandomErasing(p=1.0, inplace=True)(y) is y and y.numpy().min() == 0
    i, j, h, w, v = T.RandomErasing.get_params(x, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=[0.0])
    assert 0 <= i <= 20 - h and 0 <= j <= 24 - w and tuple(v.shape) == (1, 1, 1)


def test_random_erasing_errors():
    with pytest.raises(ValueError, match="probability should be between 0 and 1"):
        T.RandomErasing(p=1.5)
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.1, 1.5))
    with pytest.raises(ValueError, match="'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(TypeError, match="Scale should be a sequence"):
        T.RandomErasing(scale=0.2)
    with pytest.warns(UserWarning, match="Scale and ratio"):
        T.RandomErasing(scale=(0.3, 0.1))
    with pytest.raises(ValueError, match="number of input channels"):
        T.RandomErasing(p=1.0, value=(1, 2))(mdl.zeros(3, 8, 8))
    with pytest.raises(TypeError, match="Tensor Image"):
        mdl.manual_seed(0)
        T.RandomErasing(p=1.0)(Image.fromarray(rgb()))


def test_gaussian_blur_draws_sigma_in_range():
    blur = T.GaussianBlur(5, sigma=(0.5, 1.5))
    mdl.manual_seed(0)
    sigmas = [blur.get_params(0.5, 1.5) for _ in range(50)]
    assert 0.5 <= min(sigmas) and max(sigmas) <= 1.5 and np.std(sigmas) > 0.1
    x = tensor_u8()
    mdl.manual_seed(4)
    out = blur(x)
    mdl.manual_seed(4)
    sigma = blur.get_params(0.5, 1.5)
    np.testing.assert_array_equal(out.numpy(), F.gaussian_blur(x, [5, 5], [sigma, sigma]).numpy())
    assert isinstance(blur(Image.fromarray(rgb())), Image.Image)
    assert T.GaussianBlur(3, 2.0).sigma == (2.0, 2.0) and T.GaussianBlur((3, 5)).kernel_size == (3, 5)
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="single number, it must be positive"):
        T.GaussianBlur(3, sigma=0)
    with pytest.raises(ValueError, match="form \\(min, max\\)"):
        T.GaussianBlur(3, sigma=(2.0, 1.0))
    with pytest.raises(ValueError, match="list/tuple with length 2"):
        T.GaussianBlur(3, sigma=(1.0, 2.0, 3.0))


def test_random_choice_and_random_order():
    x = mdl.tensor(np.zeros((1, 2, 2), np.float32))
    add1, add10 = T.Lambda(lambda t: t + 1), T.Lambda(lambda t: t + 10)
    mdl.manual_seed(0)
    picks = {float(T.RandomChoice([add1, add10])(x).numpy()[0, 0, 0]) for _ in range(30)}
    assert picks == {1.0, 10.0}
    assert all(float(T.RandomChoice([add1, add10], p=[0.0, 1.0])(x).numpy()[0, 0, 0]) == 10 for _ in range(10))
    mdl.manual_seed(0)
    weighted = [float(T.RandomChoice([add1, add10], p=[3, 1])(x).numpy()[0, 0, 0]) for _ in range(400)]
    assert 0.65 < weighted.count(1.0) / 400 < 0.85
    with pytest.raises(ValueError, match="Length of p doesn't match"):
        T.RandomChoice([add1], p=[0.5, 0.5])
    with pytest.raises(TypeError, match="sequence of callables"):
        T.RandomChoice(add1)
    double, inc = T.Lambda(lambda t: t * 2), T.Lambda(lambda t: t + 1)
    mdl.manual_seed(0)
    results = {float(T.RandomOrder([double, inc])(x + 1).numpy()[0, 0, 0]) for _ in range(30)}
    assert results == {3.0, 4.0}                                      # both orders seen: 1 * 2 + 1, (1 + 1) * 2
    assert "RandomChoice" in repr(T.RandomChoice([add1]))


@pytest.mark.parametrize("kind", ["pil", "tensor"])
def test_five_and_ten_crop(kind):
    img = Image.fromarray(rgb()) if kind == "pil" else tensor_u8()
    crops = T.FiveCrop(4)(img)
    assert len(crops) == 5 and T.FiveCrop(4).size == (4, 4)
    ref = F.five_crop(img, (4, 4))
    for a, b in zip(crops, ref):
        assert np.array_equal(np.asarray(a) if kind == "pil" else a.numpy(), np.asarray(b) if kind == "pil" else
                              b.numpy())
    ten = T.TenCrop((4, 6), vertical_flip=True)(img)
    assert len(ten) == 10 and F.get_image_size(ten[9]) == [6, 4]
    with pytest.raises(ValueError, match="only two dimensions"):
        T.FiveCrop((1, 2, 3))
    assert repr(T.TenCrop(3)) == "TenCrop(size=(3, 3), vertical_flip=False)"


def test_random_perspective():
    x = tensor_u8(12, 14)
    assert T.RandomPerspective(p=0.0)(x) is x
    start, end = T.RandomPerspective.get_params(14, 12, 0.5)
    assert start == [[0, 0], [13, 0], [13, 11], [0, 11]]
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = end
    assert 0 <= tlx <= 3 and 0 <= tly <= 3 and 10 <= trx <= 13 and 8 <= bry <= 11 and 0 <= blx <= 3
    mdl.manual_seed(2)
    out = T.RandomPerspective(p=1.0, fill=7)(x)
    mdl.manual_seed(2)
    assert np.array_equal(T.RandomPerspective(p=1.0, fill=7)(x).numpy(), out.numpy())     # seeded
    assert out.shape == x.shape and out.dtype == mdl.uint8 and not np.array_equal(out.numpy(), x.numpy())
    assert T.RandomPerspective(p=1.0)(Image.fromarray(rgb(12, 14))).size == (14, 12)
    with pytest.raises(TypeError, match="Fill should be"):
        T.RandomPerspective(fill={})   # a str is a Sequence: torchvision accepts it


@pytest.mark.parametrize("transform, fn", [
    (T.RandomInvert(p=1.0), F.invert), (T.RandomPosterize(2, p=1.0), lambda i: F.posterize(i, 2)),
    (T.RandomSolarize(128, p=1.0), lambda i: F.solarize(i, 128)), (T.RandomAutocontrast(p=1.0), F.autocontrast),
    (T.RandomEqualize(p=1.0), F.equalize), (T.RandomAdjustSharpness(2.0, p=1.0), lambda i: F.adjust_sharpness(i, 2)),
])
def test_random_colour_ops(transform, fn):
    x = tensor_u8()
    np.testing.assert_array_equal(transform(x).numpy(), fn(x).numpy())
    pil = Image.fromarray(rgb())
    np.testing.assert_array_equal(np.asarray(transform(pil)), np.asarray(fn(pil)))
    transform.p = 0.0
    assert transform(x) is x


def test_v2_namespace_and_conversions():
    for name in ["Compose", "RandomResizedCrop", "RandomErasing", "AutoAugment", "TrivialAugmentWide", "ToImage",
                 "ToDtype", "Normalize"]:
        assert name in v2.__all__ and hasattr(v2, name)
    assert v2.RandomErasing is T.RandomErasing and v2.functional.resize is F.resize
    x = tensor_u8()
    assert v2.functional.get_size(x) == [8, 10] and v2.functional.get_num_channels(x) == 3
    np.testing.assert_array_equal(v2.functional.horizontal_flip(x).numpy(), x.numpy()[..., ::-1])
    np.testing.assert_array_equal(v2.functional.vertical_flip(x).numpy(), x.numpy()[..., ::-1, :])
    as_float = v2.functional.to_dtype(v2.functional.to_image(Image.fromarray(rgb())), scale=True)
    assert as_float.dtype == mdl.float32 and float(as_float.numpy().max()) <= 1.0
    img = Image.fromarray(rgb())
    image = v2.ToImage()(img)
    assert image.dtype == mdl.uint8 and image.shape == (3, 8, 10)
    np.testing.assert_array_equal(image.numpy(), rgb().transpose(2, 0, 1))
    assert v2.ToImage()(rgb()[..., 0]).shape == (1, 8, 10)
    scaled = v2.ToDtype(mdl.float32, scale=True)(image)
    np.testing.assert_allclose(scaled.numpy(), image.numpy() / 255.0, rtol=1e-6)
    assert v2.ToDtype(mdl.float32)(image).numpy().max() > 1                     # no scaling by default
    back = v2.ToDtype(mdl.uint8, scale=True)(scaled)
    np.testing.assert_array_equal(back.numpy(), image.numpy())
    assert v2.ToDtype(mdl.float32, scale=True)(img) is img                      # PIL passes through
    pipeline = v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.ToDtype(mdl.float32, scale=True),
                           v2.Normalize([0.5] * 3, [0.5] * 3)])
    out = pipeline(img)
    assert out.dtype == mdl.float32 and -1.0 <= out.numpy().min() and out.numpy().max() <= 1.0


def test_color_jitter_uses_functional_arithmetic():
    x = tensor_u8()
    np.testing.assert_array_equal(T.ColorJitter(brightness=(1.5, 1.5))(x).numpy(), F.adjust_brightness(x, 1.5).numpy())
    np.testing.assert_array_equal(T.ColorJitter(hue=(0.2, 0.2))(x).numpy(), F.adjust_hue(x, 0.2).numpy())
    xf = F.convert_image_dtype(x)
    np.testing.assert_allclose(T.ColorJitter(saturation=(0.0, 0.0))(xf).numpy(),
                               F.rgb_to_grayscale(xf, 3).numpy(), atol=1e-6)
    cj = T.ColorJitter(0.4, 0.4, 0.0, 0.1)
    assert cj.brightness == (0.6, 1.4) and cj.saturation is None and cj.hue == (-0.1, 0.1)
    mdl.manual_seed(0)
    order, b, c, s, h = T.ColorJitter.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    assert sorted(order.tolist()) == [0, 1, 2, 3] and 0.6 <= b <= 1.4 and s is None and -0.1 <= h <= 0.1
    grey = mdl.tensor(np.full((1, 4, 4), 100, np.uint8))
    assert T.ColorJitter(saturation=0.5, hue=0.3)(grey).numpy().tolist() == grey.numpy().tolist()
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(TypeError, match="list/tuple with length 2"):
        T.ColorJitter(contrast=(1, 2, 3))


def test_color_jitter_batch_equals_image_by_image():
    cj = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 3, 6, 7), dtype=np.uint8)
    draws = [cj.draw(rng, 6, 7) for _ in range(40)]
    params = {k: np.concatenate([d[k] for d in draws]) for k in draws[0]}
    batched = cj.apply_batch(x, params)
    for n in range(40):
        one = cj.apply_batch(x[n:n + 1], draws[n])
        np.testing.assert_array_equal(batched[n], one[0])
        img = mdl.tensor(x[n])
        for step in draws[n]["order"][0]:
            factor = float(draws[n]["factors"][0, step])
            img = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][step](img, factor)
        np.testing.assert_array_equal(batched[n], img.numpy())             # functional, step by step


def test_v2_mixup_and_cutmix():
    images = mdl.tensor(np.stack([np.full((3, 8, 10), float(i), np.float32) for i in range(4)]))
    labels = mdl.tensor([0, 1, 2, 1])
    mdl.manual_seed(0)
    mixed, soft = v2.MixUp(alpha=0.5, num_classes=3)(images, labels)
    lam = float(mixed.numpy()[1, 0, 0, 0])                              # lam * 1 + (1 - lam) * 0
    np.testing.assert_allclose(mixed.numpy()[0], (1 - lam) * 3.0, rtol=1e-6)   # mixed with the last image
    assert soft.shape == (4, 3) and soft.dtype == mdl.float32
    np.testing.assert_allclose(soft.numpy()[1], [1 - lam, lam, 0.0], rtol=1e-6)       # own label weighs lam
    np.testing.assert_allclose(soft.numpy().sum(axis=1), 1.0, rtol=1e-6)
    mdl.manual_seed(1)
    cut, soft = v2.CutMix(num_classes=3)((images, labels))
    pasted = (cut.numpy()[1, 0] == 0.0)                                 # image 1 took a box of image 0
    area = pasted.mean()
    rows, cols = np.nonzero(pasted)
    if area > 0:
        assert pasted[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
    np.testing.assert_allclose(soft.numpy()[1], [area, 1 - area, 0.0], atol=1e-6)
    mdl.manual_seed(1)
    again, _ = v2.CutMix(num_classes=3)((images, labels))
    assert np.array_equal(again.numpy(), cut.numpy())                   # seeded
    choice = v2.RandomChoice([v2.CutMix(num_classes=3), v2.MixUp(num_classes=3)])
    out_images, out_labels = choice(images, labels)
    assert out_images.shape == (4, 3, 8, 10) and out_labels.shape == (4, 3)
    with pytest.raises(ValueError, match="batched input with 4 dims"):
        v2.MixUp(num_classes=3)(images[0], labels)
    with pytest.raises(ValueError, match="does not match the batch size"):
        v2.MixUp(num_classes=3)(images, mdl.tensor([0, 1]))
    with pytest.raises(ValueError, match="Alpha should be greater than 0"):
        v2.MixUp(alpha=0.0)
    with pytest.raises(ValueError, match="num_classes must be passed"):
        v2.CutMix()(images, labels)
    with pytest.raises(ValueError, match="PIL"):
        v2.MixUp(num_classes=3)(Image.fromarray(rgb()), labels)


def test_random_affine_batch_path_equals_functional_affine():
    from minidl.vision.transforms._affine import _affine_params
    x = tensor_u8(11, 13)
    ra = T.RandomAffine(25, translate=(0.2, 0.1), scale=(0.8, 1.2), shear=(-10, 10, -5, 5),
                        interpolation=T.InterpolationMode.BILINEAR)
    for seed in range(4):
        batched = ra.apply_batch(x.numpy()[None], ra.draw(np.random.default_rng(seed), 11, 13))[0]
        params = _affine_params(np.random.default_rng(seed), ra.degrees, ra.translate, ra.scale, ra.shear, [13, 11])
        assert all(isinstance(t, int) for t in params[1])
        np.testing.assert_array_equal(batched, F.affine(x, *params, interpolation=T.InterpolationMode.BILINEAR)
                                      .numpy())


def test_elastic_transform():
    x = tensor_u8(12, 14)
    zero = mdl.tensor(np.zeros((1, 12, 14, 2), np.float32))
    np.testing.assert_array_equal(F.elastic_transform(x, zero).numpy(), x.numpy())
    shift = np.zeros((1, 12, 14, 2), np.float32)
    shift[..., 0] = 2 / 14                                          # 1 pixel: half the width is 1.0
    moved = F.elastic_transform(x, mdl.tensor(shift), T.InterpolationMode.NEAREST).numpy()
    np.testing.assert_array_equal(moved[:, :, :-1], x.numpy()[:, :, 1:])
    assert moved[:, :, -1].max() == 0
    pil = Image.fromarray(rgb(12, 14))
    np.testing.assert_array_equal(np.asarray(F.elastic_transform(pil, mdl.tensor(shift), T.InterpolationMode.NEAREST))
                                  .transpose(2, 0, 1), moved)
    mdl.manual_seed(0)
    d = T.ElasticTransform.get_params([50.0, 50.0], [5.0, 5.0], [12, 14])
    assert d.shape == (1, 12, 14, 2) and d.dtype == mdl.float32 and float(abs(d).max()) < 50 / 12
    mdl.manual_seed(3)
    out = T.ElasticTransform(alpha=20.0, sigma=2.0)(x)
    mdl.manual_seed(3)
    assert np.array_equal(T.ElasticTransform(alpha=20.0, sigma=2.0)(x).numpy(), out.numpy())
    assert out.shape == x.shape and out.dtype == mdl.uint8 and not np.array_equal(out.numpy(), x.numpy())
    with pytest.raises(ValueError, match="displacement shape"):
        F.elastic_transform(x, mdl.tensor(np.zeros((1, 4, 4, 2), np.float32)))
    with pytest.raises(TypeError, match="displacement should be a Tensor"):
        F.elastic_transform(x, np.zeros((1, 12, 14, 2)))
    with pytest.raises(TypeError, match="alpha should be float or a sequence"):
        T.ElasticTransform(alpha="big")


def test_normalize_is_differentiable_like_torchvision():
    """FGSM's ``transforms.Normalize(mean, std)(perturbed_data)`` on a Tensor that requires grad: the result
    keeps the graph (``clone().sub_(mean).div_(std)``: DivBackward0), its gradient is 1/std per channel, and
    it passes float64 gradcheck and gradgradcheck."""
    import minidl
    from minidl.vision import transforms
    from minidl.vision.transforms import functional as VF
    x = minidl.rand(2, 3, 4, 5, requires_grad=True)
    out = transforms.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.5))(x)
    assert out.requires_grad and out.grad_fn.name() == "DivBackward0"
    out.sum().backward()
    expected = np.broadcast_to(1 / np.array([0.2, 0.25, 0.5], np.float32).reshape(1, 3, 1, 1), x.shape)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    with minidl.no_grad():
        plain = transforms.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.5))(x.detach())
    np.testing.assert_allclose(out.detach().numpy(), plain.numpy(), rtol=1e-6)
    x64 = minidl.rand(1, 2, 3, 3, dtype=minidl.float64, requires_grad=True)
    assert minidl.autograd.gradcheck(lambda t: VF.normalize(t, [0.1, 0.2], [0.3, 0.7]), (x64,))
    assert minidl.autograd.gradgradcheck(lambda t: VF.normalize(t, [0.1, 0.2], [0.3, 0.7]), (x64,))
    with pytest.raises(RuntimeError, match="leaf"):  # in-place on a leaf that requires grad, as in PyTorch
        VF.normalize(x, [0.5] * 3, [0.5] * 3, inplace=True)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        VF.normalize(x, [0.5] * 3, [0.5, 0.0, 0.5])
    with pytest.raises(ValueError, match="2 mean values for 3 channels"):
        transforms.Normalize((0.5, 0.4), (0.2, 0.25))(x)
