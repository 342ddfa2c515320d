"""Graph nodes: ``Function`` (custom ops, PyTorch's style and minidl's array style), ``AccumulateGrad``.

Every Tensor made by a recorded operation has a node as ``creator`` (public
name ``grad_fn``). Nodes share one small interface the engine relies on:
``inputs`` (the input Tensors, ``None`` for non-Tensor arguments, itself
``None`` once the graph is freed), ``needs_input_grad``, ``_nout`` (number of
outputs), ``backward(grad)`` on raw arrays (the fast path) and
``backward_graph(grad)`` on Tensors (used under ``create_graph=True``, so that
gradients are recorded and can be differentiated again).

``Function`` subclasses come in two styles, told apart by whether ``forward``
is a ``@staticmethod``:

* **PyTorch's style** (the public one): ``forward(ctx, *args)`` and
  ``backward(ctx, *grads)`` are static methods on Tensors; ``ctx`` is a node
  object of a class named after the function (``MyReLUBackward``).
* **minidl's array style** (its own ops in ``minidl/ops``): ``forward(self,
  *arrays, **params)`` and ``backward(self, grad)`` are instance methods on raw
  NumPy/CuPy arrays, and an optional ``backward_graph(self, grad)`` gives the same
  gradients as differentiable Tensor operations for higher-order derivatives.
"""
from __future__ import annotations

import inspect

import numpy as np

from minidl.dtypes import BFLOAT16

from ..backend import DeviceError
from . import _forward_rules, _profiling
from . import _forward_state as _forward_ad
from . import autocast_state as _autocast
from . import graph as _saved_hooks
from . import versions as _versions
from ._function_helpers import _has_sparse, _reducible
from ._views import is_device_view, note_view
from .bfloat16_compute import any_bfloat16, forward_in_float32
from .ctx_apply import apply_ctx_style as _apply_ctx_style
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .handles import RemovableHandle, _HookDict  # noqa: F401  (minidl.autograd.function's names)
from .naming import kept_name_first
from .once_differentiable import once_differentiable  # noqa: F401  (minidl.autograd.function's name)
from .released import FREED_MESSAGE, shape_only_inputs

__all__ = ["Node", "Function", "FunctionCtx", "BackwardCFunction", "AccumulateGrad", "once_differentiable",
           "RemovableHandle", "NotTwiceDifferentiable"]


class Node:
    """The common face of graph nodes: a readable name and the edges to the next nodes."""

    __slots__ = ()
    _nout = 1

    def name(self) -> str:
        """The node's name, e.g. ``"MulBackward0"`` (PyTorch's naming; see :mod:`minidl.autograd.naming`)."""
        named = getattr(self, "__dict__", None)
        named = named.get("_node_name") if named else None
        return named or f"{type(self).__name__}Backward0"

    @property
    def next_functions(self):
        """One ``(node, output_index)`` pair per input: the node that made it,
        ``AccumulateGrad`` for a leaf that requires grad, ``(None, 0)`` otherwise.

        As in PyTorch, the edges stay after a backward pass has freed the
        node's saved values (``_release`` records them before dropping the inputs).
        """
        inputs = self.inputs
        if inputs is None:
            kept = getattr(self, "__dict__", None)
            return () if kept is None else _edges_of_kept(kept.get("_kept_edges", ()))
        return _edges_of_kept(_kept_edges(inputs))

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward (one entry per input, None where no
        gradient is needed; one per output); a tuple it returns replaces ``grad_inputs``. Returns a handle."""
        from .node_hooks import add_node_hook
        return add_node_hook(self, "_node_hooks", fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward and may return new ``grad_outputs``."""
        from .node_hooks import add_node_hook
        return add_node_hook(self, "_node_prehooks", fn)

    def _keep_edges(self):
        """Record ``next_functions`` before the inputs are dropped (nodes and leaves only, no arrays)."""
        inputs = self.inputs
        if inputs is not None:
            self.__dict__["_kept_edges"] = _kept_edges(inputs)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


def _kept_edges(inputs):
    """What ``next_functions`` needs once the inputs are dropped, cheaply (it runs for every node a
    backward pass frees): None (no gradient), the leaf Tensor, or ``(node, output_index)``."""
    kept = []
    for t in inputs:
        if t is None or not t.requires_grad:
            kept.append(None)
        else:
            node = t.creator
            kept.append(t if node is None else (node, 0) if node._nout == 1 else (node, output_index(t)))
    return kept


