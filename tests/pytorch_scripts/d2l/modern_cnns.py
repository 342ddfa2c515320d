"""d2l.ai's convolutional chapters written out without the d2l package, at CPU sizes: LeNet with the layer-by-layer
shape walk, an AlexNet-style net, NiN blocks with global average pooling, a GoogLeNet Inception block, ResNet's
Residual block (with and without 1x1 conv) and DenseNet's dense and transition blocks; Xavier init through
``net.apply``, one training step each (seeded)."""
import minidl as torch
from minidl import nn
from minidl.nn import functional as F

torch.manual_seed(0)


def init_cnn(module):
    if type(module) is nn.Linear or type(module) is nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


def walk(net, X):
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape:\t', X.shape)
    return X


def step(net, X, lr=0.1):
    y = torch.arange(X.shape[0]) % 10
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = F.cross_entropy(net(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        after = F.cross_entropy(net(X), y)
    print('loss %.4f -> %.4f' % (loss.item(), after.item()))


# 7.6 LeNet
lenet = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))
lenet.apply(init_cnn)
X = torch.rand(size=(4, 1, 28, 28), dtype=torch.float32)
walk(lenet, X)
step(lenet, X, lr=0.9)

# 8.1 AlexNet (channels and input cut down)
alexnet = nn.Sequential(
    nn.Conv2d(1, 12, kernel_size=11, stride=4, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.Conv2d(12, 32, kernel_size=5, padding=2), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.Conv2d(32, 48, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(48, 48, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(48, 32, kernel_size=3, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
    nn.LazyLinear(64), nn.ReLU(), nn.Dropout(p=0.5),
    nn.Linear(64, 64), nn.ReLU(), nn.Dropout(p=0.5),
    nn.Linear(64, 10))
X = torch.randn(2, 1, 96, 96)
walk(alexnet, X)
print(alexnet[16])
step(alexnet, X, lr=0.01)


# 8.3 NiN
def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


nin = nn.Sequential(
    nin_block(8, kernel_size=11, strides=4, padding=0),
    nn.MaxPool2d(3, stride=2),
    nin_block(16, kernel_size=5, strides=1, padding=2),
    nn.MaxPool2d(3, stride=2),
    nin_block(10, kernel_size=3, strides=1, padding=1),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten())
X = torch.randn(2, 1, 64, 64)
walk(nin, X)
print(sum(p.numel() for p in nin.parameters()))


# 8.4 GoogLeNet's Inception block
class Inception(nn.Module):
    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


blk = Inception(8, (4, 8), (2, 4), 4)
Y = blk(torch.randn(2, 6, 12, 12))
print(Y.shape, blk.b3_2.weight.shape, '%.4f' % Y.abs().mean().item())
googlenet = nn.Sequential(nn.Conv2d(1, 6, kernel_size=7, stride=2, padding=3), nn.ReLU(),
                          nn.MaxPool2d(kernel_size=3, stride=2, padding=1), blk,
                          nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(10))
X = torch.randn(2, 1, 32, 32)
walk(googlenet, X)
step(googlenet, X)


# 8.6 ResNet's Residual block
class Residual(nn.Module):
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


blk = Residual(3)
X = torch.randn(4, 3, 6, 6)
print(blk(X).shape)
blk = Residual(6, use_1x1conv=True, strides=2)
print(blk(X).shape, blk.bn1)
resnet = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                       Residual(8), Residual(16, use_1x1conv=True, strides=2),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, 10))
X = torch.randn(4, 1, 16, 16)
walk(resnet, X)
step(resnet, X, lr=0.05)
print(resnet[1].running_mean.shape, resnet[1].num_batches_tracked, resnet[4].bn2.num_features)


# 8.7 DenseNet
def conv_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, num_channels):
        super(DenseBlock, self).__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


blk = DenseBlock(2, 10)
X = torch.randn(4, 3, 8, 8)
Y = blk(X)
print(Y.shape)
blk = transition_block(10)
print(blk(Y).shape)
densenet = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3, padding=1), DenseBlock(2, 4), transition_block(8),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(10))
X = torch.randn(4, 1, 8, 8)
walk(densenet, X)
step(densenet, X)
print(densenet)
