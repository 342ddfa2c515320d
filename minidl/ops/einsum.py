"""``einsum``: Einstein summation over any subscripts, differentiable to any order.

The equation is first rewritten with one letter per dimension (an ellipsis
becomes fresh letters, an implicit output the letters seen once, in
PyTorch's order: ellipsis first, then upper case before lower case). The
gradient of operand ``i`` is itself an einsum: the output gradient contracted
with the other operands back to operand ``i``'s subscripts. Two cases need
help there: a letter repeated in operand ``i`` (a diagonal, ``"ii->i"``) gets
a fresh letter and an identity matrix tying the two, and a letter found only
in operand ``i`` (summed away, ``"ij->i"``) gets a vector of ones, so the
gradient is broadcast over it.
"""
from __future__ import annotations

import collections
import string

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor, as_tensor
from .complex_conj import cj, cj_t

__all__ = ["einsum"]

LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _gradient_spec(terms, out, i, sizes):
    """How to compute operand ``i``'s gradient: (input terms after g and the others, extra constants, target).

    ``extra`` lists ("eye", n) / ("ones", n) constants with their subscripts appended to the terms.
    """
    used = set("".join(terms) + out)
    fresh = iter(c for c in LETTERS if c not in used)
    others = [t for j, t in enumerate(terms) if j != i]
    present = set(out + "".join(others))
    target, seen, extra_terms, extra = [], set(), [], []
    for c in terms[i]:
        if c in seen:                      # repeated letter: a diagonal, tied by an identity
            f = next(fresh)
            target.append(f)
            extra_terms.append(c + f)
            extra.append(("eye", sizes[c]))
            continue
        seen.add(c)
        target.append(c)
        if c not in present:               # summed away in operand i only: broadcast the gradient over it
            extra_terms.append(c)
            extra.append(("ones", sizes[c]))
            present.add(c)
    inputs = ",".join([out] + others + extra_terms)
    return f"{inputs}->{''.join(target)}", extra


