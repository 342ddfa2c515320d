"""L-BFGS (Liu & Nocedal 1989) with PyTorch's ``torch.optim.LBFGS`` behaviour.

The parameters are treated as one flat vector; each ``step(closure)`` runs up
to ``max_iter`` quasi-Newton iterations, re-evaluating the model through
``closure``. The curvature history survives between steps (state of the
first parameter, as PyTorch keeps it).
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.autograd import enable_grad, no_grad
from minidl.optim._line_search import strong_wolfe
from minidl.optim._validate import check_non_negative
from minidl.optim.optimizer import Optimizer, _grad_array
from minidl.tensor import Tensor

__all__ = ["LBFGS"]

# state entries holding one flat vector (numel of all parameters) or a list of them
_FLAT_KEYS = ("d", "prev_flat_grad")


def _array(value):
    """The backend array of a state Tensor (None and arrays pass through)."""
    return value.array if isinstance(value, Tensor) else value


def _scalar(value):
    """A NumPy (0-d) scalar as a 0-d Tensor, as PyTorch keeps its tensor scalars; numbers and None pass."""
    if isinstance(value, np.generic) or (backend.is_array(value) and value.ndim == 0):
        return Tensor(np.asarray(value) if isinstance(value, np.generic) else value)
    return value


def _arrays(values):
    """A list of state Tensors as a new list of their arrays (None passes through)."""
    return None if values is None else [_array(v) for v in values]
_FLAT_LIST_KEYS = ("old_dirs", "old_stps")


class LBFGS(Optimizer):
    """PyTorch's L-BFGS. ``step(closure)`` needs a closure that clears the gradients,
    computes the loss, calls ``backward()`` and returns the loss.

    Each iteration computes the direction d = -H g by the two-loop recursion
    over the last ``history_size`` pairs (s = t d, y = g_new - g_old, kept
    when y.s > 1e-10; the initial H is y.s / y.y of the newest pair), then
    moves by a step t: ``lr`` (the first iteration ever uses
    min(1, 1 / sum|g|) * lr), either fixed or found by the strong-Wolfe line
    search (``line_search_fn="strong_wolfe"``). A step stops after
    ``max_iter`` iterations or ``max_eval`` closure calls, when max|g| <=
    ``tolerance_grad``, or when the move, the loss change or the
    directional derivative falls below ``tolerance_change``.

    Args: params (one group only), lr=1, max_iter=20, max_eval=None
    (max_iter * 5 // 4), tolerance_grad=1e-7, tolerance_change=1e-9,
    history_size=100, line_search_fn=None.

    State (of the first parameter): ``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``,
    ``prev_loss``, ``al``; ``d``, ``prev_flat_grad`` and the ``old_dirs``/``old_stps``
    lists hold Tensors, as PyTorch's. Returns the loss of the first closure call.

    >>> import minidl as mdl, minidl.optim as optim
    >>> w = mdl.tensor([3.0, -1.0], dtype=mdl.float64, requires_grad=True)
    >>> opt = optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> w.numpy().round(6)
    array([1., 1.])
    """

    _scalar_state_keys = frozenset({"step", "func_evals", "n_iter", "t", "H_diag", "prev_loss"})
    _state_as_tensors = False   # its own step() keeps numbers (and Tensors of its vectors) in the state

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval=None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100, line_search_fn=None):
        check_non_negative("learning rate", lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """LBFGS holds one group only: adding a second raises ValueError."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------- flat vectors
    def _flat_grad(self):
        """All gradients as one flat array (zeros for parameters without one)."""
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(backend.get_array_module(p.array).zeros(p.array.size, dtype=p.array.dtype))
            else:
                parts.append(_grad_array(p).reshape(-1).astype(p.array.dtype, copy=False))
        return backend.get_array_module(parts[0]).concatenate(parts)

    def _add_to_params(self, step_size, direction):
        """p += step_size * direction, slice by slice over the parameters."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step_size * direction[offset:offset + n].reshape(p.array.shape)
            offset += n

    def _evaluate_along(self, closure, direction):
        """``evaluate(t)`` for the line search: loss and flat gradient at x + t d, x left unchanged."""
        def evaluate(t):
            saved = [p.array.copy() for p in self._params]
            self._add_to_params(t, direction)
            with enable_grad():
                loss = float(closure())
            flat_grad = self._flat_grad()
            for p, data in zip(self._params, saved):
                p.array[...] = data
            return loss, flat_grad
        return evaluate

    @staticmethod
    def _max_abs(array):
        return float(abs(array).max())

    # ---------------------------------------------------------------- step
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; returns the first loss the closure gave."""
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that re-evaluates the model and returns the loss")
        group = self.param_groups[0]
        lr = group["lr"]     # kept as given: PyTorch's state "t" is then the lr itself (an int for lr=1)
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evaluations = 1
        state["func_evals"] += 1
        with no_grad():
            flat_grad = self._flat_grad()
            if self._max_abs(flat_grad) <= tolerance_grad:
                return orig_loss
            self._iterate(closure, state, group, lr, loss, flat_grad, evaluations, max_iter, max_eval,
                          tolerance_grad, tolerance_change, history_size)
        return orig_loss

    def _iterate(self, closure, state, group, lr, loss, flat_grad, evaluations, max_iter, max_eval,
                 tolerance_grad, tolerance_change, history_size):
        # scalars as PyTorch computes them: 0-d values of the parameters' dtype (ys, ro, H_diag, al, gtd)
        one = flat_grad.dtype.type(1.0)
        d, t = _array(state.get("d")), _array(state.get("t"))
        old_dirs, old_stps = _arrays(state.get("old_dirs")), _arrays(state.get("old_stps"))
        ro = _arrays(state.get("ro"))
        h_diag = _array(state.get("H_diag"))
        if state.get("al") is not None:
            state["al"] = _arrays(state["al"])
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(one / ys)
                    h_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = self._two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, one / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            step_evaluations = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":   # checked here, as PyTorch does
                    raise RuntimeError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, "
                                       f"got {group['line_search_fn']!r}")
                loss, flat_grad, t, step_evaluations = strong_wolfe(
                    self._evaluate_along(closure, d), t, d, loss, flat_grad, gtd, max_ls=max_eval - evaluations)
                self._add_to_params(t, d)
                optimal = self._max_abs(flat_grad) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                optimal = False
                if n_iter != max_iter:   # the last iteration's loss would go unused
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._flat_grad()
                    optimal = self._max_abs(flat_grad) <= tolerance_grad
                    step_evaluations = 1
            evaluations += step_evaluations
            state["func_evals"] += step_evaluations
            if n_iter == max_iter or evaluations >= max_eval or optimal:
                break
            if self._max_abs(d * t) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        # as PyTorch: the vectors as Tensors (sharing the arrays), the counters and scalars as numbers
        # the 0-d values (ys-derived ro, H_diag, al; t when it came from the gradient) as 0-d Tensors
        state.update(d=Tensor(d), t=_scalar(t), old_dirs=[Tensor(v) for v in old_dirs],
                     old_stps=[Tensor(v) for v in old_stps], ro=[_scalar(v) for v in ro], H_diag=_scalar(h_diag),
                     prev_flat_grad=Tensor(prev_flat_grad), prev_loss=prev_loss)
        if state.get("al") is not None:
            state["al"] = [_scalar(v) for v in state["al"]]

    @staticmethod
    def _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, al):
        """-H g by the L-BFGS two-loop recursion (``al`` is the scratch list kept in the state)."""
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q -= al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r

    def _update(self, param, grad, state, group):
        raise RuntimeError("LBFGS updates all parameters together in step(closure)")

    # ---------------------------------------------------------- state dict
    def state_dict(self) -> dict:
        """PyTorch's layout: ``{"state": {0: {...}}, "param_groups": [...]}``; flat vectors and
        the history lists hold Tensor copies, as PyTorch's hold tensors."""
        packed = super().state_dict()     # arrays, and lists of them, as Tensor copies
        for entry in packed["state"].values():
            for key in ("ro", "al"):
                if key in entry and entry[key] is not None:
                    entry[key] = list(entry[key])
        return packed

    def _restore_state_value(self, key, value, p, index):
        """Flat vectors (of all parameters' size) and lists of them, on the parameters' device."""
        numel = sum(q.array.size for q in self._params)
        dtype = self._params[0].array.dtype

        def flat(v):
            if isinstance(v, Tensor):
                v = v.array
            v = np.asarray(v) if not backend.is_array(v) else v
            if v.shape != (numel,):
                raise ValueError(f"LBFGS.load_state_dict: state '{key}' has shape {tuple(v.shape)} in the "
                                 f"checkpoint but the parameters hold {numel} numbers")
            return Tensor(backend.to_device(v, p.device).astype(dtype, copy=True))

        def number(v):
            if isinstance(v, Tensor):      # a tensor scalar (ro, al, H_diag, t): a 0-d Tensor of p's dtype
                return Tensor(backend.to_device(v.array, p.device).astype(dtype, copy=True))
            return v.item() if backend.is_array(v) or isinstance(v, np.generic) else v

        if key in _FLAT_KEYS:
            return None if value is None else flat(value)
        if key in _FLAT_LIST_KEYS:
            return None if value is None else [flat(v) for v in value]
        if key in ("ro", "al"):
            return None if value is None else [None if v is None else number(v) for v in value]
        return number(value)
