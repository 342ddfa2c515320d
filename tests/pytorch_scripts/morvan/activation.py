"""After MorvanZhou/PyTorch-Tutorial 203_activation.py: relu, sigmoid, tanh, softplus on a linspace."""
import matplotlib.pyplot as plt

import minidl as torch
import minidl.nn.functional as F
from minidl.autograd import Variable

x = torch.linspace(-5, 5, 200)
x = Variable(x)
x_np = x.data.numpy()

y_relu = torch.relu(x).data.numpy()
y_sigmoid = torch.sigmoid(x).data.numpy()
y_tanh = torch.tanh(x).data.numpy()
y_softplus = F.softplus(x).data.numpy()
y_softmax = torch.softmax(x, dim=0).data.numpy()
for name, y in [('relu', y_relu), ('sigmoid', y_sigmoid), ('tanh', y_tanh), ('softplus', y_softplus),
                ('softmax', y_softmax)]:
    print(name, y.dtype, y.shape, '%.6f %.6f %.6f' % (y[0], y[100], y[-1]))

plt.figure(1, figsize=(8, 6))
plt.subplot(221)
plt.plot(x_np, y_relu, c='red', label='relu')
plt.ylim((-1, 5))
plt.legend(loc='best')
plt.subplot(222)
plt.plot(x_np, y_sigmoid, c='red', label='sigmoid')
plt.legend(loc='best')
plt.show()
