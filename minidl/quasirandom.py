"""``minidl.quasirandom`` (as ``torch.quasirandom``): :class:`SobolEngine`, Sobol' low-discrepancy sequences.

The points are PyTorch's: the same direction numbers (Joe and Kuo's, ``minidl/_sobol_directions.py``; minidl
ships the first 256 dimensions), the same Gray-code order, and for ``scramble=True`` the same random linear
matrix scramble and digital shift drawn with ``randint`` from a Generator seeded with ``seed`` (minidl's
generators give PyTorch's integers), so ``draw`` returns PyTorch's values, scrambled or not.

>>> import minidl as mdl
>>> mdl.quasirandom.SobolEngine(dimension=2).draw(4)
tensor([[0.0000, 0.0000],
        [0.5000, 0.5000],
        [0.7500, 0.2500],
        [0.2500, 0.7500]])
"""
from __future__ import annotations

import numpy as np

from ._sobol_directions import DIRECTIONS

__all__ = ["SobolEngine"]


def _direction_numbers(dimension, maxbit):
    """(dimension, maxbit) int64: the direction numbers v_{d,j}, scaled to ``maxbit`` bits."""
    state = np.zeros((dimension, maxbit), dtype=np.int64)
    state[0, :] = 1
    for d in range(1, dimension):
        poly, initial = DIRECTIONS[d]
        degree = poly.bit_length() - 1
        state[d, :degree] = initial
        for j in range(degree, maxbit):
            value = state[d, j - degree]
            pow2 = 1
            for k in range(degree):
                pow2 <<= 1
                if (poly >> (degree - 1 - k)) & 1:
                    value ^= pow2 * state[d, j - k - 1]
            state[d, j] = value
    return state * (np.int64(1) << np.arange(maxbit - 1, -1, -1, dtype=np.int64))


def _rightmost_zero(n):
    """The index of the lowest 0 bit of ``n``."""
    return ((~n) & (n + 1)).bit_length() - 1


