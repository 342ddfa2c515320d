"""Names PyTorch scripts reach through attributes: ``torch.distributions.<family>``, ``torch.utils.hooks``.

Passes under PyTorch 2.13 too with ``import minidl as torch`` changed to ``import torch``.
"""
import pickle
import warnings
from collections import OrderedDict

import pytest

import minidl as torch

FAMILIES = {"bernoulli": "Bernoulli", "beta": "Beta", "binomial": "Binomial", "chi2": "Chi2",
            "dirichlet": "Dirichlet", "exponential": "Exponential", "fishersnedecor": "FisherSnedecor",
            "geometric": "Geometric", "gumbel": "Gumbel", "half_cauchy": "HalfCauchy", "half_normal": "HalfNormal",
            "inverse_gamma": "InverseGamma", "kumaraswamy": "Kumaraswamy", "laplace": "Laplace",
            "log_normal": "LogNormal", "logistic_normal": "LogisticNormal", "negative_binomial": "NegativeBinomial",
            "pareto": "Pareto", "poisson": "Poisson", "studentT": "StudentT",
            "transformed_distribution": "TransformedDistribution", "uniform": "Uniform", "weibull": "Weibull",
            "normal": "Normal", "categorical": "Categorical", "multivariate_normal": "MultivariateNormal"}


@pytest.mark.parametrize("module", sorted(FAMILIES))
def test_distribution_family_submodule_is_an_attribute(module):
    cls = getattr(getattr(torch.distributions, module), FAMILIES[module])
    assert cls is getattr(torch.distributions, FAMILIES[module])


def test_uniform_through_its_submodule():
    torch.manual_seed(0)
    sample = torch.distributions.uniform.Uniform(torch.tensor([0.0]), torch.tensor([2.0])).sample((100,))
    assert sample.shape == (100, 1) and 0 <= float(sample.min()) and float(sample.max()) < 2


def test_every_hook_returns_the_utils_hooks_handle():
    from minidl.utils.hooks import RemovableHandle
    m = torch.nn.Linear(2, 2)
    x = torch.ones(2, requires_grad=True)
    handles = [m.register_forward_hook(lambda *a: None), m.register_forward_pre_hook(lambda *a: None),
               m.register_full_backward_hook(lambda *a: None), x.register_hook(lambda g: g),
               torch.optim.SGD(m.parameters(), lr=0.1).register_step_post_hook(lambda *a: None)]
    assert all(isinstance(h, RemovableHandle) for h in handles)
    assert torch.nn.modules.module.RemovableHandle is RemovableHandle
    assert len({h.id for h in handles}) == len(handles)


def test_handle_removes_from_extra_dicts_and_pickles():
    from minidl.utils.hooks import RemovableHandle
    hooks, flags = OrderedDict(), OrderedDict()
    handle = RemovableHandle(hooks, extra_dict=flags)
    hooks[handle.id], flags[handle.id] = print, True
    handle.remove()
    assert hooks == {} and flags == {}
    handle.remove()
    again = pickle.loads(pickle.dumps(handle))
    assert again.id == handle.id
    with RemovableHandle(hooks) as h:
        hooks[h.id] = print
    assert hooks == {}


def test_warn_if_has_hooks_and_unserializable_hook():
    from minidl.utils.hooks import unserializable_hook, warn_if_has_hooks
    x = torch.ones(2, requires_grad=True)
    x.register_hook(lambda g: g)
    with pytest.warns(UserWarning, match="will not be serialized"):
        warn_if_has_hooks(x)
    y = torch.ones(2, requires_grad=True)
    y.register_hook(unserializable_hook(lambda g: g))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_has_hooks(y)
