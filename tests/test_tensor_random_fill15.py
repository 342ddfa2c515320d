"""``Tensor.uniform_``/``normal_`` fill in memory order, draw complex tensors through their real view and refuse
integer tensors and bad bounds, as PyTorch's (and ``nn.init``, which shares ``minidl/random_fill.py``).

Expected values read off PyTorch 2.13 (CPU) with the same statements and seed (a separate venv).
"""
import numpy as np
import pytest

import minidl as torch


def test_transposed_fills_follow_memory_order():
    torch.manual_seed(0)
    np.testing.assert_allclose(torch.empty(3, 4).t().uniform_().flatten().tolist()[:6],
                               [0.496257, 0.307423, 0.455628, 0.768222, 0.634079, 0.632306], atol=1e-6)
    np.testing.assert_allclose(torch.empty(5, 4).t().normal_().flatten().tolist()[:6],
                               [0.40335, -0.59664, -1.07119, -0.892, 0.93981, 0.83803], atol=1e-5)
    assert float(torch.empty(8, 40).t().normal_(1, 2).sum()) == pytest.approx(336.905, abs=1e-3)


def test_complex_and_half_draws():
    torch.manual_seed(0)   # the stream position after the draws of the test above
    torch.empty(3, 4).t().uniform_()
    torch.empty(5, 4).t().normal_()
    torch.empty(8, 40).t().normal_(1, 2)
    values = torch.empty(2, dtype=torch.complex64).uniform_().tolist()
    np.testing.assert_allclose([values[0].real, values[0].imag, values[1].real, values[1].imag],
                               [0.821797788, 0.973577499, 0.543385684, 0.032975793], atol=1e-7)
    np.testing.assert_allclose([abs(v) for v in torch.empty(3, dtype=torch.complex64).normal_().tolist()],
                               [1.58725, 0.74071, 0.85006], atol=1e-5)


def test_refusals():
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        torch.zeros(3, dtype=torch.int64).uniform_()
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
        torch.zeros(3, dtype=torch.int64).normal_()
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
        torch.empty(3).uniform_(2, 1)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        torch.empty(3).normal_(0, -1)
