"""``keras.applications.convnext``: ``ConvNeXtTiny``, ``Small``, ``Base``, ``Large``, ``XLarge`` (Liu et
al., 2022) with Keras' layer names (``convnext_tiny_stem``, ``..._stage_0_block_0_depthwise_conv``...),
its ``LayerScale`` and ``StochasticDepth`` layers and weight layout. The models take RGB images in [0,
255] (``include_preprocessing=True`` normalises them inside), so ``preprocess_input`` returns its
input unchanged, as Keras'.

One difference from Keras' graph: each block's residual sum, a tensor operation (``inputs + x``) in
Keras, is an ``Add`` layer here (``{block}_add``; one more layer per block, no weights)."""
from __future__ import annotations

import numpy as np

from minidl.keras.applications._assembly import assemble_model, pooling_head, prepare_input
from minidl.keras.applications.imagenet_utils import decode_predictions, validate_activation
from minidl.keras.layers.base import Layer

__all__ = ["ConvNeXt", "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
           "LayerScale", "StochasticDepth", "ConvNeXtBlock", "PreStem", "Head", "preprocess_input",
           "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
_HASHES = {  # sha256 of the files with / without the top, as Keras lists them
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


class StochasticDepth(Layer):
    """Drops the whole residual branch of each sample with probability ``drop_path_rate`` in
    training (the kept ones scaled by ``1 / (1 - drop_path_rate)``); the identity otherwise.
    Input and output: any shape with the batch first."""

    _keras_module = "keras.src.applications.convnext"

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        """``x`` with per-sample dropped branches when ``training``."""
        if not training:
            return x
        from minidl.keras import ops, random
        keep_prob = 1 - self.drop_path_rate
        shape = (ops.shape(x)[0],) + (1,) * (len(ops.shape(x)) - 1)
        return (x / keep_prob) * ops.floor(keep_prob + random.uniform(shape, 0, 1))

    def compute_output_shape(self, input_shape):
        """The input shape."""
        return input_shape

    def get_config(self):
        """Base config plus ``drop_path_rate``."""
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """Multiplies the last axis by a learned per-channel scale ``gamma`` (``projection_dim`` values
    starting at ``init_values``; Touvron et al., 2021). Input and output: (..., projection_dim)."""

    _keras_module = "keras.src.applications.convnext"

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        """Create ``gamma`` (Keras names the weight ``variable``)."""
        from minidl.keras import initializers
        self.gamma = self.add_weight(shape=(self.projection_dim,), initializer=initializers.Constant(self.init_values),
                                     trainable=True, name="variable")
        self.built = True

    def call(self, x):
        """``x * gamma``."""
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        """The input shape."""
        return input_shape

    def get_config(self):
        """Base config plus ``init_values`` and ``projection_dim``."""
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """The ConvNeXt block as a function of its input: 7x7 depthwise convolution, layer norm, two
    pointwise Dense layers (4x expansion, GELU), layer scale, (stochastic depth,) residual sum."""
    from minidl.keras import layers
    name = "prestem" if name is None else name

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            x = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")(x)
        else:
            x = layers.Activation("linear", name=f"{name}_identity")(x)
        return layers.Add(name=f"{name}_add")([inputs, x])  # Keras: `inputs + x`
    return apply


def PreStem(name=None):
    """Normalises [0, 255] RGB inputs with the ImageNet mean and standard deviation."""
    from minidl.keras import layers
    name = "prestem" if name is None else name

    def apply(x):
        return layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                    variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                                    name=f"{name}_prestem_normalization")(x)
    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """The classification head: global average pooling, layer norm, Dense ``num_classes``."""
    from minidl.keras import layers
    name = "head" if name is None else name

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """A ConvNeXt with ``depths[i]`` blocks of width ``projection_dims[i]`` in its four stages (a 4x4/4
    stem, then 2x2/2 downsampling convolutions, each a ``Sequential`` with its layer norm)."""
    from minidl.keras import layers
    from minidl.keras.models import Sequential
    img_input, input_shape = prepare_input(weights, include_top, classes, input_tensor, input_shape,
                                           default_size=default_size)
    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    stem = Sequential([layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
                       layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")], name=f"{name}_stem")
    downsample_layers = [stem] + [
        Sequential([layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
                    layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                                  name=f"{name}_downsampling_conv_{i}")], name=f"{name}_downsampling_block_{i}")
        for i in range(3)]
    depth_drop_rates = [float(rate) for rate in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        x = layers.LayerNormalization(epsilon=1e-6)(pooling_head(x, pooling))
    imagenet_file = None
    if weights == "imagenet" and weights_name in _HASHES:
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if list(depths) != expected["depths"] or list(projection_dims) != expected["projection_dims"]:
            raise ValueError(f"Architecture configuration does not match {weights_name} variant. When using "
                             "pre-trained weights, the model architecture must match the pre-trained configuration "
                             f"exactly. Expected depths: {expected['depths']}, got: {depths}. Expected "
                             f"projection_dims: {expected['projection_dims']}, got: {projection_dims}.")
        if weights_name not in name:
            raise ValueError(f'Model name "{name}" does not match weights variant "{weights_name}". When using '
                             'imagenet weights, model name must contain the weights variant (e.g., "convnext_'
                             f'{weights_name.split("convnext_")[-1]}").')
        file_name = name + (".h5" if include_top else "_notop.h5")
        imagenet_file = (file_name, _BASE + file_name, _HASHES[weights_name][0 if include_top else 1])
    return assemble_model(img_input, input_tensor, x, name, weights, imagenet_file)


def _variant(size):
    config = MODEL_CONFIGS[size]

    def build(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name=f"convnext_{size}"):
        return ConvNeXt(weights_name=f"convnext_{size}", depths=config["depths"],
                        projection_dims=config["projection_dims"], drop_path_rate=0.0, layer_scale_init_value=1e-6,
                        default_size=config["default_size"], name=name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    build.__name__ = build.__qualname__ = f"ConvNeXt{'XLarge' if size == 'xlarge' else size.capitalize()}"
    build.__doc__ = (f"Keras' {build.__name__} (stages of {config['depths']} blocks, widths "
                     f"{config['projection_dims']}); inputs are RGB images in [0, 255] (``include_preprocessing``); "
                     "without the top the features end in a layer norm (after the optional ``pooling``); other "
                     "arguments as :func:`minidl.keras.applications.vgg16.VGG16`.")
    return build


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: the ConvNeXt models normalise their inputs inside (as Keras')."""
    return x
