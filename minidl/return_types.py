"""Named tuples that reductions return, as ``torch.return_types``: ``max``, ``min``, ``sort``, ``topk``, ...

Each unpacks as a tuple (``values, indices = x.max(1)``), indexes as one
(``x.max(1)[1]``) and has the fields ``.values`` and ``.indices``.
"""
from __future__ import annotations

import collections

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "mode", "aminmax",
           "cummax", "cummin", "slogdet", "qr", "svd", "eigh", "linalg_slogdet", "linalg_qr",
           "linalg_svd", "linalg_eigh", "linalg_inv_ex", "linalg_cholesky_ex",
           "linalg_solve_ex", "linalg_lstsq", "histogram", "nanmedian"]


def _make(name, fields=("values", "indices")):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"minidl.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                               "__doc__": f"The result of ``{name}``: a named tuple {fields}."})
    cls.__module__ = __name__
    cls.__qualname__ = name
    return cls


max = _make("max")
min = _make("min")
sort = _make("sort")
topk = _make("topk")
kthvalue = _make("kthvalue")
median = _make("median")
mode = _make("mode")
aminmax = _make("aminmax", ("min", "max"))
cummax = _make("cummax")
cummin = _make("cummin")
slogdet = _make("slogdet", ("sign", "logabsdet"))
qr = _make("qr", ("Q", "R"))
svd = _make("svd", ("U", "S", "V"))
eigh = _make("eigh", ("eigenvalues", "eigenvectors"))
linalg_slogdet = _make("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _make("linalg_qr", ("Q", "R"))
linalg_svd = _make("linalg_svd", ("U", "S", "Vh"))
linalg_eigh = _make("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _make("linalg_cholesky_ex", ("L", "info"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))
linalg_lstsq = _make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
histogram = _make("histogram", ("hist", "bin_edges"))
nanmedian = _make("nanmedian")
frexp = _make("frexp", ("mantissa", "exponent"))

linalg_lu_factor = _make("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _make("linalg_lu", ("P", "L", "U"))
__all__ += ["linalg_lu_factor", "linalg_lu_factor_ex", "linalg_lu"]
linalg_ldl_factor = _make("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _make("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
__all__ += ["linalg_ldl_factor", "linalg_ldl_factor_ex"]
lu_unpack = _make("lu_unpack", ("P", "L", "U"))
_lu_with_info = _make("_lu_with_info", ("LU", "pivots", "info"))
__all__ += ["lu_unpack"]
histogramdd = _make("histogramdd", ("hist", "bin_edges"))
__all__ += ["histogramdd"]
triangular_solve = _make("triangular_solve", ("solution", "cloned_coefficient"))
geqrf = _make("geqrf", ("a", "tau"))
__all__ += ["triangular_solve", "geqrf"]
linalg_eig = _make("linalg_eig", ("eigenvalues", "eigenvectors"))
__all__ += ["linalg_eig"]
