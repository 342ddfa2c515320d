"""``minidl.distributions``: probability distributions with sampling, log-densities and KL, as
``torch.distributions``.

Normal, Uniform and MultivariateNormal have ``rsample`` (reparameterised:
gradients flow from the samples to the parameters); Categorical and
Bernoulli take ``probs`` or ``logits``. Every distribution has
``batch_shape``/``event_shape``, ``sample``, ``log_prob``, ``entropy``,
``mean``, ``variance``; :func:`kl_divergence` has the closed forms.

The Gamma family (Gamma, Chi2, Beta, Dirichlet, StudentT) samples by
Marsaglia-Tsang on minidl's seeded generator and has ``rsample`` through
the implicit reparameterisation gradient; the count distributions are
Poisson, Binomial, Geometric, NegativeBinomial and Multinomial.
:class:`TransformedDistribution` pushes a distribution through the maps of
:mod:`minidl.distributions.transforms` (LogNormal, HalfNormal, HalfCauchy,
Gumbel, Pareto and Weibull are built that way); :func:`biject_to` and
:func:`transform_to` give the transform onto a constraint's set. The relaxed
(Concrete) distributions, the straight-through one-hot categorical,
MixtureSameFamily, LowRankMultivariateNormal, ContinuousBernoulli and
Kumaraswamy complete the set, with GeneralizedPareto, LKJCholesky (Cholesky
factors of correlation matrices) and Wishart. torch's submodule paths import
(``minidl.distributions.normal``, ``.wishart``, ``.utils``, ...), and the
transforms are exported here too.

>>> import minidl as mdl
>>> from minidl.distributions import Normal
>>> loc = mdl.tensor([0.5], requires_grad=True)
>>> Normal(loc, 1.0).rsample((4,)).sum().backward()
>>> loc.grad.tolist()
[4.0]
"""
from . import constraints, transforms
from .beta_dirichlet import Beta, Dirichlet
from .categorical import Bernoulli, Categorical
from .cauchy import Cauchy, HalfCauchy
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli, Kumaraswamy
from .counts import Binomial, Geometric, NegativeBinomial, Poisson
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma import Chi2, Gamma
from .gamma_derived import FisherSnedecor, InverseGamma, LogisticNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace_exponential import Exponential, Laplace
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal, Uniform
from .one_hot_categorical import OneHotCategorical
from .relaxed import OneHotCategoricalStraightThrough, RelaxedBernoulli, RelaxedOneHotCategorical
from .student_t import StudentT
from .transformed import TransformedDistribution
from .transformed_families import Gumbel, HalfNormal, LogNormal, Pareto, Weibull
from .von_mises import VonMises

__all__ = ["Distribution", "Normal", "Uniform", "Categorical", "Bernoulli", "MultivariateNormal",
           "Independent", "OneHotCategorical", "Laplace", "Exponential", "kl_divergence", "register_kl", "constraints"]
__all__ += ["Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "Poisson", "Binomial", "Geometric",
            "NegativeBinomial", "Multinomial"]
__all__ += ["transforms", "TransformedDistribution", "LogNormal", "HalfNormal", "Cauchy", "HalfCauchy", "Gumbel",
            "Pareto", "Weibull", "biject_to", "transform_to"]
__all__ += ["RelaxedBernoulli", "RelaxedOneHotCategorical", "OneHotCategoricalStraightThrough", "MixtureSameFamily",
            "LowRankMultivariateNormal", "ContinuousBernoulli", "Kumaraswamy"]

__all__ += ["VonMises", "ExponentialFamily", "InverseGamma", "FisherSnedecor", "LogisticNormal"]

# imported for their side effects (the kl_* modules register their KL pairs) and as torch's submodule paths
from . import kl_families, kl_more, kl_transformed, relaxed_bernoulli, relaxed_categorical  # noqa: E402,F401

# torch.distributions also exports the transforms and these families at the top level
from .generalized_pareto import GeneralizedPareto  # noqa: E402
from .lkj_cholesky import LKJCholesky  # noqa: E402
from .transforms import (  # noqa: E402
    AbsTransform,
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from .wishart import Wishart  # noqa: E402

__all__ += ["GeneralizedPareto", "LKJCholesky", "Wishart", "AbsTransform", "AffineTransform", "CatTransform",
            "ComposeTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "ExpTransform",
            "IndependentTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform", "PowerTransform",
            "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform", "SoftplusTransform", "StackTransform",
            "StickBreakingTransform", "TanhTransform", "Transform", "identity_transform"]

# PyTorch's per-family submodules as attributes (``torch.distributions.uniform.Uniform``)
from . import (  # noqa: E402,F401,I001
    bernoulli, beta, binomial, categorical, cauchy, chi2, constraint_registry, continuous_bernoulli, dirichlet,
    distribution, exp_family, exponential, fishersnedecor, gamma, generalized_pareto, geometric, gumbel,
    half_cauchy, half_normal, independent, inverse_gamma, kl, kumaraswamy, laplace, lkj_cholesky, log_normal,
    logistic_normal, lowrank_multivariate_normal, mixture_same_family, multinomial, multivariate_normal,
    negative_binomial, normal, one_hot_categorical, pareto, poisson, studentT, transformed_distribution, uniform,
    utils, von_mises, weibull, wishart,
)

# The modules PyTorch's classes report (``__module__``, so reprs and error texts name ``...logistic_normal.
# LogisticNormal`` as PyTorch's do); each of these modules re-exports its classes, so pickles still resolve.
_PUBLIC_MODULES = {
    "bernoulli": ("Bernoulli",), "beta": ("Beta",), "binomial": ("Binomial",), "chi2": ("Chi2",),
    "dirichlet": ("Dirichlet",), "exponential": ("Exponential",), "fishersnedecor": ("FisherSnedecor",),
    "geometric": ("Geometric",), "gumbel": ("Gumbel",), "half_cauchy": ("HalfCauchy",),
    "half_normal": ("HalfNormal",), "inverse_gamma": ("InverseGamma",), "kumaraswamy": ("Kumaraswamy",),
    "laplace": ("Laplace",), "log_normal": ("LogNormal",), "logistic_normal": ("LogisticNormal",),
    "negative_binomial": ("NegativeBinomial",), "one_hot_categorical": ("OneHotCategoricalStraightThrough",),
    "pareto": ("Pareto",), "poisson": ("Poisson",), "relaxed_bernoulli": ("RelaxedBernoulli",),
    "relaxed_categorical": ("RelaxedOneHotCategorical",), "studentT": ("StudentT",),
    "transformed_distribution": ("TransformedDistribution",),
    "transforms": (
        "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
        "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
        "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
        "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform", "Transform",
    ),
    "uniform": ("Uniform",), "weibull": ("Weibull",)
}
for _module, _names in _PUBLIC_MODULES.items():
    for _name in _names:
        globals()[_name].__module__ = f"{__name__}.{_module}"
del _module, _names, _name
