"""After MorvanZhou/PyTorch-Tutorial 303_build_nn_quickly.py: the same net as a class and as a Sequential."""
import minidl as torch
import minidl.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self, n_feature, n_hidden, n_output):
        super(Net, self).__init__()
        self.hidden = torch.nn.Linear(n_feature, n_hidden)
        self.predict = torch.nn.Linear(n_hidden, n_output)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = self.predict(x)
        return x


net1 = Net(1, 10, 1)
net2 = torch.nn.Sequential(
    torch.nn.Linear(1, 10),
    torch.nn.ReLU(),
    torch.nn.Linear(10, 1)
)
print(net1)
print(net2)
net2.load_state_dict({k.replace('hidden', '0').replace('predict', '2'): v for k, v in net1.state_dict().items()})
x = torch.linspace(-1, 1, 5).unsqueeze(1)
print(torch.equal(net1(x), net2(x)), list(net2.state_dict()))
