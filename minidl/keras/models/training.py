"""``compile``, ``fit``, ``evaluate``, ``predict`` (and the ``*_on_batch`` forms) with Keras' behaviour.

Logged values are sample-weighted running means over the epoch: ``loss``
(the compiled loss plus the layers' regularisation penalties) and each
compiled metric, sorted by name as Keras 3 logs them; validation values get
a ``val_`` prefix. ``evaluate`` returns the loss alone, ``[loss, *metrics]``
in compile order, or (``return_dict=True``) the dict. Models with several
outputs take data, losses and metrics per output (lists or dicts) and log
``<output>_loss`` / ``<output>_<metric>`` (see
:mod:`minidl.keras.models.compile_utils`); outputs that carry a mask
(``Embedding(mask_zero=True)``, ``Masking``) leave their masked entries out of
the loss and metrics.
"""
from __future__ import annotations

import inspect

import numpy as np

from minidl import backend
from minidl.autograd import no_grad
from minidl.keras import callbacks as _callbacks
from minidl.keras import losses as _losses
from minidl.keras import optimizers as _optimizers
from minidl.keras._tensor import as_tensor, numpy_of, to_external, to_internal
from minidl.keras.models import custom_steps as _steps
from minidl.keras.models.compile_utils import CompiledHeads
from minidl.keras.models.data import (
    ArrayData,
    class_weights_to_sample_weights,
    is_array,
    is_structure,
    make_data,
    num_samples,
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


class TrainingMixin(_steps.StepsMixin):
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
        layer gets a warning here (the double-softmax guard; Keras runs it silently)."""
        self.optimizer = _optimizers.get(optimizer)
        if loss is None and getattr(self, "compiled", False):  # Keras keeps the compiled loss then
            loss, loss_weights = self.loss, self.loss_weights if loss_weights is None else loss_weights
        self.loss = loss
        self.loss_weights = loss_weights
        keys, structured = self._compile_keys()
        self._compiled_specs = (loss, loss_weights, metrics, weighted_metrics)
        if getattr(self, "_graph", None) is None and isinstance(loss, (list, tuple)) and len(loss) > 1:
            keys, structured = [None] * len(loss), True  # a subclassed model with several outputs
        self._heads = CompiledHeads(keys, structured, loss, loss_weights, metrics, weighted_metrics)
        self.compiled = True
        self._compile_args = {"optimizer": _config_of(self.optimizer, "keras.optimizers"),
                              "loss": _config_tree(loss, "keras.losses"),
                              "loss_weights": _config_tree(loss_weights, None),
                              "metrics": _config_tree(metrics, "keras.metrics"),
                              "weighted_metrics": _config_tree(weighted_metrics, "keras.metrics"),
                              "run_eagerly": bool(run_eagerly), "steps_per_execution": steps_per_execution,
                              # "auto" resolves as on Keras' non-XLA backends (torch): minidl runs eagerly
                              "jit_compile": False if jit_compile == "auto" else bool(jit_compile)}
        self._check_output_activation()

    def _compile_keys(self):
        """``(output names, several outputs?)``: a multi-output functional model's dict keys or output
        layer names; one output otherwise."""
        graph = getattr(self, "_graph", None)
        names = self.output_names if graph is not None else []
        keys = list(getattr(self, "_output_keys", None) or names) or ["output"]
        return keys, len(keys) > 1  # a one-element list/dict of outputs logs as one output, as Keras

    @property
    def metrics_names(self) -> list:
        """``["loss", "compile_metrics"]`` (Keras 3's names) or ``["loss"]``; after a first batch a
        multi-output model adds its per-output losses (``"y1_loss"``, ...)."""
        heads = getattr(self, "_heads", None)
        if heads is None:
            return ["loss"]
        names = ["loss", "compile_metrics"] if heads.has_metrics() else ["loss"]
        return names + [t.name for t in heads.output_loss_trackers()]

    def _assert_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _output_layers(self):
        """The layer making each output (None where unknown), in flattened output order."""
        graph = getattr(self, "_graph", None)
        if graph is not None and graph[4]:
            return [t._layer for t in graph[1]]
        return [self._output_layer()]

    @staticmethod
    def _output_activation(layer):
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
        heads = getattr(self, "_heads", None)
        if heads is None:
            return
        for head, layer in zip(heads.heads, self._output_layers()):
            self._check_head_activation(head.loss_obj, layer)

    def _check_head_activation(self, loss, layer):
        if loss is None or not getattr(loss, "probabilistic", False) or not loss.from_logits:
            return
        act = self._output_activation(layer)
        if act is not None:  # a warning: Keras computes it all the same
            import warnings
            warnings.warn(f"The loss {loss.name} was given from_logits=True, but the output layer "
                          f"'{layer.name}' already applies a {act}: the {act} would be applied "
                          f"twice. Remove activation='{act}' from '{layer.name}' or use "
                          "from_logits=False.", UserWarning, stacklevel=3)

    # ------------------------------------------------------------------ pieces
    def _input_tensors(self, x):
        """Input arrays as internal-layout Tensors on the model's device (``model.to("cuda")``
        moves the model; the batches follow)."""
        device = None
        for p in self.parameters():
            device = p.device
            break

        def place(v, dtype=None):
            t = _integer_input(v) if dtype is not None and "int" in str(dtype) else None
            t = as_tensor(v) if t is None else t
            if device is not None and not backend.same_device(t.device, device) and t.array.dtype.kind not in "USO":
                t = Tensor(backend.to_device(t.array, device))
            return to_internal(t)
        if isinstance(x, dict):
            x = self._flatten_inputs(x)
        if isinstance(x, dict):  # a subclassed model: call() receives the dict
            return {k: place(v) for k, v in x.items()}
        dtypes = _kept_integer_inputs(self)
        if isinstance(x, list):
            return [place(v, dtypes[i] if i < len(dtypes) else None) for i, v in enumerate(x)]
        return place(x, dtypes[0] if len(dtypes) == 1 else None)

    def _external_outputs(self, out):
        """The model's raw (internal-layout) outputs as a flat list of Keras-layout Tensors."""
        return [to_external(o) for o in (out if isinstance(out, list) else [out])]

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
        if params:  # (with none, Keras' fit just reports the loss)
            self.optimizer.build(params)

    def _first_batch_checks(self, ys, outs_np):
        heads = self._heads
        if not heads.resolved:
            self._check_output_activation()
            for head, out_np in zip(heads.heads, outs_np):
                _losses.check_outputs(head.loss_obj, out_np)
        for head, y, out_np in zip(heads.heads, ys, outs_np):
            head.resolve_metrics(y, out_np)
        if not heads.resolved:
            heads.name_metrics()
        heads.resolved = True

    def _penalty(self):
        terms = self.losses
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def _output_mask_list(self, n_outputs):
        masks = getattr(self, "_output_masks", None)
        return list(masks) if masks is not None and len(masks) == n_outputs else [None] * n_outputs

    def _loss_value(self, ys, outs, sws):
        """``(total loss Tensor, [each output's unweighted loss or None])``."""
        loss, parts = self._heads.losses(ys, outs, sws, self._output_mask_list(len(outs)))
        penalty = self._penalty()
        if loss is None and penalty is None:  # compiled without a loss and no add_loss terms
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return (penalty if loss is None else loss if penalty is None else loss + penalty), parts

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Keras' hook for the training/evaluation loss of one batch: the compiled loss(es) of ``y_pred``
        (the model's outputs, Keras layout) against ``y``, plus the ``add_loss`` terms. A subclass may
        override it (knowledge distillation: a teacher's predictions on ``x``); ``fit`` and ``evaluate``
        then call the override with the batch's ``x``, ``y``, ``y_pred`` and ``sample_weight``."""
        outs = list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]
        ys, sws = self._targets(y, sample_weight)
        return self._loss_value(ys, outs, sws)[0]

    def _batch_loss(self, x, y, sw, ys, outs, sws, training):
        """``(loss Tensor, per-output parts)`` of a batch: a user's ``compute_loss`` override, else the
        compiled losses."""
        if type(self).compute_loss is TrainingMixin.compute_loss:
            return self._loss_value(ys, outs, sws)
        from minidl.keras.ops import convert_to_tensor
        kwargs = {"x": x, "y": y, "y_pred": outs[0] if len(outs) == 1 else outs, "sample_weight": sw}
        if "training" in inspect.signature(self.compute_loss).parameters:
            kwargs["training"] = training
        loss = self.compute_loss(**kwargs)
        if loss is None:
            raise ValueError(f"{type(self).__name__}.compute_loss returned None; it must return the loss")
        return convert_to_tensor(loss), [None] * len(outs)

    def _update_metrics(self, tracker, ys, outs_np, sws, n, loss_value, parts):
        tracker.update_state(np.float64(loss_value), sample_weight=np.float64(n))
        self._heads.update(ys, outs_np, sws, [None if p is None else float(p.item()) for p in parts], n,
                           self._output_mask_list(len(outs_np)))

    def _logs(self, tracker):
        return self._heads.logs(float(tracker.result()))

    def _reset_metrics(self):
        """Keras' ``reset_metrics``: every metric of ``model.metrics`` (the loss tracker, the compiled
        metrics, the layers' metrics) starts over."""
        self._heads.reset()
        _steps.reset_metrics(self)

    def _targets(self, y, sw):
        """Targets and sample weights as one entry per output (a subclassed model given a list of targets
        has that many outputs, unnamed: the first batch spreads one compiled loss over them)."""
        heads = self._heads
        if (getattr(self, "_graph", None) is None and not heads.structured and not heads.resolved
                and isinstance(y, (list, tuple)) and len(y) > 1):
            self._heads = CompiledHeads([None] * len(y), True, *self._compiled_specs)
        return self._heads.flatten(y, "y"), self._heads.flatten(sw, "sample_weight")

    # --------------------------------------------------------------- one batch
    def _train_batch(self, x, y, sw, tracker):
        if y is None and self._heads.has_loss:
            raise ValueError("fit needs targets: pass y, or batches of (x, y)")
        ys, sws = self._targets(y, sw)
        self._ensure_ready(x, y)
        outs = self._external_outputs(self._forward(self._input_tensors(x), training=True))
        outs_np = [numpy_of(o.array) for o in outs]
        self._first_batch_checks(ys, outs_np)
        loss, parts = self._batch_loss(x, y, sw, ys, outs, sws, True)
        if self.optimizer.built:
            self.optimizer.zero_grad()
            self.optimizer.scale_loss(loss).backward()  # LossScaleOptimizer scales, others return loss
            self.optimizer.step()
        self._update_metrics(tracker, ys, outs_np, sws, num_samples(x), float(loss.item()), parts)

    def _test_batch(self, x, y, sw, tracker):
        ys, sws = self._targets(y, sw)
        if not self.built:
            self._build_from_data(x)
        with no_grad():
            outs = self._external_outputs(self._forward(self._input_tensors(x), training=False))
            outs_np = [numpy_of(o.array) for o in outs]
            self._first_batch_checks(ys, outs_np)
            loss, parts = self._batch_loss(x, y, sw, ys, outs, sws, False)
        self._update_metrics(tracker, ys, outs_np, sws, num_samples(x), float(loss.item()), parts)

    def _evaluate_data(self, data, cbs):
        if _steps.overrides(self, "test_step"):
            return _steps.evaluate_batches(self, data, cbs)
        self._reset_metrics()
        tracker = _steps.loss_tracker(self)
        if hasattr(data, "reset"):
            data.reset()  # each evaluation starts a fresh pass over the data
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
        from minidl.keras.config import fit_caps
        epochs, steps_per_epoch = fit_caps(epochs, steps_per_epoch)  # keras.config.set_max_epochs & co
        val = None
        if validation_data is None and validation_split:
            if not (is_array(x) or is_structure(x)):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, "
                                 f"found following types in the input: {type(x)}")
            (x, y, sample_weight), val = train_validation_split(
                (to_arrays(x), to_arrays(y), to_arrays(sample_weight)), validation_split)
        elif validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and len(validation_data) in (1, 2, 3):
                val = tuple(validation_data) + (None,) * (3 - len(validation_data))  # Keras' unpacking
            else:
                val = (validation_data, None, None)
        if class_weight is not None:
            if self._heads.structured:
                raise ValueError("`class_weight` is only supported for models with a single output; pass "
                                 "`sample_weight` (a dict keyed by output name) instead")
            if y is None:
                raise ValueError("`class_weight` is only supported with array targets `y`")
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sample_weight = class_weights_to_sample_weights(numpy_of(y), class_weight)
        data = make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        val_data = None
        if val is not None:
            vbs = validation_batch_size or batch_size
            val_data = make_data(val[0], val[1], val[2], vbs if is_array(val[0]) or
                                 is_structure(val[0]) else None, False, validation_steps,
                                 what="validation_data")
        if isinstance(data, ArrayData) and not self.built:  # on a first batch's worth of rows, as Keras builds
            self._build_from_data(data.x, size=min(data.batch_size, data.n))
        if self.built:
            self._ensure_ready(None, None)  # the optimiser exists before the callbacks run
        verbose = _verbosity(verbose)
        params = {"verbose": verbose, "epochs": int(epochs), "steps": data.steps}
        state = _FitState(self)
        cbs = _callbacks.CallbackList(callbacks, model=self, _trainer=state, add_history=True,
                                      add_progbar=verbose != 0, **params)
        state.history, state.callbacks = cbs.history, cbs.callbacks
        self.stop_training = False
        cbs.on_train_begin({})
        # BackupAndRestore sets the epoch to resume from in on_train_begin
        resume_epoch, self._initial_epoch = getattr(self, "_initial_epoch", None), None
        initial_epoch = resume_epoch or initial_epoch
        epoch_logs, custom = {}, _steps.overrides(self, "train_step")
        for epoch in range(int(initial_epoch), int(epochs)):
            self._reset_metrics()  # Keras resets model.metrics each epoch
            tracker = _steps.loss_tracker(self)
            cbs.on_epoch_begin(epoch, {})
            step = -1
            for step, (xb, yb, swb) in enumerate(data.epoch()):
                cbs.on_train_batch_begin(step, {})
                if custom:
                    epoch_logs = _steps.train_batch(self, xb, yb, swb)
                else:
                    self._train_batch(xb, yb, swb, tracker)
                    epoch_logs = self._logs(tracker)
                cbs.on_train_batch_end(step, epoch_logs)
                if self.stop_training:
                    break
            if step < 0 and epoch > int(initial_epoch) and getattr(data, "one_shot", False):
                import warnings  # a generator used up by the earlier epochs, as Keras says
                warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset or "
                              "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
                              "to use the `.repeat()` function when building your dataset.", stacklevel=2)
                break
            if step < 0:
                raise ValueError("The training data yielded no batches")
            if val_data is not None and _should_eval(epoch, validation_freq):
                val_logs = self._evaluate_data(val_data, cbs)
                epoch_logs = dict(sorted({**epoch_logs, **{f"val_{k}": v for k, v in val_logs.items()}}.items()))
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if self.optimizer is not None and self.optimizer.built and int(epochs) > 0:
            self.optimizer.finalize_variable_values()  # use_ema: the weights take their averages
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
        cbs = _callbacks.CallbackList(callbacks, model=self, verbose=verbose, epochs=1, steps=data.steps,
                                      add_progbar=verbose != 0)
        logs = self._evaluate_data(data, cbs)
        if return_dict:
            return logs
        if _steps.overrides(self, "test_step"):
            return _steps.ordered_results(self, logs)
        return self._heads.ordered_values(logs)

    # ----------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs over ``x`` as one NumPy array (inference mode, batches of 32); a
        model with several outputs gives a list or dict of arrays, as it was built."""
        data = make_data(x, None, None, batch_size, False, steps)
        verbose = _verbosity(verbose)
        cbs = _callbacks.CallbackList(callbacks, model=self, verbose=verbose, epochs=1, steps=data.steps,
                                      add_progbar=verbose != 0)
        cbs.on_predict_begin({})
        outs = []
        for step, (xb, _, _) in enumerate(data.epoch()):
            cbs.on_predict_batch_begin(step, {})
            outs.append(_steps.predict_batch(self, xb) if _steps.overrides(self, "predict_step")
                        else self.predict_on_batch(xb))
            cbs.on_predict_batch_end(step, {"outputs": outs[-1]})
        cbs.on_predict_end({})
        if not outs:
            raise ValueError("predict: the data yielded no batches")
        if isinstance(outs[0], dict):
            return {k: np.concatenate([o[k] for o in outs], axis=0) for k in outs[0]}
        if isinstance(outs[0], list):
            return [np.concatenate([o[i] for o in outs], axis=0) for i in range(len(outs[0]))]
        return np.concatenate(outs, axis=0)

    # --------------------------------------------------------------- on batch
    def predict_on_batch(self, x):
        """Outputs for one batch, as a NumPy array (a list/dict of arrays for several outputs)."""
        x = to_arrays(x)
        if not self.built:
            self._build_from_data(x)
        with no_grad():
            outs = self._external_outputs(self._forward(self._input_tensors(x), training=False))
        arrays = [np.array(numpy_of(o.array), copy=True) for o in outs]
        if getattr(self, "_output_keys", None) is not None:
            return self._structure_outputs(arrays)
        return arrays if len(arrays) > 1 else arrays[0]  # Keras unwraps a one-element output list

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimisation step on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled()
        x, y, sw = to_arrays(x), to_arrays(y), to_arrays(sample_weight)
        if class_weight is not None:
            if sw is not None:
                raise ValueError("Arguments `sample_weight` and `class_weight` cannot be specified at the same "
                                 f"time. Received: sample_weight={sample_weight}, class_weight={class_weight}")
            sw = class_weights_to_sample_weights(y, class_weight)
        self._reset_metrics()
        tracker = _steps.loss_tracker(self)
        self._train_batch(x, y, sw, tracker)
        return self._batch_result(tracker, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode."""
        self._assert_compiled()
        self._reset_metrics()
        tracker = _steps.loss_tracker(self)
        self._test_batch(to_arrays(x), to_arrays(y), to_arrays(sample_weight), tracker)
        return self._batch_result(tracker, return_dict)

    def _batch_result(self, tracker, return_dict):
        logs = self._logs(tracker)
        if return_dict:
            return logs
        return self._heads.ordered_values(logs)


