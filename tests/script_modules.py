"""Scripts of the repository (benchmarks/, scripts/: not packages) imported by the tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def script_module(path: Path, name: str) -> ModuleType:
    """The file at `path` as module `name`, loaded once, without putting its folder on sys.path.
    It is registered in sys.modules (its dataclasses look their module up there)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
