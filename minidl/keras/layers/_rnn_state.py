"""Where a recurrent layer's first states come from: ``initial_state=`` (eager calls), the states a
``stateful=True`` layer kept from its previous call, or zeros; and Keras' eager calling convention
(``[output, *states]`` with ``return_state``) shared by ``keras.layers.RNN`` and ``SimpleRNN``/``LSTM``/``GRU``.

A stateful layer keeps its final states (detached) after each call as ``layer.states`` and starts the
next call from them; ``reset_states()`` (or ``reset_state()``) sets them back to zeros. As in Keras the
batch size must then be fixed: known when the layer is built in a model (``Input(batch_shape=...)``)
and the same at every call.
"""
from __future__ import annotations

from minidl.keras.layers.base import KerasTensor

__all__ = ["RecurrentStateMixin"]


def _map(fn, states):
    if isinstance(states, (list, tuple)):
        return [_map(fn, s) for s in states]
    return fn(states)


def _first(states):
    return _first(states[0]) if isinstance(states, (list, tuple)) else states


class RecurrentStateMixin:
    """``stateful`` bookkeeping and the eager ``return_state``/``initial_state`` call of recurrent layers."""

    states = None

    def _check_stateful_batch(self, input_shape):
        if self.stateful and input_shape[0] is None:
            raise ValueError("When using `stateful=True` in a RNN, the batch size must be static. Found dynamic "
                             f"batch size: sequence.shape={tuple(input_shape)}")

    def _start_states(self, x, initial_state, zeros):
        """The states the sequence ``x`` starts from (``zeros()`` makes zero states)."""
        if initial_state is not None:
            return _map(lambda s: s.to(x.dtype), list(initial_state))
        if self.stateful and self.states is not None:
            expected = _first(self.states).shape[0]
            if expected != x.shape[0]:
                raise ValueError("If an RNN is stateful, the batch size of the input sequences must be the same as "
                                 f"the batch size of the initial state. \n- Expected batch size: {expected}\n"
                                 f"- Received batch size: {x.shape[0]}")
            return _map(lambda s: s.to(x.dtype), list(self.states))
        return zeros()

    def _keep_states(self, final_states):
        """Keep the final states of a stateful layer for its next call."""
        if self.stateful:
            self.__dict__["states"] = _map(lambda s: s.detach(), list(final_states))

    def reset_states(self):
        """Set a stateful layer's kept states to zeros."""
        if self.states is not None:
            self.__dict__["states"] = _map(lambda s: s.detach() * 0, list(self.states))

    def reset_state(self):
        """Same as :meth:`reset_states` (Keras 3's name)."""
        self.reset_states()

    def _call_eager_states(self, inputs, initial_state, kwargs):
        """Run eagerly on arrays/Tensors with ``initial_state`` and/or ``return_state``."""
        from minidl.keras._tensor import as_tensor
        from minidl.keras.layers._mask import as_mask
        from minidl.keras.layers._symbolic import eager_training
        t = as_tensor(inputs)
        self._ensure_built(tuple(t.shape))
        training = kwargs.get("training")
        mask = kwargs.get("mask")
        mask = as_mask(getattr(inputs, "_keras_mask", None) if mask is None else mask)
        if initial_state is not None:
            initial_state = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            initial_state = _map(as_tensor, list(initial_state))
        return self._forward_masked(t, mask, eager_training(self, training), initial_state)

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        """Keras' ``layer(sequences, initial_state=None, mask=None, training=None)``: on arrays it runs at
        once (``[output, *states]`` with ``return_state``); on ``keras.Input`` tensors it records a node
        whose parents are the sequences and then the initial states (one output per state too with
        ``return_state``)."""
        if args and initial_state is None:  # Keras' positional `initial_state`, or a reloaded node's parents
            initial_state = args[0] if len(args) == 1 else list(args)
            args = ()
        states = None if initial_state is None else _flatten(initial_state)
        if isinstance(inputs, KerasTensor) or any(isinstance(s, KerasTensor) for s in states or ()):
            if not isinstance(inputs, KerasTensor) or not all(isinstance(s, KerasTensor) for s in states or ()):
                raise TypeError(f"Layer {self.name}: in a functional model the sequences and every initial state "
                                "must be symbolic tensors")
            if self.return_state and any(isinstance(s, (list, tuple)) for s in self._state_sizes()):
                raise NotImplementedError(f"{type(self).__name__}: return_state=True with nested state sizes "
                                          "(stacked multi-state cells) in a functional model is not supported by "
                                          "minidl.keras")
            return super().__call__(inputs, *(states or ()), *args, **kwargs)
        if self.return_state or initial_state is not None:  # eager: [output, *states] / given states
            return self._call_eager_states(inputs, initial_state, kwargs)
        return super().__call__(inputs, *args, **kwargs)

    def _keras_node_kwargs(self, args):
        """A saved graph node's ``(args, kwargs)`` as Keras writes it: the sequences as the argument, the
        other parents as ``initial_state``."""
        return args[:1], {"initial_state": list(args[1:])}

    def _keras_build_config(self):
        """Keras' build config: ``input_shape``, or with initial states its ``shapes_dict``."""
        shape = self._build_shape
        if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
            return {"shapes_dict": {"sequences_shape": shape[0], "initial_state_shape": list(shape[1:])}}
        return {"input_shape": shape}

    @staticmethod
    def _split_sequences(x, initial_state):
        """A functional node's ``[sequences, *initial states]`` split (else ``x`` unchanged)."""
        if isinstance(x, (list, tuple)):
            return x[0], (list(x[1:]) or None)
        return x, initial_state

    @staticmethod
    def _sequence_shape(input_shape):
        """The sequences' shape of a build/output-shape call that may list the states' shapes too."""
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            return tuple(input_shape[0])
        return input_shape


def _flatten(states):
    if isinstance(states, (list, tuple)):
        return [t for s in states for t in _flatten(s)]
    return [states]
