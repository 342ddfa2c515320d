"""``keras.ops.linalg``: the linear algebra of ``keras.ops`` under Keras' sub-namespace (``from minidl.keras.ops
import linalg``); the same functions as :mod:`minidl.keras.ops`."""
from minidl.keras.ops import (  # noqa: F401 -- re-exported
    cholesky,
    cholesky_inverse,
    det,
    eigh,
    inv,
    jvp,
    lstsq,
    lu_factor,
    matrix_rank,
    norm,
    pinv,
    qr,
    solve,
    solve_triangular,
    svd,
)

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank", "norm",
    "pinv", "qr", "solve", "solve_triangular", "svd",
]
