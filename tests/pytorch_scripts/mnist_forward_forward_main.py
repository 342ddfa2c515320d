"""Forward-forward training (Hinton, 2022) on MNIST: each layer learns alone to score real (image, label)
pairs high and wrong ones low; the label is written into the first 10 pixels.

Local copy, in the idiom of pytorch/examples ``mnist_forward_forward/main.py``, with only the import
lines rewritten: one Adam per layer, a ``Layer(nn.Linear)`` subclass and a ``Net`` whose ``train``
methods shadow ``Module.train``, ``x_[range(n), y] = x.max()``, ``torch.mm(x, self.weight.T)``,
``x.norm(2, 1, keepdim=True)``, a ``Lambda(lambda x: torch.flatten(x))`` transform.
"""
import argparse

import minidl as torch
import minidl.nn as nn
from minidl.vision.datasets import MNIST
from minidl.vision.transforms import Compose, ToTensor, Normalize, Lambda
from minidl.utils.data import DataLoader
from minidl.optim import Adam


def wrong_labels(y):
    """For each label, a different one drawn uniformly from the other nine."""
    y_neg = y.clone()
    for idx, label in enumerate(y):
        others = [c for c in range(10) if c != label.item()]
        y_neg[idx] = torch.tensor(others)[torch.randint(len(others), size=(1,))].item()
    return y_neg.to(device)


def overlay_y_on_x(x, y, classes=10):
    x_ = x.clone()
    x_[:, :classes] *= 0.0
    x_[range(x.shape[0]), y] = x.max()
    return x_


class Net(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = [Layer(d_in, d_out).to(device) for d_in, d_out in zip(dims[:-1], dims[1:])]

    def predict(self, x):
        goodness_per_label = []
        for label in range(10):
            h = overlay_y_on_x(x, label)
            goodness = []
            for layer in self.layers:
                h = layer(h)
                goodness.append(h.pow(2).mean(1))
            goodness_per_label.append(sum(goodness).unsqueeze(1))
        return torch.cat(goodness_per_label, 1).argmax(1)

    def train(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            print("training layer: ", i)
            h_pos, h_neg = layer.train(h_pos, h_neg)


class Layer(nn.Linear):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self.relu = torch.nn.ReLU()
        self.opt = Adam(self.parameters(), lr=args.lr)
        self.threshold = args.threshold
        self.num_epochs = args.epochs

    def forward(self, x):
        direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
        return self.relu(torch.mm(direction, self.weight.T) + self.bias.unsqueeze(0))

    def train(self, x_pos, x_neg):
        for i in range(self.num_epochs):
            g_pos = self.forward(x_pos).pow(2).mean(1)
            g_neg = self.forward(x_neg).pow(2).mean(1)
            margins = torch.cat([-g_pos + self.threshold, g_neg - self.threshold])
            loss = torch.log1p(torch.exp(margins)).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            if i % args.log_interval == 0:
                print("Loss: ", loss.item())
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1000, metavar="N")
    parser.add_argument("--lr", type=float, default=0.03, metavar="LR")
    parser.add_argument("--no_accel", action="store_true")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--train_size", type=int, default=50000)
    parser.add_argument("--threshold", type=float, default=2)
    parser.add_argument("--test_size", type=int, default=10000)
    parser.add_argument("--save-model", action="store_true")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N")
    args = parser.parse_args()
    use_accel = not args.no_accel and torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")

    transform = Compose([ToTensor(), Normalize((0.1307,), (0.3081,)), Lambda(lambda x: torch.flatten(x))])
    train_loader = DataLoader(MNIST("./data/", train=True, download=True, transform=transform),
                              batch_size=args.train_size)
    test_loader = DataLoader(MNIST("./data/", train=False, download=True, transform=transform),
                             batch_size=args.test_size)
    net = Net([784, 500, 500])
    x, y = next(iter(train_loader))
    x, y = x.to(device), y.to(device)
    net.train(overlay_y_on_x(x, y), overlay_y_on_x(x, wrong_labels(y)))
    print("train error:", 1.0 - net.predict(x).eq(y).float().mean().item())
    x_te, y_te = next(iter(test_loader))
    x_te, y_te = x_te.to(device), y_te.to(device)
    if args.save_model:
        torch.save(net.state_dict(), "mnist_ff.pt")
    print("test error:", 1.0 - net.predict(x_te).eq(y_te).float().mean().item())
