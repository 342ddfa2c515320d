"""``BatchNormalization`` with Keras' defaults and update rule.

Training: normalise with the batch mean and (biased) variance, then
``moving_mean = momentum * moving_mean + (1 - momentum) * batch_mean`` and
the same for ``moving_variance`` with the biased batch variance (Keras;
PyTorch uses the unbiased one and the opposite momentum convention).
Inference, or ``trainable=False``: normalise with the moving statistics.
``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``; defaults
``momentum=0.99``, ``epsilon=1e-3``.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl import kernels
from minidl.backend import get_array_module
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._mask import float_mask
from minidl.keras.layers.base import Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Per-channel normalisation of ``axis`` (default the last, the channels) of inputs of any rank >= 2.

    Weights (Keras' order): ``gamma``, ``beta`` (trainable), ``moving_mean``,
    ``moving_variance`` (not trainable). A mask (batch, ...) of one dimension less than the
    inputs (e.g. (batch, steps) on (batch, steps, channels), from ``Embedding(mask_zero=True)``
    or ``mask=``) keeps the masked entries out of the batch statistics in training, as Keras
    does (``mean = sum(mask * x) / (sum(mask) + 1e-7)``, the variance likewise); the output at
    every position is normalised with them, and the mask passes on unchanged.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization: renorm=True is not supported by minidl.keras")
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        # one axis (Keras' int(axis): a list of several is a TypeError); a one-item list from a tf.keras config
        self.axis = int(axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self._initializers = (beta_initializer, gamma_initializer, moving_mean_initializer,
                              moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer

    def build(self, input_shape):
        rank = len(input_shape)
        if rank < 2:
            raise ValueError(f"BatchNormalization {self.name}: inputs must have a batch and a channel axis, "
                             f"got shape {tuple(input_shape)}")
        if not isinstance(self.axis, int) or not -rank <= self.axis < rank:
            raise ValueError(f"BatchNormalization {self.name}: axis must be one int naming an axis of inputs of "
                             f"rank {rank}, got axis={self.axis}")
        self._channel_axis = self.axis % rank
        c = input_shape[self._channel_axis]
        beta_init, gamma_init, mean_init, var_init = self._initializers
        if self.scale:
            self.gamma = self.add_weight((c,), gamma_init, name="gamma",
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight((c,), beta_init, name="beta",
                                        regularizer=self.beta_regularizer)
        self.moving_mean = self.add_weight((c,), mean_init, name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight((c,), var_init, name="moving_variance",
                                               trainable=False)
        self.built = True

    def compute_output_shape(self, input_shape):
        if self.built and input_shape[self.axis] not in (None, self.moving_mean.shape[0]):
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"axis {self.axis} of input shape to have value {self.moving_mean.shape[0]}, "
                             f"but received input with shape {tuple(input_shape)}")
        return input_shape

    def _forward(self, x, training=False):
        if self._channel_axis != x.ndim - 1:
            return self._forward_other_axis(x, None, training)
        if x.ndim not in (2, 4):
            return self._forward_masked(x, None, training)
        gamma = self.gamma if self.scale else None
        beta = self.beta if self.center else None
        if not (training and self.trainable):
            return F.batch_norm(x, self.moving_mean, self.moving_variance, gamma, beta,
                                training=False, eps=self.epsilon)
        out = F.batch_norm(x, None, None, gamma, beta, training=True, eps=self.epsilon)
        self._update_moving(x.array)
        return out

    def _forward_masked(self, x, mask, training=False):
        """Channels-last normalisation in Tensor ops; in training the statistics skip masked entries."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None and mask.ndim != x.ndim - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. Received: "
                             f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(to_external(x).shape)}")
        if self._channel_axis != x.ndim - 1:
            return self._forward_other_axis(x, mask, training)
        xe = to_external(x)
        axes = tuple(range(xe.ndim - 1))
        if training and self.trainable:
            if mask is None:
                mean = xe.mean(dim=axes)
                var = ((xe - mean) ** 2).mean(dim=axes)
            else:  # Keras' masked moments
                weights = float_mask(mask, xe).expand(*xe.shape)
                total = weights.sum(dim=axes) + 1e-7
                mean = (xe * weights).sum(dim=axes) / total
                var = (((xe - mean) * weights) ** 2).sum(dim=axes) / total
            m = np.float32(self.momentum)
            for buf, stat in ((self.moving_mean.array, mean.array), (self.moving_variance.array, var.array)):
                buf *= m
                buf += (1 - m) * stat.astype(buf.dtype, copy=False)
        else:
            mean, var = self.moving_mean, self.moving_variance
        out = (xe - mean) / (var + self.epsilon).sqrt()
        if self.scale:
            out = out * self.gamma
        if self.center:
            out = out + self.beta
        return to_internal(out)

    def _forward_other_axis(self, x, mask, training):
        """Normalisation of a channel axis other than the last (``axis=1`` on channels-first data), in Tensor
        ops on the Keras-layout tensor: the statistics reduce every other axis (skipping masked entries)."""
        xe = to_external(x)
        axes = tuple(d for d in range(xe.ndim) if d != self._channel_axis)
        shape = [1] * xe.ndim
        shape[self._channel_axis] = -1
        if training and self.trainable:
            if mask is None:
                mean = xe.mean(dim=axes, keepdim=True)
                var = ((xe - mean) ** 2).mean(dim=axes, keepdim=True)
            else:   # Keras' masked moments: the mask (one dimension less) weighs every channel of an entry
                weights = float_mask(mask, xe).expand(*xe.shape)
                total = weights.sum(dim=axes, keepdim=True) + 1e-7
                mean = (xe * weights).sum(dim=axes, keepdim=True) / total
                var = (((xe - mean) * weights) ** 2).sum(dim=axes, keepdim=True) / total
            m = np.float32(self.momentum)
            for buf, stat in ((self.moving_mean.array, mean.array), (self.moving_variance.array, var.array)):
                buf *= m
                buf += (1 - m) * stat.reshape(-1).astype(buf.dtype, copy=False)
        else:
            mean, var = self.moving_mean.reshape(*shape), self.moving_variance.reshape(*shape)
        out = (xe - mean) / (var + self.epsilon).sqrt()
        if self.scale:
            out = out * self.gamma.reshape(*shape)
        if self.center:
            out = out + self.beta.reshape(*shape)
        return to_internal(out)

    def _update_moving(self, data):
        """Keras' moving-average update with the biased batch statistics."""
        mean, var = kernels.channel_mean_var(get_array_module(data).ascontiguousarray(data))
        m = np.float32(self.momentum)
        for buf, stat in ((self.moving_mean.array, mean), (self.moving_variance.array, var)):
            buf *= m
            buf += (1 - m) * stat.astype(buf.dtype, copy=False)

    def get_config(self):
        beta_init, gamma_init, mean_init, var_init = self._initializers
        return dict(super().get_config(), axis=self.axis, momentum=self.momentum,
                    epsilon=self.epsilon, center=self.center, scale=self.scale, beta_initializer=beta_init,
                    gamma_initializer=gamma_init, moving_mean_initializer=mean_init,
                    moving_variance_initializer=var_init, beta_regularizer=self.beta_regularizer,
                    gamma_regularizer=self.gamma_regularizer,
                    **_constraint_config(self, "beta_constraint", "gamma_constraint"))


def _constraint_config(layer, *args):
    from minidl.keras.layers._constraint_args import constraint_config
    return constraint_config(layer, *args)
