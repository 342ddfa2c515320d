"""After MorvanZhou/PyTorch-Tutorial 304_save_reload.py: save the whole net and its state dict, restore both."""
import matplotlib.pyplot as plt

import minidl as torch

torch.manual_seed(1)    # reproducible

x = torch.unsqueeze(torch.linspace(-1, 1, 100), dim=1)
y = x.pow(2) + 0.2 * torch.rand(x.size())


def save():
    net1 = torch.nn.Sequential(
        torch.nn.Linear(1, 10),
        torch.nn.ReLU(),
        torch.nn.Linear(10, 1)
    )
    optimizer = torch.optim.SGD(net1.parameters(), lr=0.5)
    loss_func = torch.nn.MSELoss()
    for t in range(100):
        prediction = net1(x)
        loss = loss_func(prediction, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    plt.figure(1, figsize=(10, 3))
    plt.subplot(131)
    plt.title('Net1')
    plt.scatter(x.data.numpy(), y.data.numpy())
    plt.plot(x.data.numpy(), prediction.data.numpy(), 'r-', lw=5)
    torch.save(net1, 'net.pkl')
    torch.save(net1.state_dict(), 'net_params.pkl')
    print('net1 %.6f' % loss_func(net1(x), y).item())


def restore_net():
    try:
        torch.load('net.pkl')
    except Exception as err:  # weights_only=True by default since torch 2.6
        print(type(err).__name__, str(err).splitlines()[0])
    net2 = torch.load('net.pkl', weights_only=False)
    prediction = net2(x)
    print('net2 %.6f' % torch.nn.MSELoss()(prediction, y).item(), type(net2).__name__)


def restore_params():
    net3 = torch.nn.Sequential(
        torch.nn.Linear(1, 10),
        torch.nn.ReLU(),
        torch.nn.Linear(10, 1)
    )
    print(net3.load_state_dict(torch.load('net_params.pkl')))
    prediction = net3(x)
    print('net3 %.6f' % torch.nn.MSELoss()(prediction, y).item())
    plt.show()


save()
restore_net()
restore_params()