class Einsum(Function):
    """einsum(terms -> out) on operands already checked to have the sizes the letters say."""

    def forward(self, *arrays, terms=(), out="", sizes=None):
        self.terms, self.out, self.sizes = terms, out, sizes
        n = len(arrays)   # PyTorch's einsum (bmm's) saves an operand where another one needs a gradient
        self._saved_inputs = {i: tuple(j for j in range(n) if j != i) for i in range(n)}
        equation = ",".join(terms) + "->" + out
        xp = get_array_module(arrays[0])
        return xp.einsum(equation, *arrays, optimize=len(arrays) > 1)

    def _grad_equation(self, i):
        return _gradient_spec(self.terms, self.out, i, self.sizes)

    def backward(self, g):
        xp = get_array_module(g)
        grads = []
        for i in range(len(self.terms)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            equation, extra = self._grad_equation(i)
            others = [cj(self.inputs[j].array) for j in range(len(self.terms)) if j != i]   # complex: conj
            consts = [xp.eye(n, dtype=g.dtype) if kind == "eye" else xp.ones(n, dtype=g.dtype) for kind, n in extra]
            operands = [g] + others + consts
            grads.append(xp.einsum(equation, *operands, optimize=len(operands) > 1))
        return tuple(grads) if len(grads) > 1 else grads[0]

    def backward_graph(self, g):
        xp = get_array_module(g.array)
        grads = []
        for i in range(len(self.terms)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            equation, extra = self._grad_equation(i)
            lhs, target = equation.split("->")
            others = [cj_t(self.inputs[j]) for j in range(len(self.terms)) if j != i]
            consts = [Tensor(xp.eye(n, dtype=g.array.dtype) if kind == "eye" else xp.ones(n, dtype=g.array.dtype))
                      for kind, n in extra]
            operands = [g] + others + consts
            grads.append(Einsum.apply(*operands, terms=tuple(lhs.split(",")), out=target,
                                      sizes=_sizes_of(lhs.split(","), operands)))
        return tuple(grads) if len(grads) > 1 else grads[0]


def _sizes_of(terms, operands):
    sizes = {}
    for term, op in zip(terms, operands):
        for c, n in zip(term, op.array.shape):
            sizes[c] = max(sizes.get(c, 1), int(n))
    return sizes


def _from_sublists(args):
    """PyTorch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as (equation, operands)."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < len(LETTERS):
                out.append(LETTERS[s])
            else:
                raise ValueError(f"einsum(): subscript in sublist format must be in range [0, 52), got {s!r}")
        return "".join(out)
    operands = list(args[0::2][:len(args) // 2])
    terms = [letters(s) for s in args[1::2][:len(args) // 2]]
    equation = ",".join(terms)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, operands


def _parse(equation, shapes):
    """(terms, output) with an ellipsis expanded into letters; checks the operand count and ranks."""
    eq = equation.replace(" ", "")
    bad = set(eq) - set(LETTERS) - set(".,->")
    if bad:
        raise RuntimeError(f"einsum(): invalid subscript given in the equation {equation!r}: {sorted(bad)} "
                           f"(subscripts must be letters in [a-zA-Z])")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError(f"einsum(): fewer operands were provided than specified in the equation {equation!r}")
    if len(terms) < len(shapes):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation {equation!r}")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in LETTERS if c not in used]
    n_ell = 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = term.replace("...", "")
        if "." in named:
            raise RuntimeError(f"einsum(): found '.' for operand {i} that is not part of any ellipsis")
        if "..." in term:
            n_ell = max(n_ell, len(shape) - len(named))
            if len(shape) < len(named):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) is more "
                                   f"than the number of dimensions ({len(shape)}) for operand {i}")
        elif len(named) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {i} and no ellipsis was given")
    ell = "".join(free[:n_ell])
    expanded = []
    for term, shape in zip(terms, shapes):
        k = len(shape) - len(term.replace("...", ""))
        expanded.append(term.replace("...", ell[n_ell - k:] if k else ""))
    if arrow:
        if rhs.count("...") > 1 or "." in rhs.replace("...", ""):
            raise RuntimeError(f"einsum(): invalid output subscripts in {equation!r}")
        out = rhs.replace("...", ell)
        counts = collections.Counter(out)
        for c in rhs.replace("...", ""):
            if counts[c] > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in lhs:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
    else:
        counts = collections.Counter(lhs.replace("...", ""))
        out = ell + "".join(c for c in LETTERS if counts.get(c) == 1)
    return expanded, out


def einsum(*args):
    """Sum the product of the operands over the indices the equation names (``torch.einsum``).

    ``einsum(equation, *operands)`` (or the operands as one list), e.g.
    ``"ij,jk->ik"`` for a matrix product, ``"bij,bjk->bik"`` batched,
    ``"ii->i"`` a diagonal, ``"ii"`` the trace, ``"...ij->...ji"`` a transpose
    of the last two dims; without ``->`` the output holds the letters seen
    once, in alphabetical order. Also PyTorch's sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Dimensions of the same letter
    must match or be 1 (broadcast). Differentiable in every operand.

    >>> import minidl as mdl
    >>> a, b = mdl.ones(2, 3), mdl.ones(3, 4)
    >>> mdl.einsum("ij,jk->ik", a, b).shape
    minidl.Size([2, 4])
    >>> mdl.einsum("ii", mdl.eye(3)).item()
    3.0
    """
    if not args:
        raise TypeError("einsum() missing required argument 'equation'")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    operands = [o if isinstance(o, Tensor) else as_tensor(o) for o in operands]
    from ..autograd.autocast_state import lower
    operands = list(lower(*operands))   # on autocast's lower-precision list, as PyTorch's (it runs through bmm)
    dtypes = {o.array.dtype for o in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{', '.join(sorted(str(d) for d in dtypes))}")
    terms, out = _parse(equation, [o.array.shape for o in operands])
    sizes = {}
    for i, (term, op) in enumerate(zip(terms, operands)):
        own = {}
        for c, n in zip(term, op.array.shape):
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                                   f"match, {own[c]} != {n}")
            own[c] = n
            if n != 1 and sizes.get(c, 1) not in (1, n):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                                   f"broadcast with previously seen size {sizes[c]}")
            if n != 1 or c not in sizes:
                sizes[c] = int(n)
    from .shape import expand
    for i, (term, op) in enumerate(zip(terms, operands)):
        full = tuple(sizes[c] for c in term)
        if tuple(op.array.shape) != full:   # a letter of size 1 here, larger elsewhere: broadcast
            operands[i] = expand(op, *full)
    return Einsum.apply(*operands, terms=tuple(terms), out=out, sizes=sizes)
