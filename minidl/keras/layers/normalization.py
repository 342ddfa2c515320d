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
from minidl.keras import initializers as _init
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
        self.renorm, self.renorm_momentum, self.synchronized = bool(renorm), renorm_momentum, synchronized
        if renorm:  # batch renormalisation (Ioffe 2017), as Keras 3
            renorm_clipping = renorm_clipping or {}
            keys = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(keys):
                raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                                 f"Supported values: {keys}.")
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in keys)
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError("rmax should be greater than rmin in the `renorm_clipping` argument. "
                                 f"Received: rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"dmax should be non-negative in the `renorm_clipping` argument. Received: "
                                 f"dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
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
        if self.renorm:
            def stddev_init(shape, dtype=None):
                return np.sqrt(np.asarray(_init.get(var_init)(shape, dtype=dtype or "float32")))
            self.moving_stddev = self.add_weight((c,), stddev_init, name="moving_stddev", trainable=False)
            self.renorm_mean = self.add_weight((c,), mean_init, name="renorm_mean", trainable=False)
            self.renorm_stddev = self.add_weight((c,), stddev_init, name="renorm_stddev", trainable=False)
        self.built = True

    def compute_output_shape(self, input_shape):
        if self.built and input_shape[self.axis] not in (None, self.moving_mean.shape[0]):
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"axis {self.axis} of input shape to have value {self.moving_mean.shape[0]}, "
                             f"but received input with shape {tuple(input_shape)}")
        return input_shape

    def _forward(self, x, training=False):
        if self._channel_axis != x.ndim - 1 or self.renorm:
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
        if self._channel_axis != x.ndim - 1 or self.renorm:
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
            if self.renorm:
                return to_internal(self._renormalised(xe, mean, var, shape))
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

    def _renormalised(self, xe, mean, var, shape):
        """Keras' training step with ``renorm``: the batch-normalised values corrected by ``r`` and ``d``
        (from the renorm statistics, clipped, without gradient), then the statistics updated."""
        eps = self.epsilon
        stddev = (var + eps).sqrt()
        renorm_mean = self.renorm_mean.reshape(*shape).detach()
        renorm_stddev = self.renorm_stddev.reshape(*shape).detach().clamp(min=float(np.sqrt(eps)))
        r = (stddev / renorm_stddev).detach()
        d = ((mean - renorm_mean) / renorm_stddev).detach()
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = r.clamp(min=clip["rmin"])
        if clip.get("rmax") is not None:
            r = r.clamp(max=clip["rmax"])
        if clip.get("dmax") is not None:
            d = d.clamp(-clip["dmax"], clip["dmax"])
        gamma = r * self.gamma.reshape(*shape) if self.scale else r
        beta = d * self.gamma.reshape(*shape) if self.scale else d
        if self.center:
            beta = beta + self.beta.reshape(*shape)
        out = (xe - mean) / stddev * gamma + beta
        batch_mean = mean.array.reshape(-1)
        batch_stddev = stddev.array.reshape(-1)
        rm, m = np.float32(self.renorm_momentum), np.float32(self.momentum)
        for buf, stat, mom in ((self.renorm_mean.array, batch_mean, rm), (self.renorm_stddev.array, batch_stddev, rm),
                               (self.moving_mean.array, batch_mean, m), (self.moving_stddev.array, batch_stddev, m)):
            buf *= mom
            buf += (1 - mom) * stat.astype(buf.dtype, copy=False)
        moving_stddev = self.moving_stddev.array
        xp = get_array_module(moving_stddev)
        self.moving_variance.array[...] = xp.maximum(moving_stddev * moving_stddev - np.float32(eps), 0)
        return out

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
                    gamma_regularizer=self.gamma_regularizer, synchronized=self.synchronized, renorm=self.renorm,
                    renorm_clipping=self.renorm_clipping, renorm_momentum=self.renorm_momentum,
                    **_constraint_config(self, "beta_constraint", "gamma_constraint"))


def _constraint_config(layer, *args):
    from minidl.keras.layers._constraint_args import constraint_config
    return constraint_config(layer, *args)
