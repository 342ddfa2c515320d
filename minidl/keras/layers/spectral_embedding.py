"""``SpectralNormalization`` (a wrapper dividing the wrapped layer's kernel by its largest singular
value) and ``ReversibleEmbedding`` (an embedding that also maps vectors back to vocabulary logits).

``SpectralNormalization(layer, power_iterations=1)``: in training, before the wrapped layer runs,
``power_iterations`` steps of the power method on the kernel reshaped to (-1, last) update the
non-trainable ``vector_u`` (1, last) and the kernel is replaced by ``kernel / sigma`` (in place, as
Keras assigns it), ``sigma = v @ W @ u^T``; inference runs the layer unchanged. Weights in Keras'
order: the wrapped layer's kernel (or embeddings), ``vector_u``, then its other weights.
"""
from __future__ import annotations

import numpy as np

from minidl.autograd import no_grad
from minidl.keras import initializers as _init
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._symbolic import UNSET
from minidl.keras.layers.attention import CallOptionsMixin
from minidl.keras.layers.embedding import Embedding
from minidl.keras.layers.input_spec import InputSpec
from minidl.keras.layers.wrappers import Wrapper
from minidl.ops import math as _math

__all__ = ["SpectralNormalization", "ReversibleEmbedding"]


def _l2_normalize(x):
    """``x / ||x||`` over all entries (Keras' ``normalize(x, axis=None)``: epsilon 1e-12 on the square)."""
    return x / np.sqrt(max(float((x * x).sum()), 1e-12))


class SpectralNormalization(Wrapper):
    """Spectral normalisation of the wrapped layer's ``kernel`` (or ``embeddings``), Keras' args
    ``layer`` and ``power_iterations=1`` (> 0)."""

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        """Build the wrapped layer, find its kernel and create ``vector_u`` (1, kernel.shape[-1])."""
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        object.__setattr__(self, "kernel", kernel)  # (a view of the wrapped layer's weight, not a new parameter)
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight((1, self.kernel_shape[-1]), _init.TruncatedNormal(stddev=0.02),
                                        trainable=False, name="vector_u")
        self.built = True

    @property
    def weights(self):
        """Keras' order: the kernel, ``vector_u``, then the wrapped layer's other weights."""
        return [self.kernel, self.vector_u] + [w for w in self.layer.weights if w is not self.kernel]

    def _keras_own_vars(self):
        """What a Keras weights file keeps in the wrapper's own ``vars``: the kernel and ``vector_u``."""
        return [self.kernel, self.vector_u]

    def compute_output_shape(self, input_shape):
        """The wrapped layer's output shape."""
        return self.layer.compute_output_shape(input_shape)

    def normalized_weights(self):
        """``(new vector_u, kernel / sigma)`` as NumPy arrays (Keras' layout), from the power method."""
        kernel = self.kernel.numpy()
        weights = kernel.reshape(-1, self.kernel_shape[-1]).astype(np.float64)
        u = self.vector_u.numpy().astype(np.float64)
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ weights.T)
            u = _l2_normalize(v @ weights)
        sigma = float((v @ weights @ u.T).item())
        return u.astype(kernel.dtype), (kernel / sigma).astype(kernel.dtype)

    def _forward(self, x, training=False):
        if training:
            with no_grad():
                if np.any(self.kernel.numpy() != 0):  # Keras leaves an all-zero kernel as it is
                    u, kernel = self.normalized_weights()
                    self.vector_u.assign(u)
                    self.kernel.assign(kernel)
        out, _ = self.layer._call_masked(x, None, training)
        return out

    def get_config(self):
        return dict(super().get_config(), power_iterations=self.power_iterations)


class ReversibleEmbedding(CallOptionsMixin, Embedding):
    """An ``Embedding`` that can also project back: ``layer(ids)`` -> (..., output_dim) vectors;
    ``layer(vectors, reverse=True)`` -> (..., input_dim) logits ``vectors @ embeddings^T`` (or
    ``@ reverse_embeddings`` (output_dim, input_dim) with ``tie_weights=False``), soft-capped as
    ``cap * tanh(logits / cap)`` with ``logit_soft_cap``. Keras' args; ``reverse_dtype`` casts both
    operands of the reverse product."""

    _option_defaults = {"reverse": False}

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer, embeddings_constraint=embeddings_constraint,
                         mask_zero=mask_zero, **kwargs)
        self.tie_weights, self.reverse_dtype, self.logit_soft_cap = bool(tie_weights), reverse_dtype, logit_soft_cap
        self.supports_masking = True  # ids' masks with mask_zero; none for logits

    def build(self, input_shape=None):
        """Create ``embeddings`` (input_dim, output_dim) and, untied, ``reverse_embeddings`` (output_dim, input_dim)."""
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight((self.output_dim, self.input_dim), self.embeddings_initializer,
                                                      name="reverse_embeddings")
        self.built = True

    def __call__(self, inputs, *args, reverse=False, training=UNSET, mask=None, **kwargs):
        """``layer(ids)`` embeds; ``layer(vectors, reverse=True)`` gives vocabulary logits (on arrays, or on
        ``keras.Input`` tensors in a functional model: the option is recorded on the node)."""
        if args:
            raise TypeError(f"ReversibleEmbedding {self.name}: unexpected positional arguments {args}")
        from minidl.keras.layers.base import KerasTensor, Layer
        options = {"reverse": bool(reverse)}
        with self.call_options(options):
            if isinstance(inputs, KerasTensor):  # the option is recorded on the graph node
                return Layer.__call__(self, inputs, training=training, mask=mask, **options, **kwargs)
            return Layer.__call__(self, inputs, training=training, mask=mask, **kwargs)

    def _forward(self, x, training=False):
        if not self._options["reverse"]:
            return super()._forward(x, training)
        xe = to_external(x)
        if xe.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding {self.name}: reverse=True needs inputs with last dimension "
                             f"{self.output_dim}, received shape {tuple(xe.shape)}")
        return to_internal(self._reverse_logits(xe))

    def _reverse_logits(self, x):
        kernel = self.embeddings.transpose(0, 1) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = np.dtype(self.reverse_dtype)
            x, kernel = x.to(dtype), kernel.to(dtype)
        logits = _math.matmul(x, kernel)
        if self.logit_soft_cap is not None:
            cap = float(self.logit_soft_cap)
            logits = (logits / cap).tanh() * cap
        return logits

    def compute_mask(self, inputs, mask=None):
        """The ``ids != 0`` mask with ``mask_zero`` (for the forward direction; none for logits)."""
        return None if self._options["reverse"] else super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        """(..., output_dim), or (..., input_dim) with ``reverse``."""
        if reverse or self._options["reverse"]:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), tie_weights=self.tie_weights, reverse_dtype=self.reverse_dtype,
                    logit_soft_cap=self.logit_soft_cap)
