"""``AdaptiveLogSoftmaxWithLoss`` (Grave et al., 2017), PyTorch's layer with its parameter names.

The ``cutoffs`` split the classes into a shortlist, predicted by the ``head``
together with one logit per tail cluster, and clusters, each predicted by its
own two-layer ``tail`` projection (in_features -> in_features // div_value**(i+1)
-> cluster size). log p(class) = head log-softmax of the class (shortlist) or of
its cluster, plus the cluster's own log-softmax.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import minidl.nn.functional as F
from minidl import functions
from minidl.backend import to_numpy
from minidl.nn.containers import ModuleList, Sequential
from minidl.nn.layers.linear import Linear
from minidl.nn.module import Module
from minidl.tensor import Tensor

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation for large output spaces.

    Args: ``in_features``, ``n_classes``, ``cutoffs`` (increasing ints in [1, n_classes - 1]),
    ``div_value=4.0``, ``head_bias=False``. ``forward(input (N, in_features), target (N,))`` returns
    ``_ASMoutput(output, loss)``: each target's log-probability (N,) and the mean negative log-likelihood.

    >>> import minidl as mdl, minidl.nn as nn
    >>> asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6])
    >>> out = asm(mdl.randn(4, 8), mdl.tensor([0, 4, 9, 2]))
    >>> out.output.shape, out.loss.shape, asm.log_prob(mdl.randn(4, 8)).shape
    (minidl.Size([4]), minidl.Size([]), minidl.Size([4, 10]))
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **factory),
                                        Linear(hidden, size, bias=False, **factory)))

    def reset_parameters(self) -> None:
        """Re-initialise the head and every tail projection as ``nn.Linear`` does."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        """input (N, in_features) or (in_features,), target (N,) or () -> ``_ASMoutput(output, loss)``."""
        if not isinstance(input_, Tensor) or not isinstance(target_, Tensor):
            raise TypeError("AdaptiveLogSoftmaxWithLoss: input and target must be Tensors")
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{list(input_.shape)}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{list(input_.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = to_numpy(target_.array).reshape(-1).astype(np.int64)
        if target.size and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min()}, {target.max()}] were found. ")
        batch = target.size
        xp = input.xp
        head_index = target.copy()
        pieces, rows = [], []
        for i in range(1, len(self.cutoffs)):
            low, high = self.cutoffs[i - 1], self.cutoffs[i]
            members = np.nonzero((target >= low) & (target < high))[0]
            if members.size == 0:
                continue
            head_index[members] = self.shortlist_size + i - 1
            cluster = F.log_softmax(self.tail[i - 1](input[xp.asarray(members)]), dim=1)
            pieces.append(cluster[xp.asarray(np.arange(members.size)), xp.asarray(target[members] - low)])
            rows.append(members)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob[xp.asarray(np.arange(batch)), xp.asarray(head_index)]
        if pieces:
            in_shortlist = np.nonzero(target < self.shortlist_size)[0]
            zeros = Tensor(xp.zeros(in_shortlist.size, dtype=output.array.dtype))
            order = np.concatenate([in_shortlist] + rows)
            tail_part = functions.cat([zeros] + pieces, 0)[xp.asarray(np.argsort(order, kind="stable"))]
            output = output + tail_part
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _get_full_log_prob(self, input, head_output):
        """log-probabilities of every class (N, n_classes) from the head's logits (N, head_size)."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            column = self.shortlist_size + i
            parts.append(cluster_logprob + head_logprob[:, column:column + 1])
        return functions.cat(parts, 1)

    def log_prob(self, input):
        """log p(class | input) for every class: (N, in_features) -> (N, n_classes) (or unbatched)."""
        batched = input.ndim > 1
        x = input if batched else input.unsqueeze(0)
        out = self._get_full_log_prob(x, self.head(x))
        return out if batched else out.squeeze(0)

    def predict(self, input):
        """The most likely class of each row: (N, in_features) -> (N,) int64 (or a 0-d tensor unbatched)."""
        batched = input.ndim > 1
        x = input if batched else input.unsqueeze(0)
        head_output = self.head(x)
        output = to_numpy(head_output.argmax(1).array).astype(np.int64)
        outside = output >= self.shortlist_size
        if outside.any():
            where = x.xp.asarray(np.nonzero(outside)[0])
            full = self._get_full_log_prob(x[where], head_output[where])
            output[outside] = to_numpy(full.argmax(1).array)
        result = Tensor(x.xp.asarray(output))
        return result if batched else result.squeeze(0)
