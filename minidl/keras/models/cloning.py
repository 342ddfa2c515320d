"""``keras.models.clone_model``: a model of the same architecture with new layers (fresh weights), or the
layers ``clone_function`` gives, called on new (or the given) inputs, as Keras 3's."""
from __future__ import annotations

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A copy of a Sequential or functional ``model``.

    ``clone_function(layer)`` gives each layer of the copy (default: a new layer from the layer's config;
    ``lambda layer: layer`` shares the layers); ``call_function(layer, *args, **kwargs)`` calls each layer of
    a functional copy (to insert layers around it); ``input_tensors`` (functional models) are the copy's
    inputs; ``recursive=True`` clones nested Sequential/functional models with the same functions instead of
    handing them to ``clone_function`` whole.
    """
    from minidl.keras.models.model import Model
    from minidl.keras.models.saving import model_config, model_from_config
    from minidl.keras.models.sequential import Sequential
    kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    sequential = isinstance(model, Sequential)
    functional = not sequential and _is_functional(model)
    if not (sequential or functional):
        if clone_function is not None or input_tensors is not None or call_function is not None:
            raise ValueError("Arguments `clone_function`, `call_function` and `input_tensors` are only supported "
                             f"for Sequential models or Functional models. Received model of type "
                             f"'{type(model).__name__}'")
        return type(model).from_config(model.get_config())
    if sequential and call_function is not None:
        raise ValueError("`call_function` argument is not supported with Sequential models.  In a Sequential model, "
                         "layers aren't called at model-construction time (they're merely listed). Use "
                         "`call_function` with Functional models only.")
    if sequential and input_tensors is not None:
        return _clone_sequential_on(model, input_tensors, clone_function, recursive)
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: "
                         f"clone_function={clone_function}")
    by_name = {layer.name: layer for layer in model.layers}

    def make_layer(entry):
        layer = by_name.get(entry.get("name") or entry.get("config", {}).get("name"))
        if layer is None:
            return None
        if recursive and isinstance(layer, Model) and (isinstance(layer, Sequential) or _is_functional(layer)):
            inner_call = None if isinstance(layer, Sequential) else call_function
            return clone_model(layer, clone_function=clone_function, call_function=inner_call, recursive=True)
        return clone_function(layer) if clone_function is not None else None

    return model_from_config(model_config(model, compile_config=False), make_layer=make_layer,
                             input_tensors=input_tensors, call_function=call_function)


def _clone_sequential_on(model, input_tensors, clone_function, recursive):
    """Keras' Sequential clone built on ``input_tensors`` (one KerasTensor, or a list of one): the clone's
    InputLayer adopts that tensor (under the original input's name)."""
    from minidl.keras.layers.base import InputLayer, KerasTensor
    from minidl.keras.models.sequential import Sequential
    if isinstance(input_tensors, (list, tuple)):
        if len(input_tensors) != 1:
            raise ValueError("Argument `input_tensors` must contain a single tensor.")
        input_tensors = input_tensors[0]
    if not isinstance(input_tensors, KerasTensor):
        raise ValueError(f"Argument `input_tensors` must be a KerasTensor. Received invalid value: "
                         f"input_tensors={input_tensors}")
    clone = clone_model(model, clone_function=clone_function, recursive=recursive)
    original_input = next((layer for layer in getattr(model, "_layers", []) if isinstance(layer, InputLayer)), None)
    name = original_input.name if original_input is not None else None
    inputs = InputLayer(input_tensor=input_tensors, name=name)._symbolic_output
    return Sequential([inputs] + list(clone.layers), name=model.name, trainable=model.trainable)


def _is_functional(model):
    """A model built from symbolic inputs and outputs (``Model(inputs, outputs)``, not a subclass)."""
    from minidl.keras.models.model import Model
    return type(model) is Model and model.__dict__.get("_graph") is not None
