"""What ``compile(loss=, loss_weights=, metrics=, weighted_metrics=)`` means for each model output.

A model with one output has one loss and its metrics, logged as ``loss``,
``accuracy``, ... A functional model with several outputs (a list or a
dict of tensors) takes each argument as one value for every output, a list
(one entry per output, in order) or a dict keyed by output name: the dict
keys for a dict-output model, the output layers' names for a list-output
one. Its logs are Keras 3's: ``loss`` (the weighted sum of the per-output
losses plus the layers' penalties), ``<output>_loss`` (unweighted, when
more than one output has a loss) and ``<output>_<metric>``.
"""
from __future__ import annotations

import numpy as np

from minidl.keras import losses as _losses
from minidl.keras import metrics as _metrics
from minidl.keras._tensor import numpy_of
from minidl.keras.layers._mask import mask_weights

__all__ = ["OutputHead", "CompiledHeads"]


class OutputHead:
    """One model output's loss object, loss weight and metrics (``key``: its log prefix or None)."""

    def __init__(self, key, loss, weight, metric_ids, weighted_metric_ids):
        self.key = key
        self.loss_obj = _losses.to_loss_object(loss) if loss is not None else None
        self.weight = 1.0 if weight is None else float(weight)
        self.metric_ids = _as_id_list(metric_ids)
        self.weighted_metric_ids = _as_id_list(weighted_metric_ids)
        self.metric_objs = None  # [(metric, weighted, log name)] once the first batch shows the shapes
        # (an output without a name, of a subclassed model, logs its loss by the loss's name, as Keras)
        self.loss_tracker = _metrics.Mean(name=f"{key if key is not None else _loss_name(loss)}_loss")

    def log_name(self, metric) -> str:
        """The name this output's ``metric`` is logged under."""
        return metric.name if self.key is None else f"{self.key}_{metric.name}"

    def resolve_metrics(self, y, y_pred) -> None:
        """Create the metric objects (``"accuracy"`` depends on the target and output shapes)."""
        if self.metric_objs is not None or y is None:
            return
        y_shape, p_shape = np.shape(y), np.shape(y_pred)
        objs = [(_metrics.resolve(m, y_shape, p_shape), False) for m in self.metric_ids]
        objs += [(_metrics.resolve(m, y_shape, p_shape), True) for m in self.weighted_metric_ids]
        self.metric_objs = [(m, weighted, self.log_name(m)) for m, weighted in objs]

    def loss_tracker_name(self) -> str:
        """This output's loss log name (``<output>_loss``)."""
        return self.loss_tracker.name


def _loss_name(loss) -> str:
    """Keras' name of a compiled loss: the string given, a Loss object's name, a function's name."""
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__


def _as_id_list(ids):
    if ids is None:
        return []
    return list(ids) if isinstance(ids, (list, tuple)) else [ids]


def _per_output(value, keys, what):
    """``value`` spread over the outputs named ``keys``: one value for all, a list (one per output)
    or a dict keyed by output name (missing outputs get None)."""
    n = len(keys)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise ValueError(f"compile: `{what}` has key '{unknown[0]}', which names no model output; "
                             f"the outputs are {keys}")
        return [value.get(k) for k in keys]
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"compile: `{what}` is a list of {len(value)} entries but the model has {n} "
                             f"outputs {keys}; give one entry per output, or a dict keyed by output name")
        return list(value)
    return [value] * n


