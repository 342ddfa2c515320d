"""Fit a random degree-4 polynomial with one ``Linear`` layer and hand-written SGD steps until the loss is tiny.

Local copy, in the idiom of pytorch/examples ``regression/main.py``, with only the import lines
rewritten: features [x, x^2, x^3, x^4] built with ``torch.cat``, smooth-L1 loss, updates through
``param.data.add_(-lr * param.grad)``, coefficients printed with ``'{:+.2f}'.format(tensor)``.
"""
from itertools import count

import minidl as torch
import minidl.nn.functional as F

DEGREE = 4
true_weight = torch.randn(DEGREE, 1) * 5
true_bias = torch.randn(1) * 5


def features(x):
    """(n,) -> (n, DEGREE): the columns x, x^2, ..., x^DEGREE."""
    x = x.unsqueeze(1)
    return torch.cat([x ** power for power in range(1, DEGREE + 1)], 1)


def target(x):
    return x.mm(true_weight) + true_bias.item()


def describe(weight, bias):
    terms = ''.join('{:+.2f} x^{} '.format(w, power + 1) for power, w in enumerate(weight))
    return 'y = ' + terms + '{:+.2f}'.format(bias[0])


def batch(size=32):
    x = features(torch.randn(size))
    return x, target(x)


fc = torch.nn.Linear(true_weight.size(0), 1)

for step in count(1):
    batch_x, batch_y = batch()
    fc.zero_grad()
    objective = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = objective.item()
    objective.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3:
        break

print('Loss: {:.6f} after {} batches'.format(loss, step))
print('==> Learned function:\t' + describe(fc.weight.view(-1), fc.bias))
print('==> Actual function:\t' + describe(true_weight.view(-1), true_bias))