class SobolEngine:
    """``SobolEngine(dimension, scramble=False, seed=None)``: draws points of the Sobol' sequence in
    ``[0, 1)^dimension`` (``dimension`` from 1 to 256 in minidl; PyTorch's table goes to 21201).

    ``scramble=True`` applies a random linear matrix scramble and digital shift (Owen-type), reproducible with
    ``seed``. Methods: :meth:`draw`, :meth:`draw_base2`, :meth:`fast_forward`, :meth:`reset`.
    """

    MAXBIT = 30
    MAXDIM = len(DIRECTIONS)

    def __init__(self, dimension, scramble=False, seed=None):
        if dimension > self.MAXDIM or dimension < 1:
            raise ValueError(f"Supported range of dimensionality for SobolEngine is [1, {self.MAXDIM}] in minidl "
                             f"(PyTorch's goes to 21201: minidl ships Joe and Kuo's table for the first "
                             f"{self.MAXDIM} dimensions); got dimension={dimension}")
        self.seed, self.scramble, self.dimension = seed, scramble, dimension
        self._state = _direction_numbers(dimension, self.MAXBIT)
        if scramble:
            self._scramble()
        else:
            self._shift = np.zeros(dimension, dtype=np.int64)
        self._quasi = self._shift.copy()
        # PyTorch computes the first point once, in the default dtype of construction time
        import minidl

        from .dtypes import to_numpy_dtype
        default = to_numpy_dtype(minidl.get_default_dtype())
        self._first_point = (self._quasi.astype(np.float64) / 2.0 ** self.MAXBIT).astype(default)
        self.num_generated = 0

    def _scramble(self):
        from . import mt19937
        from .generator import Generator
        gen = Generator()
        if self.seed is not None:
            gen.manual_seed(self.seed)
        else:
            gen.seed()
        rng = gen.numpy_generator()
        shift_bits = mt19937.integers(rng, (self.dimension, self.MAXBIT), 0, 2)
        self._shift = shift_bits @ (np.int64(1) << np.arange(self.MAXBIT, dtype=np.int64))
        ltm = np.tril(mt19937.integers(rng, (self.dimension, self.MAXBIT, self.MAXBIT), 0, 2))
        ltm[:, np.arange(self.MAXBIT), np.arange(self.MAXBIT)] = 1
        rows = ltm @ (np.int64(1) << np.arange(self.MAXBIT - 1, -1, -1, dtype=np.int64))   # (dim, MAXBIT)
        bits = np.arange(self.MAXBIT, dtype=np.int64)
        for d in range(self.dimension):
            row_bits = (rows[d][:, None] >> bits) & 1                   # (p, k): bit k of row p
            for j in range(self.MAXBIT):
                v_bits = (self._state[d, j] >> bits) & 1
                parity = (row_bits @ v_bits) % 2                         # one bit per row p
                # row p = MAXBIT-1 is the lowest bit of the result, row 0 the highest
                self._state[d, j] = int((parity[::-1] << bits).sum())

    def _advance(self, n, start, out=None):
        """XOR ``n`` direction vectors into the current point, from Gray-code index ``start``."""
        for i in range(n):
            self._quasi = self._quasi ^ self._state[:, _rightmost_zero(start + i)]
            if out is not None:
                out[i] = self._quasi

    def draw(self, n=1, out=None, dtype=None):
        """The next ``n`` points, a (n, dimension) Tensor of ``dtype`` (default float dtype); with ``out``,
        written into it."""
        import minidl

        from .dtypes import to_numpy_dtype
        np_dtype = to_numpy_dtype(dtype if dtype is not None else minidl.get_default_dtype())
        points = np.zeros((n, self.dimension), dtype=np.int64)
        first = self.num_generated == 0
        if first:
            self._advance(max(n - 1, 0), 0, points[1:])
        else:
            self._advance(n, self.num_generated - 1, points)
        self.num_generated += n
        values = (points.astype(np.float64) / 2.0 ** self.MAXBIT).astype(np_dtype)
        if first and n >= 1:
            values[0] = self._first_point.astype(np_dtype)
        result = minidl.tensor(values)
        if out is not None:
            out.resize_(result.shape)
            out.copy_(result)
            return out
        return result

    def draw_base2(self, m, out=None, dtype=None):
        """The next ``2**m`` points; ValueError unless the total drawn stays a power of 2 (the balance
        properties of Sobol' points)."""
        n = 2 ** m
        total_n = self.num_generated + n
        if not (total_n & (total_n - 1) == 0):
            raise ValueError("The balance properties of Sobol' points require n to be a power of 2. "
                             f"{self.num_generated} points have been previously generated, then: "
                             f"n={self.num_generated}+2**{m}={total_n}. If you still want to do this, please use "
                             "'SobolEngine.draw()' instead.")
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self):
        """Back to the first point; returns self."""
        self._quasi = self._shift.copy()
        self.num_generated = 0
        return self

    def fast_forward(self, n):
        """Skip the next ``n`` points; returns self."""
        if self.num_generated == 0:
            self._advance(max(n - 1, 0), 0)
        else:
            self._advance(n, self.num_generated - 1)
        self.num_generated += n
        return self

    @property
    def sobolstate(self):
        """The (dimension, MAXBIT) int64 direction numbers (after scrambling), as PyTorch's attribute."""
        import minidl
        return minidl.tensor(self._state.copy())

    @property
    def shift(self):
        """The (dimension,) int64 digital shift (zeros unless scrambled)."""
        import minidl
        return minidl.tensor(self._shift.copy())

    @property
    def quasi(self):
        """The (dimension,) int64 current point, before scaling by ``2**-MAXBIT``."""
        import minidl
        return minidl.tensor(self._quasi.copy())

    def __repr__(self):
        parts = [f"dimension={self.dimension}"]
        if self.scramble:
            parts.append("scramble=True")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return f"SobolEngine({', '.join(parts)})"
