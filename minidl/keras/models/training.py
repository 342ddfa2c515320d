"""``compile``, ``fit``, ``evaluate``, ``predict`` (and the ``*_on_batch`` forms) with Keras' behaviour.

Logged values are sample-weighted running means over the epoch: ``loss``
(the compiled loss plus the layers' regularisation penalties) and each
compiled metric, sorted by name as Keras 3 logs them; validation values get
a ``val_`` prefix. ``evaluate`` returns the loss alone, ``[loss, *metrics]``
in compile order, or (``return_dict=True``) the dict.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.autograd import no_grad
from minidl.keras import callbacks as _callbacks
from minidl.keras import losses as _losses
from minidl.keras import metrics as _metrics
from minidl.keras import optimizers as _optimizers
from minidl.keras._tensor import as_tensor, numpy_of, to_external, to_internal
from minidl.keras.models.data import (
    ArrayData,
    class_weights_to_sample_weights,
    is_array,
    make_data,
    to_arrays,
    train_validation_split,
)
from minidl.tensor import Tensor

__all__ = ["TrainingMixin"]


class _FitState:
    """What minidl's callbacks read as ``callback.trainer`` during ``fit``."""

    def __init__(self, model, history=None, callbacks=()):
        self.model, self.history, self.callbacks = model, history, list(callbacks)

    @property
    def optimizer(self):
        """The model's (Keras, minidl-based) optimiser."""
        return self.model.optimizer

    @property
    def stop_training(self):
        """Mirrors ``model.stop_training``."""
        return self.model.stop_training

    @stop_training.setter
    def stop_training(self, value):
        self.model.stop_training = bool(value)


def _verbosity(verbose):
    return 1 if verbose == "auto" else int(verbose)


