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
        from minidl.keras.layers.base import _TRAINING
        t = as_tensor(inputs)
        self._ensure_built(tuple(t.shape))
        training = kwargs.get("training")
        mask = kwargs.get("mask")
        mask = as_mask(getattr(inputs, "_keras_mask", None) if mask is None else mask)
        if initial_state is not None:
            initial_state = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            initial_state = _map(as_tensor, list(initial_state))
        return self._forward_masked(t, mask, bool(_TRAINING[0] if training is None else training), initial_state)

    def _reject_symbolic_states(self, inputs, initial_state):
        name = type(self).__name__
        if self.return_state and isinstance(inputs, KerasTensor):
            raise NotImplementedError(f"{name}: return_state=True in a functional model is not supported by "
                                      "minidl.keras (call the layer on arrays instead)")
        flat = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
        if any(isinstance(s, KerasTensor) for s in flat) or (initial_state is not None and
                                                             isinstance(inputs, KerasTensor)):
            raise NotImplementedError(f"{name}: initial_state in a functional model is not supported by "
                                      "minidl.keras (pass arrays in an eager call instead)")
