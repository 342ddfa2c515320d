"""d2l.ai's PyTorch "from scratch" sections written out without the d2l package: linear regression (synthetic
data, a shuffling ``data_iter``, ``sgd`` under ``no_grad``), softmax regression (``softmax``, ``cross_entropy``
by fancy indexing, ``accuracy``), an MLP with its own ``relu``, dropout from scratch and BatchNorm from scratch
(``batch_norm`` with moving statistics, a ``BatchNorm`` module in a LeNet)."""
import random

import minidl as torch
from minidl import nn

torch.manual_seed(42)
random.seed(42)


# 3.2 linear regression from scratch
def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
print('features:', features[0], '\nlabel:', labels[0])


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr, num_epochs, batch_size = 0.03, 3, 10
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = squared_loss(linreg(X, w, b), y)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = squared_loss(linreg(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')
print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
print(f'error in estimating b: {true_b - b}')

# 3.6 softmax regression from scratch (synthetic 2x4x4 "images", 3 classes)
X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


X = torch.normal(0, 1, (2, 5))
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))

num_inputs, num_outputs = 16, 3
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(cross_entropy(y_hat, y))


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


print(accuracy(y_hat, y) / len(y))

images = torch.randn(60, 1, 4, 4)
targets = torch.randint(0, 3, (60,))
images[targets == 1] += 1.5
images[targets == 2] -= 1.5
for epoch in range(3):
    for i in range(0, 60, 20):
        Xb, yb = images[i:i + 20], targets[i:i + 20]
        l = cross_entropy(net(Xb), yb)
        l.mean().backward()
        sgd([W, b], 0.5, 1)
    print('epoch %d loss %.4f acc %.3f' % (epoch + 1, cross_entropy(net(images), targets).mean().item(),
                                          accuracy(net(images), targets) / len(targets)))


# 4.2 MLP from scratch, 4.6 dropout from scratch
def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print(dropout_layer(X, 0.), dropout_layer(X, 0.5), dropout_layer(X, 1.), sep='\n')
W1 = nn.Parameter(torch.randn(num_inputs, 8) * 0.01)
b1 = nn.Parameter(torch.zeros(8))
W2 = nn.Parameter(torch.randn(8, num_outputs) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs))
params = [W1, b1, W2, b2]
loss = nn.CrossEntropyLoss(reduction='none')
updater = torch.optim.SGD(params, lr=0.5)
for epoch in range(3):
    H = relu(images.reshape((-1, num_inputs)) @ W1 + b1)
    H = dropout_layer(H, 0.2)
    out = H @ W2 + b2
    l = loss(out, targets)
    updater.zero_grad()
    l.mean().backward()
    updater.step()
    print('mlp epoch %d loss %.4f' % (epoch + 1, l.mean().item()), l.shape)


# 8.5 batch normalization from scratch
def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), BatchNorm(6, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), BatchNorm(16, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
    nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
    nn.Linear(84, 10))
X = torch.rand(8, 1, 28, 28)
ref = nn.BatchNorm2d(6, momentum=0.1)
ref.load_state_dict({'weight': torch.ones(6), 'bias': torch.zeros(6), 'running_mean': torch.zeros(6),
                     'running_var': torch.ones(6), 'num_batches_tracked': torch.tensor(0)})
conv_out = net[0](X)
print(torch.allclose(net[1](conv_out), ref(conv_out), atol=1e-5))
print(torch.allclose(net[1].moving_mean.reshape(-1), ref.running_mean, atol=1e-6),
      torch.allclose(net[1].moving_var.reshape(-1), ref.running_var, atol=1e-4))
optimizer = torch.optim.SGD(net.parameters(), lr=0.9)
y = torch.randint(0, 10, (8,))
for step in range(3):
    l = nn.functional.cross_entropy(net(X), y)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()
    print('bn lenet step %d loss %.4f' % (step, l.item()))
print(net[1].gamma.reshape((-1,)).shape, net[1].beta.reshape((-1,)).shape)
with torch.no_grad():
    print(net(X).argmax(1).shape)
