"""After PyTorch's "Saving and loading models across devices" recipe, CPU only: ``map_location`` as a string, a
``torch.device``, a dict and a function, ``model.to(device)`` after ``load_state_dict``, and ``weights_only``."""
import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
print(net)
PATH = "model.pt"
torch.save(net.state_dict(), PATH)

device = torch.device('cpu')
model = Net()
print(model.load_state_dict(torch.load(PATH, map_location=device, weights_only=True)))
x = torch.randn(2, 3, 32, 32)
print(torch.equal(model(x), net(x)))

for location in ["cpu", torch.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage, None]:
    sd = torch.load(PATH, map_location=location)
    print(type(location).__name__, sd["fc3.bias"].device, torch.equal(sd["fc3.bias"], net.fc3.bias.detach()))

model = Net()
model.load_state_dict(torch.load(PATH, weights_only=True))
model.to(device)
print(next(model.parameters()).device, model.training)
model.eval()
print(model.training, model(x).shape)
print(torch.cuda.is_available(), torch.device("cuda:0"), torch.device("cuda", 1).index)