def _should_eval(epoch, validation_freq) -> bool:
    """Keras' ``_should_eval``: every ``validation_freq``-th epoch, or the (1-based) epochs listed."""
    epoch += 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, list):
        return epoch in validation_freq
    raise ValueError(f"Expected `validation_freq` to be a list or int. Received: validation_freq={validation_freq} "
                     f"of the type {type(validation_freq)}.")


def _config_of(obj, module):
    """A JSON-able description of a compile argument (names stay names), as Keras writes it."""
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    from minidl.keras.models.saving_custom import entry_names
    if hasattr(obj, "get_config"):
        module, registered = entry_names(obj, module)  # a user class: its registered name
        return {"module": module, "class_name": type(obj).__name__,
                "config": _jsonable(obj.get_config()), "registered_name": registered}
    from minidl.keras._registry import get_registered_name
    return get_registered_name(obj) if hasattr(obj, "__name__") else None  # a registered function: "package>name"


def _config_tree(value, module):
    """:func:`_config_of` over a compile argument that may be a list or dict (per output)."""
    if isinstance(value, dict):
        return {k: _config_tree(v, module) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_config_tree(v, module) for v in value]
    if module is None:
        return value
    return _config_of(value, module)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def _kept_integer_inputs(model):
    """Per model input, its dtype when it is an integer ``Input`` read only by layers that take integers
    (``Embedding``, lookups, hashing...: they need the exact ids), else None (the float32 cast other layers expect)."""
    graph = getattr(model, "_graph", None)
    if graph is None:
        return []
    from minidl.keras.layers._data_layer import DataLayer
    ins, nodes = graph[0], graph[2]
    consumers = {id(t): [] for t in ins}
    for node in nodes:
        for parent in node._parents:
            if id(parent) in consumers:
                consumers[id(parent)].append(node._layer)
    if not nodes and getattr(model, "_layers", None):  # a Sequential runs its layers in turn
        consumers[id(ins[0])].append(model._layers[0])
    return [t.dtype if "int" in str(t.dtype) and consumers[id(t)] and
            all(isinstance(layer, DataLayer) or layer._keeps_integer_inputs for layer in consumers[id(t)])
            else None for t in ins]


def _integer_input(value):
    """An integer array fed to an ``Input(dtype="int...")`` as an int64 Tensor (as Keras keeps it: ids
    beyond 2**24 would not survive the float32 cast); None for anything else."""
    if isinstance(value, Tensor):
        return value if value.array.dtype.kind in "iu" else None
    array = value if backend.device_of(value).type != "cpu" else np.asarray(value)
    return Tensor(array.astype(np.int64)) if array.dtype.kind in "iu" else None
