"""``minidl.keras``: the Keras 3 API on minidl (``from minidl import keras``).

A Keras script runs with ``keras`` replaced by ``minidl.keras``::

    from minidl import keras
    from minidl.keras import layers

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1)

Arrays are channels-last (NHWC) at the edge, as in Keras; inside, the
layers are minidl modules on channels-first tensors, so minidl's kernels
run them. Weights read and written through ``get_weights``/``set_weights``
are in Keras' layout (Conv2D kernel (kh, kw, in, out), Dense kernel (in, out)).
See ``docs/keras_users.md``.
"""
from minidl.keras import (
                          activations,
                          backend,
                          callbacks,
                          datasets,
                          initializers,
                          layers,
                          losses,
                          metrics,
                          models,
                          ops,
                          optimizers,
                          random,
                          regularizers,
                          saving,
                          utils,
)
from minidl.keras.layers import Input, InputLayer, KerasTensor, Layer, Variable
from minidl.keras.models import Model, Sequential, load_model

config = backend
__version__ = "3.0.0"

__all__ = ["Sequential", "Model", "Input", "InputLayer", "Layer", "KerasTensor", "Variable",
           "load_model", "activations", "backend", "callbacks", "config", "datasets", "initializers",
           "layers", "losses", "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "utils"]

# session 11 (klayers): weight constraints
from minidl.keras import constraints  # noqa: E402

__all__ += ["constraints"]
from minidl.keras.layers.input_spec import InputSpec  # noqa: E402

__all__ += ["InputSpec"]
# session 11 (kimage): keras.preprocessing (image helpers, ImageDataGenerator)
from minidl.keras import preprocessing  # noqa: E402

__all__ += ["preprocessing"]
# Keras 3's config/serialization namespaces and top-level names (session 11).
from minidl.keras import dtype_policies, mixed_precision, tree  # noqa: E402

config = __import__("importlib").import_module("minidl.keras.config")  # the real module, not `backend`
from minidl.keras._toplevel import Function, device, name_scope, version  # noqa: E402
from minidl.keras.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402
from minidl.keras.initializers import Initializer  # noqa: E402
from minidl.keras.losses import Loss  # noqa: E402
from minidl.keras.metrics import Metric  # noqa: E402
from minidl.keras.optimizers import Optimizer  # noqa: E402
from minidl.keras.regularizers import Regularizer  # noqa: E402

__all__ += ["dtype_policies", "mixed_precision", "tree", "Function", "device", "name_scope", "version",
            "DTypePolicy", "FloatDTypePolicy", "Initializer", "Loss", "Metric", "Optimizer", "Regularizer"]
from minidl.keras import applications  # noqa: E402

__all__ += ["applications"]
