# -*- coding: utf-8 -*-
"""Fit y = sin(x) with a cubic written as nn.Sequential(Linear(3, 1), Flatten(0, 1)).

Local copy, in the idiom of PyTorch's tutorial ``beginner_source/examples_nn/polynomial_nn.py``,
with only the import line rewritten.
"""
import minidl as torch
import math


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# y is a linear function of (x, x^2, x^3): build that (2000, 3) input by broadcasting.
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(2000):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    model.zero_grad()

    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]

print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
