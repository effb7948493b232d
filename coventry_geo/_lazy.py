"""Import heavy modules on first use, so that an up-to-date rerun stays fast.

An up-to-date ``coventry-geo run`` only hashes files and reads ``run.json``; it
must not pay for importing PySAL, SciPy's statistics and the indicator
families it will not call.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ["lazy_import"]


def lazy_import(name: str) -> ModuleType:
    """Return a module that is executed on its first attribute access.

    Parameters
    ----------
    name : str
        Absolute module name.

    Returns
    -------
    types.ModuleType
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        msg = f"no module named {name!r}"
        raise ModuleNotFoundError(msg)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
