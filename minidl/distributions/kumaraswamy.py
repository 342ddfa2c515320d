"""``minidl.distributions.kumaraswamy``: the import path of ``Kumaraswamy`` in torch.distributions (the class lives in
:mod:`minidl.distributions.continuous_bernoulli`).

>>> from minidl.distributions.kumaraswamy import Kumaraswamy
>>> Kumaraswamy.__name__
'Kumaraswamy'
"""
from .continuous_bernoulli import Kumaraswamy

__all__ = ["Kumaraswamy"]
