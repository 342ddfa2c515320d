"""``minidl.jit``: PyTorch's ``torch.jit`` surface, running eagerly.

minidl has no compiler, so :func:`script` and :func:`trace` return objects that run the original Python:
the results are the eager results. What users observe is PyTorch's: a scripted or traced module is a
:class:`ScriptModule` (an :class:`~minidl.nn.Module` with the same parameters, ``state_dict``,
``train()``/``eval()``, ``.save()``), a scripted function a :class:`ScriptFunction`;
:func:`is_scripting`/:func:`is_tracing` say what runs; ``@ignore``, ``@unused``, ``@export``,
:func:`interface`, :data:`Final`, :func:`annotate` mean what they mean in PyTorch; :func:`fork`/:func:`wait`
give Futures; :func:`save`/:func:`load` write and read minidl's own archive (a zip, see
``minidl/jit/_serialization.py``); :func:`freeze`/:func:`optimize_for_inference` give frozen eval-mode copies.
``.code`` is the Python source that runs; ``.graph`` raises (there is no TorchScript IR).

>>> import minidl as mdl
>>> @mdl.jit.script
... def scaled(x, k: float):
...     return x * k
>>> scaled(mdl.ones(2), 3.0)
tensor([3., 3.])
"""
from ._future import Future, fork, wait
from ._script import RecursiveScriptModule, ScriptFunction, ScriptModule, script
from ._serialization import load, save

from ._state import Attribute, Error, Final, ScriptWarning, TracerWarning, TracingCheckError  # isort: skip
from ._state import annotate, export, fuser, ignore, interface, is_scripting, is_tracing  # isort: skip
from ._state import isinstance, optimized_execution, script_if_tracing, script_method, unused  # isort: skip
from ._trace import freeze, optimize_for_inference, trace, trace_module

__all__ = ["script", "trace", "trace_module", "ScriptModule", "RecursiveScriptModule", "ScriptFunction", "save",
           "load", "freeze", "optimize_for_inference", "fork", "wait", "Future", "is_scripting", "is_tracing",
           "ignore", "unused", "export", "interface", "annotate", "Final", "Attribute", "script_method",
           "script_if_tracing", "isinstance", "Error", "TracerWarning", "ScriptWarning", "TracingCheckError",
           "optimized_execution", "fuser"]
