"""The code of a script's own classes for ``jit.save``: what lets another process ``jit.load`` them.

Pickle refers to classes and functions by module and name. Those a script defines live in ``__main__``,
which is another module in the process that loads the archive, so ``jit.save`` also stores the script's
top-level classes and functions as source text (in line order), the modules they name (``torch`` ->
``minidl``, ``nn`` -> ``minidl.nn``...) and its simple constants; ``jit.load`` runs that code in a fresh
namespace when the loading process's ``__main__`` lacks a name (TorchScript archives carry their code the
same way).
"""
from __future__ import annotations

import inspect
import json
import pickletools
import sys
import types

__all__ = ["main_code_of", "namespace_from"]

_LITERALS = (int, float, str, bool, type(None))


def _uses_main(pickled: bytes) -> bool:
    for opcode, arg, _ in pickletools.genops(pickled):
        if opcode.name in ("GLOBAL", "INST") and str(arg).startswith("__main__ "):
            return True
        if opcode.name == "STACK_GLOBAL":
            return True   # module names come from the stack: check the memoised strings below
    return False


def main_code_of(pickled: bytes):
    """The JSON text describing ``__main__``'s code if ``pickled`` refers to it, else None."""
    if b"__main__" not in pickled or not _uses_main(pickled):
        return None
    main = sys.modules.get("__main__")
    if main is None:
        return None
    imports, constants, sources = {}, {}, []
    for name, value in vars(main).items():
        if name.startswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            imports[name] = value.__name__
        elif isinstance(value, _LITERALS):
            constants[name] = value
        elif isinstance(value, (type, types.FunctionType)) and getattr(value, "__module__", None) == "__main__":
            try:
                lines, start = inspect.getsourcelines(value)
            except (OSError, TypeError):
                continue
            sources.append((start, name, "".join(lines)))
        elif isinstance(value, (type, types.FunctionType)):
            imports[name] = f"{value.__module__}:{value.__qualname__}"
    sources.sort()
    return json.dumps({"imports": imports, "constants": constants, "sources": [s for _, _, s in sources]})


def namespace_from(text: str) -> dict:
    """Run the stored code in a fresh namespace (named ``__main__``) and return it."""
    import importlib
    spec = json.loads(text)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    for name, target in spec["imports"].items():
        module_name, _, attr = target.partition(":")
        try:
            value = importlib.import_module(module_name)
            for part in filter(None, attr.split(".")):
                value = getattr(value, part)
        except (ImportError, AttributeError):
            continue
        namespace[name] = value
    namespace.update(spec["constants"])
    for source in spec["sources"]:
        exec(compile(source, "<minidl.jit archive: __main__>", "exec"), namespace)  # noqa: S102
    return namespace
