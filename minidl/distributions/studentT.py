"""``minidl.distributions.studentT``: the import path of ``StudentT`` in torch.distributions (the class lives in
:mod:`minidl.distributions.student_t`).

>>> from minidl.distributions.studentT import StudentT
>>> StudentT.__name__
'StudentT'
"""
from .student_t import StudentT

__all__ = ["StudentT"]
