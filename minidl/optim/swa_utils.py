"""Stochastic weight averaging and EMA (``torch.optim.swa_utils``): ``AveragedModel``,
``SWALR``, ``update_bn`` and the averaging functions.

Izmailov et al. 2018: average the weights visited late in training (SWA),
or keep an exponential moving average (EMA) of them, then recompute the
batch-norm statistics of the averaged model.
"""
from __future__ import annotations

import copy
import itertools
import math

from minidl import autograd, backend
from minidl.dtypes import is_float_or_complex
from minidl.nn.layers.normalization import _BatchNorm
from minidl.nn.module import Module
from minidl.optim.lr_scheduler import LRScheduler
from minidl.optim.lr_scheduler_cyclic import _per_group
from minidl.tensor import Tensor, tensor

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _number(n):
    return n.item() if isinstance(n, Tensor) else n


def get_ema_multi_avg_fn(decay=0.999):
    """``fn(ema_params, current_params, num_averaged)``: ema = decay * ema + (1 - decay) * current,
    in place on every pair of Tensors."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with autograd.no_grad():
            for ema, current in zip(ema_param_list, current_param_list):
                if is_float_or_complex(ema.array.dtype):
                    ema.array += (1 - decay) * (current.array - ema.array)
                else:
                    ema.array[...] = ema.array * decay + current.array * (1 - decay)
    return ema_update


def get_swa_multi_avg_fn():
    """``fn(averaged_params, current_params, num_averaged)``: the running mean
    averaged += (current - averaged) / (num_averaged + 1), in place."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = _number(num_averaged)
        with autograd.no_grad():
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.array[...] = averaged.array + (current.array - averaged.array) / (n + 1)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """``fn(ema_param, current_param, num_averaged)`` -> decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with autograd.no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """``fn(averaged_param, current_param, num_averaged)`` -> the running mean after one more value."""
    def swa_update(averaged_param, current_param, num_averaged):
        with autograd.no_grad():
            return averaged_param + (current_param - averaged_param) / (_number(num_averaged) + 1)
    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` (``self.module``) whose parameters are averaged over the
    models passed to :meth:`update_parameters`; calling it runs the averaged copy.

    Args:
        model: the model to average. device: where to keep the copy.
        avg_fn: ``fn(averaged, current, num_averaged) -> new`` per Tensor, or
        multi_avg_fn: ``fn(averaged_list, current_list, num_averaged)`` in place
            (default: the equal-weight running mean, i.e. SWA; see
            :func:`get_ema_multi_avg_fn` for an EMA). Only one of the two.
        use_buffers: average the buffers too (else they are copied from ``model``).

    State: ``n_averaged`` (an int64 buffer) and ``module.*``, as in PyTorch.
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype="int64", device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the average;
        the first call copies them."""
        if self.use_buffers:
            own = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            own, theirs = self.parameters(), model.parameters()
        pairs = [(p, Tensor(backend.to_device(q.array, p.device))) for p, q in zip(own, theirs)]
        n = int(self.n_averaged.item())
        with autograd.no_grad():
            if n == 0:
                for p, q in pairs:
                    p.array[...] = q.array
            elif self.avg_fn is not None:
                for p, q in pairs:
                    new = self.avg_fn(p.detach(), q, self.n_averaged)
                    p.array[...] = new.array if isinstance(new, Tensor) else new
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())([p for p, _ in pairs], [q for _, q in pairs],
                                                              self.n_averaged)
            if not self.use_buffers:
                for b_own, b_model in zip(self.module.buffers(), model.buffers()):
                    b_own.array[...] = backend.to_device(b_model.array, b_own.device)
        self.n_averaged.array += 1


def update_bn(loader, model, device=None):
    """Recompute every batch-norm layer's running statistics with one pass over ``loader``.

    The statistics are reset and accumulated as a cumulative average
    (momentum None) in training mode; the modes and momenta are restored
    afterwards. Batches that are lists/tuples contribute their first item.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with autograd.no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to ``swa_lr`` over ``anneal_epochs``
    steps ("cos" or "linear"), then hold it there.

    Args: optimizer, swa_lr (a number or one per group), anneal_epochs=10,
    anneal_strategy="cos", last_epoch=-1.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for value, group in zip(_per_group("swa_lr", swa_lr, optimizer), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The lr annealing started from, recovered from the current lr at fraction ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        """The lrs after this step (from the groups' current lrs, as PyTorch's recursive form)."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def state_dict(self) -> dict:
        """Every attribute but the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore :meth:`state_dict`'s attributes (and the annealing function they name)."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