def _edges_of_kept(kept):
    """:func:`_kept_edges`' record as ``next_functions`` pairs."""
    return tuple([(None, 0) if e is None else e if type(e) is tuple else (AccumulateGrad(e), 0) for e in kept])


def output_index(t):
    """Which output of ``t.creator`` the Tensor ``t`` is (0 for single-output nodes)."""
    node = t.creator
    if node._nout == 1:
        return 0
    stood_for = t.__dict__.get("_output_index")   # recorded by a shape-only stand-in (released.py)
    if stood_for is not None:
        return stood_for
    for i, ref in enumerate(node._output_refs):
        if ref is not None and ref() is t:
            return i
    return 0


class AccumulateGrad(Node):
    """The node standing for a leaf Tensor in ``next_functions``: its gradient is summed into ``.grad``."""

    __slots__ = ("variable",)
    inputs = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        """``"AccumulateGrad"``, as in PyTorch."""
        return "AccumulateGrad"

    @property
    def next_functions(self):
        """Empty: a leaf is where the walk ends."""
        return ()

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return hash(id(self.variable))


def _op_name(node):
    return node.name() if isinstance(node, Node) else type(node).__name__


# ---------------------------------------------------------------------------------------------
# Function: both styles


class Function(Node):
    """Base class of custom differentiable operations, PyTorch's way.

    Subclass it with two static methods and call ``.apply``::

        class MyReLU(mdl.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                x, = ctx.saved_tensors
                return grad_output * (x > 0)

        y = MyReLU.apply(x)

    ``forward`` runs without recording a graph and may take non-Tensor
    arguments (their gradient is ``None``) and return a Tensor or a tuple of
    Tensors. ``backward`` gets one gradient per output and returns one gradient
    (or ``None``) per argument of ``forward``. Written with Tensor operations,
    it is itself differentiable, so ``create_graph=True`` gives higher-order
    gradients through the function. ``ctx`` offers ``save_for_backward``,
    ``saved_tensors``, ``needs_input_grad``, ``mark_non_differentiable``,
    ``set_materialize_grads`` and free attributes for anything else.
    An optional ``setup_context(ctx, inputs, output)`` static method lets
    ``forward`` omit ``ctx``, as in PyTorch 2.

    (minidl's own ops use an older array style, ``forward(self, *arrays)`` /
    ``backward(self, grad)`` as instance methods; see ``minidl/autograd/function.py``.)
    """

    __slots__ = ("inputs", "needs_input_grad", "__dict__")
    _ctx_style = True
    _reusable = False   # True: backward reads no saved values; a second backward may run it (released.py)
    # True: neither backward nor backward_graph reads the inputs' values (a _reusable op, or one such as ReLU that
    # keeps what it needs itself). Such a node holds stand-ins for its non-leaf inputs from the start (creator,
    # shape, dtype: released.py), as PyTorch's nodes hold only their saved tensors, so an activation is freed
    # once nothing else keeps it: ResNet-18's peak memory (docs/performance.md, "Session 18").
    _input_values_unused = False
    _bf16_native = False   # True: run on bfloat16 arrays as they are, else in float32 (bfloat16_compute.py)
    _autocast = None   # "lower" for ops of autocast's lower-precision list (autocast_state.py)
    _name_from_attributes = False   # True for subclasses with their own name() (kept by _release)
    _sparse_ok = False   # True: takes sparse-layout inputs (minidl/sparse), else they go to its dispatch
    # What PyTorch's node saves (versions.py): changing it in place refuses backward. None: read off the arrays
    # this node keeps; else _saves_result True/False, _saved_inputs {input index: None (always) or the inputs
    # whose gradient needs it}.
    _saves_result = None
    _saved_inputs = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        forward = inspect.getattr_static(cls, "forward", None)
        cls._ctx_style = isinstance(forward, staticmethod)
        first_arg = next(iter(inspect.signature(forward).parameters), None) if callable(forward) else None
        if not cls._ctx_style and first_arg == "ctx":
            raise TypeError(f"{cls.__qualname__}.forward takes ctx but is not a @staticmethod: decorate forward and "
                            "backward with @staticmethod (PyTorch's custom Function style)")
        own_name = cls.__dict__.get("name")
        if callable(own_name):   # a name read from the node's attributes: kept by _release (they are not)
            cls.name = kept_name_first(own_name)
            cls._name_from_attributes = True
        if cls._ctx_style:
            cls._backward_cls = type(f"{cls.__name__}Backward", (BackwardCFunction,),
                                     {"_forward_cls": cls, "__module__": cls.__module__,
                                      "__doc__": f"Backward node of {cls.__qualname__}."})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the inputs (Tensors or anything else); override it."""
        raise NotImplementedError("subclasses of minidl.autograd.Function must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return one gradient (or None) per ``forward`` argument, given one per output; override it."""
        raise NotImplementedError("subclasses of minidl.autograd.Function must define a static backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional: save what backward needs when ``forward`` does not take ``ctx``."""
        raise NotImplementedError

    jvp = staticmethod(_forward_rules.jvp)

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the function and record it in the graph; returns what ``forward`` returns."""
        if cls._ctx_style or _profiling.active and not _profiling.busy():   # a profiler records: time the call
            return (_profiling.timed_apply if _profiling.active else _apply_ctx_style)(cls, args, kwargs)
        Tensor = _tensor_class()
        if _autocast.active and cls._autocast is not None:   # an open minidl.autocast region
            args = _autocast.autocast_inputs(cls._autocast, args)
        # One pass over the arguments: is every one a Tensor (or None), do all hold NumPy arrays (bfloat16)?
        plain, on_cpu, bf16 = True, True, False
        for item in args:
            if isinstance(item, Tensor):
                if type(item.array) is not np.ndarray:
                    on_cpu = False
                elif item.array.dtype is BFLOAT16:
                    bf16 = True
            elif item is not None:
                plain = False
        if not on_cpu and not cls._sparse_ok and _has_sparse(args, Tensor):   # minidl/sparse/_dispatch.py
            from ..sparse._dispatch import dispatch
            return dispatch(cls, args, kwargs)
        tensors = args if plain and on_cpu else _checked_inputs(cls, args, Tensor)
        fn = cls()
        if (bf16 or not plain) and not cls._bf16_native and any_bfloat16(tensors):
            out_data = forward_in_float32(fn, tensors, kwargs)
        else:
            out_data = fn.forward(*[None if t is None else t.array for t in tensors], **kwargs)
        needs = tuple([t is not None and t.requires_grad for t in tensors])
        requires = True in needs and is_grad_enabled()
        out = Tensor(out_data, requires_grad=requires)
        if out_data.base is not None if type(out_data) is np.ndarray else not on_cpu and is_device_view(out_data):
            note_view(out, tensors)   # a view of an input's memory: note its base (Tensor._base)
        if requires:
            fn.needs_input_grad = needs
            out.creator = fn
            if cls._reusable or cls._input_values_unused:
                # stand-ins keep the creator the input had now: an in-place op on it later needs no re-pointing
                fn.inputs = shape_only_inputs(tensors)
            else:
                fn.inputs = list(tensors)
                for t in tensors:  # an in-place op on a used non-leaf re-points its users (Tensor._inplace)
                    if t is not None and t.creator is not None:
                        t._used = True
            _versions.note_saved(fn, tensors, out)   # in-place writes into kept arrays raise (versions.py)
            if _saved_hooks._active:  # saved_tensors_hooks: pack what the op keeps for backward
                _saved_hooks.pack_node(fn, tensors)
        if _forward_ad.active and _forward_ad.any_dual(tensors):   # forward-mode AD (forward_ad.py)
            _forward_rules.propagate(fn, tensors, out, kwargs)
        return out

    # --- array style: the differentiable fallback ----------------------------------------------
    def backward_graph(self, grad):
        """Gradients as Tensors for ``create_graph=True``; array-style ops override this.

        The default runs the array ``backward`` and marks its results as not
        differentiable again: using them in a second backward pass raises an
        error naming this op, never a silently wrong second derivative.
        """
        from ..tensor import Tensor
        grads = self.backward(grad.array)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return tuple(None if g is None else _not_twice_differentiable(self, Tensor(g), (grad,))
                     for g in grads)

    def _release(self):
        """Free the saved arrays and inputs (edges stay); a ``_reusable`` node keeps shapes (released.py)."""
        inputs = self.inputs
        if inputs is not None and (self.__dict__.get("_reusable") if "_reusable" in self.__dict__
                                   else self._reusable):
            self.inputs = shape_only_inputs(inputs)
            return
        saved = self.__dict__
        edges = _kept_edges(inputs) if inputs is not None else saved.get("_kept_edges", ())
        name = saved.get("_node_name") or (self.name() if self._name_from_attributes else None)
        saved.clear()
        saved["_kept_edges"] = edges
        if name is not None:
            saved["_node_name"] = name
        self.inputs = None


_TENSOR = []


def _tensor_class():
    """``minidl.tensor.Tensor`` (imported on first use: the tensor module imports this one)."""
    if not _TENSOR:
        from ..tensor import Tensor
        _TENSOR.append(Tensor)
    return _TENSOR[0]


def _checked_inputs(cls, args, Tensor):
    """``args`` as a list of Tensors (or None): other values wrapped like the first Tensor,
    and a DeviceError naming ``cls`` when the Tensors are on different devices."""
    from ..tensor import as_tensor
    ref = next((item for item in args if isinstance(item, Tensor)), None)
    tensors, dev = [], None
    for item in args:
        if item is None:
            tensors.append(None)
            continue
        if not isinstance(item, Tensor):
            item = as_tensor(item, like=ref)
        elif dev is None:
            dev = item.device
        elif item.device != dev and not _meta_with_cpu_scalar(dev, item, tensors):
            raise DeviceError(f"{cls.__name__}: inputs are on different devices "
                              f"({dev} and {item.device}); move them with .to(device) first")
        tensors.append(item)
    return tensors


def _meta_with_cpu_scalar(dev, item, earlier):
    """PyTorch lets a 0-d CPU tensor meet a meta tensor (as a scalar)."""
    if item.device.type == "meta":
        return dev.type == "cpu" and all(t is None or t.ndim == 0 for t in earlier)
    return dev.type == "meta" and item.device.type == "cpu" and item.ndim == 0


def _not_twice_differentiable(node, value, grads, once=False):
    """``value`` (a gradient computed outside the graph), attached to a node that refuses a second backward
    (``once``: with PyTorch's @once_differentiable message)."""
    from ..tensor import Tensor
    sources = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
    sources += [t for t in (node.inputs or ()) if t is not None and t.requires_grad]
    if not sources or not is_grad_enabled():
        return value
    guard = NotTwiceDifferentiable(_op_name(node), node)
    if once:
        guard.once = True
    guard.inputs = sources
    guard.needs_input_grad = tuple(True for _ in sources)
    value.requires_grad = True
    value.creator = guard
    return value


class NotTwiceDifferentiable(Node):
    """Stands for a gradient whose computation was not recorded; a backward pass through it raises."""

    __slots__ = ("op", "hint", "inputs", "needs_input_grad", "__dict__")

    def __init__(self, op, node=None):
        self.op = op
        if isinstance(node, BackwardCFunction):
            self.hint = (f"write {node._forward_cls.__qualname__}.backward with minidl Tensor operations "
                         "(not .numpy()/.data or @once_differentiable) so that it can be recorded")
        else:
            self.hint = (f"give {type(node).__name__} a backward_graph method that computes its gradients with "
                         "Tensor operations (docs/architecture.md, 'Higher-order gradients')")

    def name(self):
        """``NotTwiceDifferentiable[<op>]``."""
        return f"NotTwiceDifferentiable[{self.op}]"

    def _fail(self):
        if self.__dict__.get("once"):
            raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
        raise RuntimeError(f"{self.op}: its backward is not differentiable, so a gradient computed with "
                           f"create_graph=True cannot be differentiated through it again; {self.hint}")

    def backward(self, grad):
        """Raises: the gradient below this node was not recorded."""
        self._fail()

    def backward_graph(self, grad):
        """Raises: the gradient below this node was not recorded."""
        self._fail()

    def _release(self):
        self._keep_edges()
        self.inputs = None


# ---------------------------------------------------------------------------------------------
# PyTorch's style: the ctx node


class FunctionCtx:
    """What ``forward`` and ``backward`` receive as ``ctx`` (the backward node itself)."""

    def save_for_backward(self, *tensors):
        """Keep Tensors (inputs or outputs, or None) for ``backward``; read them via ``saved_tensors``."""
        from ..tensor import Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}, not a Tensor or None; "
                                "keep other values as ctx attributes (ctx.name = value)")
        self._saved = tensors

    save_for_forward = _forward_rules.save_for_forward

    @property
    def saved_tensors(self):
        """The tuple given to ``save_for_backward`` (inside ``jvp``: the one given to ``save_for_forward``)."""
        if "_in_jvp" in self.__dict__:
            return tuple(self.__dict__.get("_saved_forward", ()))
        if self._freed:
            raise RuntimeError(f"{FREED_MESSAGE} (The saved tensors of {self.name()} were freed.)")
        if "_saved_ctx_versions" in self.__dict__:   # modified in place since forward: PyTorch's error
            _versions.check_ctx_saved(self)
        if "_saved_ctx_packed" in self.__dict__:  # saved under saved_tensors_hooks: unpacked at every read
            return _saved_hooks.unpack_ctx(self)
        return tuple(self._saved)

    def mark_non_differentiable(self, *tensors):
        """Mark outputs that have no gradient (integer indices, masks): they do not require grad."""
        self._non_differentiable = self._non_differentiable + tensors

    def set_materialize_grads(self, value: bool):
        """With False, ``backward`` gets None (not zeros) for outputs that received no gradient."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """Accepted for PyTorch compatibility: in-place outputs need no special handling in minidl."""
        self._dirty = tensors


class BackwardCFunction(FunctionCtx, Node):
    """The node of one call of a PyTorch-style Function (one subclass per Function, e.g. ``MyReLUBackward``)."""

    _forward_cls = None
    _saved = ()
    _freed = False
    _materialize = True
    _non_differentiable = ()

    def __init__(self):
        self.inputs = None
        self.needs_input_grad = ()
        self._nout = 1
        self._output_refs = ()
        self._output_meta = ()

    def name(self):
        """The class name, ``<Function name>Backward``."""
        return type(self).__name__

    def _release(self):
        """Free what ``save_for_backward`` kept (a later pass raises only if backward reads it, as PyTorch)."""
        self._saved = ()
        self.__dict__.pop("_saved_ctx_packed", None)
        self._freed = True
        if self.inputs is not None:
            self.inputs = shape_only_inputs(self.inputs)

    # --- called by the engine ---------------------------------------------------------------
    def _grad_tensors(self, grads):
        from ..tensor import Tensor
        grads = list(grads) if self._nout > 1 else [grads]
        out = []
        for g, meta in zip(grads, self._output_meta):
            if g is not None and not isinstance(g, Tensor):
                g = Tensor(g)
            if g is None and self._materialize and meta is not None:
                shape, dtype, xp = meta
                g = Tensor(xp.zeros(shape, dtype=dtype))
            out.append(g)
        return out

    def _call_backward(self, grads):
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.inputs)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                               f"got {len(result)}): backward must return one gradient (or None) per argument "
                               f"of {self._forward_cls.__qualname__}.forward")
        from ..tensor import Tensor
        checked = []
        for i, (r, t) in enumerate(zip(result, self.inputs)):
            if r is None or not self.needs_input_grad[i]:
                if r is not None and t is None:
                    raise RuntimeError(f"function {self.name()} returned a gradient for argument {i}, which is "
                                       f"not a Tensor ({self._forward_cls.__qualname__}.forward got a non-Tensor "
                                       "there); return None at that position")
                checked.append(None)
                continue
            if not isinstance(r, Tensor):
                raise RuntimeError(f"function {self.name()} returned a {type(r).__name__} as gradient {i}; "
                                   "backward must return Tensors (or None)")
            if r.shape != t.shape and not _reducible(r.shape, t.shape):
                raise RuntimeError(f"function {self.name()} returned an invalid gradient at index {i}: got shape "
                                   f"{tuple(r.shape)} but expected a shape compatible with the input's "
                                   f"{tuple(t.shape)}")
            checked.append(r)
        return tuple(checked)

    def backward(self, grad):
        """Array-level entry of the fast path: run the user's backward on Tensors without recording."""
        grads = self._grad_tensors(grad)
        with no_grad():
            result = self._call_backward(grads)
        return tuple(None if r is None else r.array for r in result)

    def backward_graph(self, grad):
        """Tensor-level entry under ``create_graph=True``: the user's backward is recorded."""
        from ..tensor import Tensor
        from .stand_in_grads import settle_results

        # A gradient that does not require grad is passed on as a stand-in that does, so that a backward that
        # left the graph (NumPy inside) is recognised and guarded; results of the stand-ins alone are constants.
        given = self._grad_tensors(grad)
        if getattr(self._forward_cls.backward, "_once_differentiable", False):   # PyTorch's once_differentiable
            with no_grad():
                result = self._call_backward(given)
            if not any(g is not None and g.requires_grad for g in given):
                return result   # constants, as PyTorch's
            return tuple(None if r is None else _not_twice_differentiable(self, r, given, once=True) for r in result)
        grads = [g if g is None or g.requires_grad else Tensor(g.array, requires_grad=True) for g in given]
        with enable_grad():
            result = self._call_backward(grads)
        stand_ins = [g for g, g0 in zip(grads, given) if g is not g0]
        return settle_results(self, result, stand_ins, lambda r: _not_twice_differentiable(self, r, grads))
