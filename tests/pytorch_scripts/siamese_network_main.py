"""A siamese network on MNIST pairs: same digit or not, scored by a shared ResNet-18 trunk and BCELoss.

Local copy, in the idiom of pytorch/examples ``siamese_network/main.py``, with only the import lines
rewritten: ``torchvision.models.resnet18(weights=None)`` with its stem swapped for a 1-channel conv and
its ``fc`` dropped via ``nn.Sequential(*list(model.children())[:-1])``, ``Module.apply`` for init, a
``Dataset`` over ``MNIST(...).data``/``.targets`` (grouped with ``np.array(t, dtype=None, copy=None)``),
``torch.where(outputs > 0.5, 1, 0)``, Adadelta + StepLR.
"""
import argparse
import random

import numpy as np

import minidl as torch
import minidl.nn as nn
import minidl.optim as optim
import minidl.vision as torchvision
from minidl.utils.data import Dataset
from minidl.vision import datasets
from minidl.optim.lr_scheduler import StepLR


class SiameseNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        trunk = torchvision.models.resnet18(weights=None)
        trunk.conv1 = nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
        self.fc_in_features = trunk.fc.in_features
        self.resnet = torch.nn.Sequential(*(list(trunk.children())[:-1]))  # everything but the classifier
        self.fc = nn.Sequential(nn.Linear(self.fc_in_features * 2, 256), nn.ReLU(inplace=True), nn.Linear(256, 1))
        self.sigmoid = nn.Sigmoid()
        self.resnet.apply(self.init_weights)
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    def embed(self, x):
        features = self.resnet(x)
        return features.view(features.size()[0], -1)

    def forward(self, input1, input2):
        both = torch.cat((self.embed(input1), self.embed(input2)), 1)
        return self.sigmoid(self.fc(both))


class PairsOfDigits(Dataset):
    """Item i: two images of one digit (target 1) when i is even, of two different digits (0) when odd."""

    def __init__(self, root, train, download=False):
        super().__init__()
        self.dataset = datasets.MNIST(root, train=train, download=download)
        self.data = self.dataset.data.unsqueeze(1).clone()  # (N, 1, 28, 28) uint8
        labels = np.array(self.dataset.targets.clone(), dtype=None, copy=None)
        self.by_digit = {digit: np.where(labels == digit)[0] for digit in range(10)}

    def __len__(self):
        return self.data.shape[0]

    def _pick(self, digit, avoid=None):
        choices = self.by_digit[digit]
        position = random.randint(0, choices.shape[0] - 1)
        while avoid is not None and position == avoid:
            position = random.randint(0, choices.shape[0] - 1)
        return position, self.data[choices[position]].clone().float()

    def __getitem__(self, index):
        digit = random.randint(0, 9)
        first_position, image_1 = self._pick(digit)
        if index % 2 == 0:
            _, image_2 = self._pick(digit, avoid=first_position)
            return image_1, image_2, torch.tensor(1, dtype=torch.float)
        other = random.randint(0, 9)
        while other == digit:
            other = random.randint(0, 9)
        _, image_2 = self._pick(other)
        return image_1, image_2, torch.tensor(0, dtype=torch.float)


def train(args, model, device, loader, optimizer, epoch):
    model.train()
    criterion = nn.BCELoss()
    for batch_idx, (images_1, images_2, targets) in enumerate(loader):
        images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images_1, images_2).squeeze(), targets)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(images_1), len(loader.dataset), 100. * batch_idx / len(loader), loss.item()))
            if args.dry_run:
                break


def test(model, device, loader):
    model.eval()
    criterion = nn.BCELoss()
    total_loss, correct = 0, 0
    with torch.no_grad():
        for images_1, images_2, targets in loader:
            images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
            outputs = model(images_1, images_2).squeeze()
            total_loss += criterion(outputs, targets).sum().item()
            pred = torch.where(outputs > 0.5, 1, 0)
            correct += pred.eq(targets.view_as(pred)).sum().item()
    total_loss /= len(loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        total_loss, correct, len(loader.dataset), 100. * correct / len(loader.dataset)))


def main():
    parser = argparse.ArgumentParser(description='Siamese network on MNIST pairs')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N')
    parser.add_argument('--epochs', type=int, default=14, metavar='N')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M')
    parser.add_argument('--no-accel', action='store_true')
    parser.add_argument('--dry-run', action='store_true', default=False)
    parser.add_argument('--seed', type=int, default=1, metavar='S')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N')
    parser.add_argument('--save-model', action='store_true', default=False)
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()
    torch.manual_seed(args.seed)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    print(f"Using device: {device}")

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_accel:
        train_kwargs.update({'num_workers': 1, 'pin_memory': True, 'shuffle': True})
        test_kwargs.update({'num_workers': 1, 'pin_memory': True, 'shuffle': True})
    train_loader = torch.utils.data.DataLoader(PairsOfDigits('../data', train=True, download=True), **train_kwargs)
    test_loader = torch.utils.data.DataLoader(PairsOfDigits('../data', train=False), **test_kwargs)

    model = SiameseNetwork().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "siamese_network.pt")


if __name__ == '__main__':
    main()
