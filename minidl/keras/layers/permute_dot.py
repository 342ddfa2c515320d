"""``Permute`` (reorder the non-batch axes) and ``Dot`` (batched dot product of two tensors) of
the Keras facade, with Keras 3's arguments; both compute in Keras' channels-last layout."""
from __future__ import annotations

from minidl.keras._tensor import permute, to_external, to_internal
from minidl.keras.layers.base import Layer
from minidl.keras.layers.normalization_more import l2_normalize
from minidl.ops.einsum import einsum

__all__ = ["Permute", "Dot", "dot"]


class Permute(Layer):
    """Reorder the non-batch axes: ``dims`` is a permutation of ``1..rank-1`` (``Permute((2, 1))``
    turns (batch, steps, features) into (batch, features, steps)). The mask does not pass."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")

    def _check(self, shape):
        if len(shape) != len(self.dims) + 1:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={len(self.dims) + 1}, found ndim={len(shape)}. Full shape received: "
                             f"{tuple(shape)}")

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def _forward(self, x, training=False):
        xe = to_external(x)
        self._check(tuple(xe.shape))
        return to_internal(permute(xe, (0,) + self.dims))

    def get_config(self):
        return dict(super().get_config(), dims=self.dims)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Dot(Layer):
    """Batched dot product of two inputs along ``axes`` (an int, or one axis per input; batch axis
    0 excluded), optionally of their L2-normalised versions (``normalize=True``: cosine
    similarity). Output: the first input's remaining axes, then the second's (without the batch);
    two 2-D inputs give (batch, 1), as Keras' ``batch_dot``. The output carries no mask.
    """

    supports_masking = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. Received: "
                                f"axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two elements. Received: "
                                 f"axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be integers. "
                                 f"Received: axes={axes}")
        self.axes = axes
        self.normalize = bool(normalize)

    def compute_mask(self, inputs, mask=None):
        """None: the output carries no mask (as Keras' ``Dot``)."""
        return None

    def _axes_for(self, shape1, shape2):
        if isinstance(self.axes, int):
            return ([self.axes % len(shape1), self.axes % len(shape2)] if self.axes < 0 else [self.axes] * 2)
        return [a % len(s) if a < 0 else a for a, s in zip(self.axes, (shape1, shape2))]

    def _check(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"Dot layer {self.name} should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(f"Dot layer {self.name}: cannot do batch_dot on inputs with rank < 2. Received "
                             f"inputs with shapes {shape1} and {shape2}.")
        a0, a1 = self._axes_for(shape1, shape2)
        if a0 == 0 or a1 == 0 or a0 >= len(shape1) or a1 >= len(shape2):
            raise ValueError(f"Dot layer {self.name}: invalid axes {self.axes} for input shapes {shape1} and "
                             f"{shape2} (the batch axis 0 cannot be reduced)")
        if shape1[a0] is not None and shape2[a1] is not None and shape1[a0] != shape2[a1]:
            raise ValueError(f"Dot layer {self.name}: incompatible input shapes: axis values {shape1[a0]} (at "
                             f"axis {a0}) != "
                             f"{shape2[a1]} (at axis {a1}). Full input shapes: {shape1}, {shape2}")
        return shape1, shape2, a0, a1

    def build(self, input_shape):
        """Validate the two input shapes."""
        self._check(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape1, shape2, a0, a1 = self._check(input_shape)
        out = [d for i, d in enumerate(shape1) if i != a0] + [d for i, d in enumerate(shape2) if i not in (0, a1)]
        return tuple(out + [1] if len(out) == 1 else out)

    def _forward(self, xs, training=False):
        if len(xs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {len(xs)} inputs")
        x1, x2 = to_external(xs[0]), to_external(xs[1])
        _, _, a0, a1 = self._check([tuple(x1.shape), tuple(x2.shape)])
        if self.normalize:
            x1, x2 = l2_normalize(x1, a0, 1e-7), l2_normalize(x2, a1, 1e-7)
        n1, n2 = x1.ndim, x2.ndim
        s1 = "a" + _LETTERS[1:n1]
        s2 = list("a" + _LETTERS[n1:n1 + n2 - 1])
        s2[a1] = s1[a0]
        s2 = "".join(s2)
        out_s = "a" + "".join(c for i, c in enumerate(s1) if i not in (0, a0)) + \
            "".join(c for i, c in enumerate(s2) if i not in (0, a1))
        out = einsum(f"{s1},{s2}->{out_s}", x1, x2)
        if out.ndim == 1:
            out = out.unsqueeze(1)
        return to_internal(out)

    def get_config(self):
        return dict(super().get_config(), axes=self.axes, normalize=self.normalize)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
