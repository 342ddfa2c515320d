"""F.rrelu / nn.RReLU in training draw PyTorch's slopes for the same seed: one 53-bit uniform per element <= 0,
in C order of the logical layout (values read off PyTorch 2.13 with the same seeds and inputs)."""
import numpy as np

import minidl as torch


def test_rrelu_training_draws_match_pytorch():
    x = torch.tensor([[-1.0, 2.0, -0.5], [0.0, -3.0, 4.0]])
    torch.manual_seed(3)
    out = torch.nn.functional.rrelu(x, training=True)
    np.testing.assert_allclose(out.numpy(), [[-0.13210587203502655, 2.0, -0.09236877411603928],
                                             [0.0, -0.4843294024467468, 4.0]], rtol=1e-7)
    torch.manual_seed(3)
    out = torch.nn.functional.rrelu(x.double(), 0.1, 0.4, training=True)
    np.testing.assert_allclose(out.numpy(), [[-0.11023245869515615, 2.0, -0.09301103400819605],
                                             [0.0, -0.4574343263531653, 4.0]], rtol=1e-15)
    torch.manual_seed(3)
    module = torch.nn.RReLU()
    module.train()
    out = module(x.t())
    np.testing.assert_allclose(out.numpy(), [[-0.13210587203502655, 0.0], [2.0, -0.8580718040466309],
                                             [-0.08072156459093094, 4.0]], rtol=1e-7)
    assert abs(torch.rand(1).item() - 0.5944212079048157) < 1e-7   # the generator moved as PyTorch's did


def test_rrelu_gradient_is_the_drawn_slope():
    torch.manual_seed(0)
    x = torch.tensor([-2.0, -1.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.rrelu(x, training=True)
    y.sum().backward()
    slopes = (y / x).detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    assert np.all((slopes[:2] >= 1 / 8) & (slopes[:2] < 1 / 3)) and slopes[2] == 1
