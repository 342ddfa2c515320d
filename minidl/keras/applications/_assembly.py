"""What every ``keras.applications`` builder does around its own layers: check ``weights`` /
``classes`` and the input shape, make the input, end in the classifier top or the optional global
``pooling``, build the functional model and load its weights (Keras' ImageNet file or a path)."""
from __future__ import annotations

from minidl.keras.applications import imagenet_utils

__all__ = ["prepare_input", "classifier_top", "pooling_head", "assemble_model"]


def prepare_input(weights, include_top, classes, input_tensor, input_shape, default_size, min_size=32):
    """Keras' argument checks, then the input: returns ``(img_input, input_shape)`` where
    ``input_shape`` is the per-sample (H, W, C) shape (``default_size`` square when None, at least
    ``min_size`` pixels, static with the top) and ``img_input`` a new ``keras.Input`` or ``input_tensor``."""
    imagenet_utils.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                                    data_format="channels_last", require_flatten=include_top,
                                                    weights=weights)
    return imagenet_utils.input_layer(input_tensor, input_shape), input_shape


def pooling_head(x, pooling, avg_name=None, max_name=None):
    """Without the top: ``GlobalAveragePooling2D`` (``pooling="avg"``), ``GlobalMaxPooling2D``
    (``"max"``) or nothing (None), named ``avg_name`` / ``max_name`` (None: automatic names)."""
    from minidl.keras import layers
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_top(x, include_top, pooling, classes, classifier_activation, weights, pool_names=(None, None),
                   top_pool_name="avg_pool"):
    """The common ending: with the top, global average pooling (``top_pool_name``) and the Dense
    ``predictions`` layer (``classes`` units, ``classifier_activation``, which must be softmax or None
    with pretrained weights); without it, :func:`pooling_head` with ``pool_names`` (avg, max)."""
    from minidl.keras import layers
    if not include_top:
        return pooling_head(x, pooling, *pool_names)
    x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def assemble_model(img_input, input_tensor, outputs, name, weights, imagenet_file=None):
    """The functional model from the input (the sources of ``input_tensor`` when given) to ``outputs``,
    with its weights: ``weights="imagenet"`` loads ``imagenet_file`` = ``(file_name, url, md5 or
    None)`` from ``$KERAS_HOME/models`` (or downloads it; None: nothing to load), and a path loads
    that file."""
    from minidl.keras.models import Model
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), outputs, name=name)
    if weights == "imagenet":
        if imagenet_file is not None:
            imagenet_utils.load_imagenet_weights(model, *imagenet_file)
    elif weights is not None:
        model.load_weights(weights)
    return model