class TrainingMixin:
    """The training API of :class:`~minidl.keras.Model` (mixed into it)."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    history = None

    # ----------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Configure training: ``optimizer`` (name with Keras' defaults, or an optimiser object),
        ``loss`` (name, Loss object or function ``fn(y_true, y_pred)``), ``metrics`` (names such
        as ``"accuracy"``, ``"mae"``, or Metric objects); ``weighted_metrics`` also use sample
        weights. A probability loss with ``from_logits=True`` after a softmax/sigmoid output
        layer is refused here (the double-softmax guard)."""
        if isinstance(loss, (list, dict)) or isinstance(metrics, dict) or loss_weights is not None:
            raise NotImplementedError("minidl.keras models have one output: pass a single loss and a "
                                      "list of metrics")
        self.optimizer = _optimizers.get(optimizer)
        self.loss = loss
        self._loss_obj = _losses.get(loss) if loss is not None else None
        self._metric_ids = list(metrics or [])
        self._weighted_metric_ids = list(weighted_metrics or [])
        self._metric_objs = None
        self._outputs_checked = False
        self.compiled = True
        self._compile_args = {"optimizer": _config_of(self.optimizer, "keras.optimizers"),
                              "loss": _config_of(loss, "keras.losses"),
                              "metrics": [_config_of(m, "keras.metrics") for m in self._metric_ids]}
        self._check_output_activation()

    @property
    def metrics_names(self) -> list:
        """``["loss", "compile_metrics"]`` (Keras 3's names) or ``["loss"]``."""
        return ["loss", "compile_metrics"] if self._metric_ids or self._weighted_metric_ids else ["loss"]

    def _assert_compiled(self):
        if not self.compiled or self._loss_obj is None:
            raise RuntimeError("You must call `compile()` with a loss before training or evaluating "
                               "the model.")

    def _output_activation(self):
        layer = self._output_layer()
        if layer is None:
            return None
        from minidl.keras import activations
        from minidl.keras.layers.core import Softmax
        if isinstance(layer, Softmax):
            return "softmax"
        fn = getattr(layer, "activation", None)
        if fn is activations.softmax:
            return "softmax"
        if fn is activations.sigmoid:
            return "sigmoid"
        return None

    def _check_output_activation(self):
        loss = getattr(self, "_loss_obj", None)
        if loss is None or not getattr(loss, "probabilistic", False) or not loss.from_logits:
            return
        act = self._output_activation()
        if act is not None:
            layer = self._output_layer()
            raise ValueError(f"The loss {loss.name} was given from_logits=True, but the output layer "
                             f"'{layer.name}' already applies a {act}: the {act} would be applied "
                             f"twice. Remove activation='{act}' from '{layer.name}' or use "
                             "from_logits=False.")

    # ------------------------------------------------------------------ pieces
    def _input_tensors(self, x):
        """Input arrays as internal-layout Tensors on the model's device (``model.to("cuda")``
        moves the model; the batches follow)."""
        device = None
        for p in self.parameters():
            device = p.device
            break

        def place(v):
            t = as_tensor(v)
            if device is not None and not backend.same_device(t.device, device):
                t = Tensor(backend.to_device(t.array, device))
            return to_internal(t)
        return [place(v) for v in x] if isinstance(x, list) else place(x)

    def _ensure_ready(self, x, y):
        """Build the model (from ``x``), the optimiser and the metrics before a first step."""
        if not self.built:
            self._build_from_data(x)
        if self.optimizer is None:
            return
        params = [p for p in self.parameters() if p.requires_grad]
        if self.optimizer.built:
            current = {id(p) for g in self.optimizer.param_groups for p in g["params"]}
            if current == {id(p) for p in params}:
                return
            # built for another model, or layers were (un)frozen since: start a fresh state
            self.optimizer.iterations = 0
        if not params:
            raise ValueError("The model has no trainable weights; nothing to train")
        self.optimizer.build(params)

    def _resolve_metrics(self, y, y_pred):
        if self._metric_objs is not None or y is None:
            return
        y_shape, p_shape = np.shape(y), np.shape(y_pred)
        self._metric_objs = [(_metrics.resolve(m, y_shape, p_shape), False) for m in self._metric_ids]
        self._metric_objs += [(_metrics.resolve(m, y_shape, p_shape), True)
                              for m in self._weighted_metric_ids]

    def _first_batch_checks(self, y, out_np):
        if not self._outputs_checked:
            self._check_output_activation()
            _losses.check_outputs(self._loss_obj, out_np)
            self._outputs_checked = True
        self._resolve_metrics(y, out_np)

    def _penalty(self):
        terms = self.losses
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def _loss_value(self, y, out, sw):
        loss = self._loss_obj(y, out, sample_weight=sw)
        penalty = self._penalty()
        return loss if penalty is None else loss + penalty

    def _update_metrics(self, tracker, y, out_np, sw, n, loss_value):
        tracker.update_state(np.float64(loss_value), sample_weight=np.float64(n))
        for metric, weighted in self._metric_objs or []:
            metric.update_state(y, out_np, sw if weighted else None)

    def _logs(self, tracker):
        logs = {"loss": float(tracker.result())}
        for metric, _ in self._metric_objs or []:
            logs[metric.name] = float(metric.result())
        return dict(sorted(logs.items()))

    def _reset_metrics(self):
        for metric, _ in self._metric_objs or []:
            metric.reset_state()

    # --------------------------------------------------------------- one batch
    def _train_batch(self, x, y, sw, tracker):
        if y is None:
            raise ValueError("fit needs targets: pass y, or batches of (x, y)")
        self._ensure_ready(x, y)
        out = to_external(self._forward(self._input_tensors(x), training=True))
        out_np = numpy_of(out.array)
        self._first_batch_checks(y, out_np)
        loss = self._loss_value(y, out, sw)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        n = len(x[0]) if isinstance(x, list) else len(x)
        self._update_metrics(tracker, y, out_np, sw, n, float(loss.item()))

    def _test_batch(self, x, y, sw, tracker):
        if not self.built:
            self._build_from_data(x)
        with no_grad():
            out = to_external(self._forward(self._input_tensors(x), training=False))
            out_np = numpy_of(out.array)
            self._first_batch_checks(y, out_np)
            loss = float(self._loss_value(y, out, sw).item())
        n = len(x[0]) if isinstance(x, list) else len(x)
        self._update_metrics(tracker, y, out_np, sw, n, loss)

    def _evaluate_data(self, data, cbs):
        tracker = _metrics.Mean(name="loss")
        self._reset_metrics()
        cbs.on_test_begin({})
        step = -1
        for step, (x, y, sw) in enumerate(data.epoch()):
            cbs.on_test_batch_begin(step, {})
            self._test_batch(x, y, sw, tracker)
            cbs.on_test_batch_end(step, self._logs(tracker))
        if step < 0:
            raise ValueError("The evaluation data yielded no batches")
        logs = self._logs(tracker)
        cbs.on_test_end(logs)
        return logs

    # --------------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs - initial_epoch`` epochs; returns the :class:`History`.

        ``validation_split`` holds out the **last** fraction of the arrays (before shuffling);
        ``validation_data`` is ``(x_val, y_val[, sample_weight])`` or a dataset.
        ``class_weight`` ({class: weight}) multiplies the loss of each sample of that class.
        """
        self._assert_compiled()
        val = None
        if validation_data is None and validation_split:
            if not (is_array(x) or isinstance(x, (list, tuple))):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, "
                                 f"found following types in the input: {type(x)}")
            (x, y, sample_weight), val = train_validation_split(
                (to_arrays(x), to_arrays(y), to_arrays(sample_weight)), validation_split)
        elif validation_data is not None:
            if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
                val = tuple(validation_data) + (None,) * (3 - len(validation_data))
            else:
                val = (validation_data, None, None)
        if class_weight is not None:
            if y is None:
                raise ValueError("`class_weight` is only supported with array targets `y`")
            cw = class_weights_to_sample_weights(numpy_of(y), class_weight)
            sample_weight = cw if sample_weight is None else cw * np.asarray(numpy_of(sample_weight))
        data = make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        val_data = None
        if val is not None:
            vbs = validation_batch_size or batch_size
            val_data = make_data(val[0], val[1], val[2], vbs if is_array(val[0]) or
                                 isinstance(val[0], (list, tuple)) else None, False, validation_steps,
                                 what="validation_data")
        if isinstance(data, ArrayData) and not self.built:
            self._build_from_data(data.x)
        if self.built:
            self._ensure_ready(None, None)  # the optimiser exists before the callbacks run
        verbose = _verbosity(verbose)
        params = {"verbose": verbose, "epochs": int(epochs), "steps": data.steps}
        state = _FitState(self)
        cbs = _callbacks.CallbackList(callbacks, model=self, params=params, trainer=state,
                                      add_history=True, add_progbar=verbose != 0)
        state.history, state.callbacks = cbs.history, cbs.callbacks
        self.stop_training = False
        cbs.on_train_begin({})
        epoch_logs = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self._reset_metrics()
            tracker = _metrics.Mean(name="loss")
            cbs.on_epoch_begin(epoch, {})
            step = -1
            for step, (xb, yb, swb) in enumerate(data.epoch()):
                cbs.on_train_batch_begin(step, {})
                self._train_batch(xb, yb, swb, tracker)
                cbs.on_train_batch_end(step, self._logs(tracker))
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("The training data yielded no batches")
            epoch_logs = self._logs(tracker)
            if val_data is not None and (epoch + 1) % int(validation_freq) == 0:
                val_logs = self._evaluate_data(val_data, cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        return cbs.history

    # ---------------------------------------------------------------- evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics over ``(x, y)`` in inference mode: the loss alone, ``[loss, *metrics]``
        (compile order), or with ``return_dict=True`` the dict of logs."""
        self._assert_compiled()
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        data = make_data(x, y, sample_weight, batch_size, False, steps)
        verbose = _verbosity(verbose)
        cbs = _callbacks.CallbackList(callbacks, model=self,
                                      params={"verbose": verbose, "epochs": 1, "steps": data.steps},
                                      add_progbar=verbose != 0)
        logs = self._evaluate_data(data, cbs)
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[m.name] for m, _ in self._metric_objs or []]
        return values[0] if len(values) == 1 else values

    # ----------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs over ``x`` as one NumPy array (inference mode, batches of 32)."""
        data = make_data(x, None, None, batch_size, False, steps)
        verbose = _verbosity(verbose)
        cbs = _callbacks.CallbackList(callbacks, model=self,
                                      params={"verbose": verbose, "epochs": 1, "steps": data.steps},
                                      add_progbar=verbose != 0)
        cbs.on_predict_begin({})
        outs = []
        for step, (xb, _, _) in enumerate(data.epoch()):
            cbs.on_predict_batch_begin(step, {})
            outs.append(self.predict_on_batch(xb))
            cbs.on_predict_batch_end(step, {"outputs": outs[-1]})
        cbs.on_predict_end({})
        if not outs:
            raise ValueError("predict: the data yielded no batches")
        return np.concatenate(outs, axis=0)

    # --------------------------------------------------------------- on batch
    def predict_on_batch(self, x):
        """Outputs for one batch, as a NumPy array."""
        x = to_arrays(x)
        if not self.built:
            self._build_from_data(x)
        with no_grad():
            out = to_external(self._forward(self._input_tensors(x), training=False))
        return np.array(numpy_of(out.array), copy=True)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimisation step on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled()
        x, y, sw = to_arrays(x), to_arrays(y), to_arrays(sample_weight)
        if class_weight is not None:
            cw = class_weights_to_sample_weights(y, class_weight)
            sw = cw if sw is None else cw * sw
        self._reset_metrics()
        tracker = _metrics.Mean(name="loss")
        self._train_batch(x, y, sw, tracker)
        return self._batch_result(tracker, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode."""
        self._assert_compiled()
        self._reset_metrics()
        tracker = _metrics.Mean(name="loss")
        self._test_batch(to_arrays(x), to_arrays(y), to_arrays(sample_weight), tracker)
        return self._batch_result(tracker, return_dict)

    def _batch_result(self, tracker, return_dict):
        logs = self._logs(tracker)
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[m.name] for m, _ in self._metric_objs or []]
        return values[0] if len(values) == 1 else values


def _config_of(obj, module):
    """A JSON-able description of a compile argument (names stay names), as Keras writes it."""
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if hasattr(obj, "get_config"):
        return {"module": module, "class_name": type(obj).__name__,
                "config": _jsonable(obj.get_config()), "registered_name": None}
    return getattr(obj, "__name__", None)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    return value