class CompiledHeads:
    """The compiled losses and metrics of a model's outputs, and the logs they give."""

    def __init__(self, keys, structured, loss, loss_weights, metrics, weighted_metrics):
        for what, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                kind = "`metrics`" if what == "metrics" else "`weighted_metrics`"
                raise ValueError(f"Expected {kind} argument to be a list, tuple, or dict. Received instead: "
                                 f"{what}={value} of type {type(value)}")
        self.keys, self.structured = list(keys), bool(structured)
        self.resolved = False  # set once the first batch has created the metric objects
        if not self.structured:
            if isinstance(loss, (list, tuple)) or isinstance(loss, dict):
                loss = _single(loss, self.keys, "loss")
            if isinstance(loss_weights, (list, tuple, dict)):
                loss_weights = _single(loss_weights, self.keys, "loss_weights")
            metrics = _single_metrics(metrics, self.keys, "metrics")
            weighted_metrics = _single_metrics(weighted_metrics, self.keys, "weighted_metrics")
            self.heads = [OutputHead(None, loss, loss_weights, metrics, weighted_metrics)]
            return
        losses = _per_output(loss, self.keys, "loss")
        weights = _per_output(loss_weights, self.keys, "loss_weights")
        # metrics follow the output structure (as Keras' tree): a list holds one entry per output
        metrics = _per_output(metrics, self.keys, "metrics")
        weighted = _per_output(weighted_metrics, self.keys, "weighted_metrics")
        self.heads = [OutputHead(k, lo, w, m, wm) for k, lo, w, m, wm in
                      zip(self.keys, losses, weights, metrics, weighted)]

    @property
    def has_loss(self) -> bool:
        """True when some output has a loss."""
        return any(h.loss_obj is not None for h in self.heads)

    # ------------------------------------------------------------- the data
    def flatten(self, value, what):
        """Targets or sample weights as one entry per output (None where absent)."""
        n = len(self.heads)
        if value is None:
            return [None] * n
        if not self.structured:
            if isinstance(value, dict):
                return [_single(value, self.keys, what)]
            if isinstance(value, list) and len(value) == 1 and what == "y":
                return [value[0]]
            return [value]
        if isinstance(value, dict):
            unknown = [k for k in value if k not in self.keys]
            if unknown:
                raise ValueError(f"`{what}` has key '{unknown[0]}', which names no model output; the "
                                 f"outputs are {self.keys}")
            flat = [value.get(k) for k in self.keys]
        elif isinstance(value, list):
            if len(value) != n:
                raise ValueError(f"`{what}` is a list of {len(value)} arrays but the model has {n} outputs "
                                 f"{self.keys}")
            flat = list(value)
        elif what == "sample_weight":
            return [value] * n
        else:
            used = [i for i, h in enumerate(self.heads) if h.loss_obj is not None or h.metric_ids
                    or h.weighted_metric_ids]
            if len(used) == 1:  # one output has a loss (`loss=[fn, None]`): the lone target is its, as Keras
                return [value if i == used[0] else None for i in range(n)]
            raise ValueError(f"The model has {n} outputs {self.keys}: pass `{what}` as a list of {n} arrays "
                             "or a dict keyed by output name")
        if what == "y":
            for key, head, v in zip(self.keys, self.heads, flat):
                if v is None and (head.loss_obj is not None or head.metric_ids or head.weighted_metric_ids):
                    raise ValueError(f"`y` has no targets for output '{key}' (given: "
                                     f"{list(value) if isinstance(value, dict) else len(value)}); the "
                                     f"outputs are {self.keys}")
        return flat

    # ----------------------------------------------------------- the values
    def losses(self, ys, outs, sws, masks):
        """``(weighted total, [unweighted loss Tensor or None per output])``; an output's mask
        (``masks``, None where it has none) excludes its masked entries, as Keras' ``apply_mask``."""
        total, parts = None, []
        for head, y, out, sw, mask in zip(self.heads, ys, outs, sws, masks):
            if head.loss_obj is None:
                parts.append(None)
                continue
            if mask is None:
                value = head.loss_obj(y, out, sample_weight=sw)
            else:
                loss = head.loss_obj
                values = loss.call(y, out)
                reduction = getattr(loss, "reduction", "sum_over_batch_size")
                weights = mask_weights(mask, values.shape, None if sw is None else numpy_of(sw),
                                       rescale=reduction in ("sum_over_batch_size", "mean"))
                value = _losses.reduce_values(values, weights, reduction)
            parts.append(value)
            term = value if head.weight == 1.0 else value * head.weight
            total = term if total is None else total + term
        return total, parts

    def name_metrics(self) -> None:
        """Give the resolved metrics Keras' unique log names: a repeated name gets ``_1``, ``_2``, ...;
        a weighted metric whose name is taken becomes ``weighted_<name>`` (``<output>_weighted_<name>``)."""
        counters = {}
        for weighted in (False, True):
            for head in self.heads:
                entries = head.metric_objs or []
                for i, (metric, w, _) in enumerate(entries):
                    if w is not weighted:
                        continue
                    name = head.log_name(metric)
                    if name in counters and weighted:
                        name = f"weighted_{metric.name}" if head.key is None else \
                            f"{head.key}_weighted_{metric.name}"
                    if name in counters:
                        index = counters[name]
                        counters[name] += 1
                        name = f"{name}_{index}"
                    else:
                        counters[name] = 1
                    entries[i] = (metric, w, name)

    def ordered_metrics(self) -> list:
        """``[(metric, weighted, log name)]`` in Keras' ``compile_metrics`` order: the unweighted
        metrics of every output, then the weighted ones."""
        return [entry for weighted in (False, True) for head in self.heads
                for entry in head.metric_objs or [] if entry[1] is weighted]

    def output_loss_trackers(self) -> list:
        """The per-output loss trackers Keras lists in ``model.metrics`` (several outputs with a loss)."""
        if not (self.resolved and self.logs_output_losses):
            return []
        return [h.loss_tracker for h in self.heads if h.loss_obj is not None]

    @property
    def logs_output_losses(self) -> bool:
        """True when each output's loss is logged (``<output>_loss``): several outputs have one."""
        return self.structured and sum(h.loss_obj is not None for h in self.heads) > 1

    def update(self, ys, outs_np, sws, parts, n, masks):
        """Accumulate one batch's per-output losses and metrics (masked entries weigh 0)."""
        for head, y, out, sw, part, mask in zip(self.heads, ys, outs_np, sws, parts, masks):
            if part is not None and self.logs_output_losses:
                head.loss_tracker.update_state(np.float64(part), sample_weight=np.float64(n))
            for metric, weighted, _ in head.metric_objs or []:
                weights = sw if weighted else None
                if mask is not None:
                    weights = mask_weights(mask, np.shape(out), None if weights is None else numpy_of(weights),
                                           rescale=False)
                metric.update_state(y, out, weights)

    def logs(self, loss_value) -> dict:
        """``loss`` plus per-output losses and metrics, sorted by name as Keras 3 logs them."""
        logs = {"loss": loss_value}
        for head in self.heads:
            if head.loss_obj is not None and self.logs_output_losses:
                logs[head.loss_tracker.name] = float(head.loss_tracker.result())
            for metric, _, name in head.metric_objs or []:
                logs[name] = log_value(metric.result())
        return dict(sorted(logs.items()))

    def metric_results(self) -> dict:
        """``{log name: result}`` of the compiled metrics in Keras' ``compile_metrics`` order."""
        return {name: metric.result() for metric, _, name in self.ordered_metrics()}

    def ordered_values(self, logs):
        """``evaluate``'s list as Keras' ``_flatten_metrics_in_order``: ``loss``, then each compiled
        metric by its own (unprefixed) name and the per-output losses, where the logs hold them, then the
        other logs sorted by name; one value alone unwrapped."""
        names = ["loss"] + [metric.name for metric, _, _ in self.ordered_metrics()]
        names += [t.name for t in self.output_loss_trackers()]
        values = [logs[k] for k in names if k in logs] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def reset(self):
        """Forget the accumulated per-output losses and metrics."""
        for head in self.heads:
            head.loss_tracker.reset_state()
            for metric, _, _ in head.metric_objs or []:
                metric.reset_state()

    def has_metrics(self) -> bool:
        """True when any output has compiled metrics."""
        return any(h.metric_ids or h.weighted_metric_ids for h in self.heads)


def _single(value, keys, what):
    """The one entry of a dict / one-element list given for a single-output model."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in keys]
        if unknown or len(value) != 1:
            raise ValueError(f"`{what}` has key '{(unknown or list(value))[0]}', which names no model output; "
                             f"the output is {keys}")
        return next(iter(value.values()))
    if len(value) != 1:
        raise ValueError(f"`{what}` is a list of {len(value)} entries but the model has one output")
    return value[0]


def _single_metrics(value, keys, what):
    """The metric list of a single-output model given as a list, a one-element list of lists
    (``[["accuracy"]]``, the per-output form) or a dict keyed by the output name."""
    if isinstance(value, dict):
        return _single(value, keys, what)
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], (list, tuple)):
        return value[0]
    return value


def log_value(result):
    """A metric result as logged: a float, or an array for per-class/per-threshold metrics (F1Score(),
    TruePositives(thresholds=[...])) as Keras logs them."""
    arr = np.asarray(result, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr
