"""The lesson material, authored as Python (one module per assignment).

Each module defines POSITION (its place in the course), ASSIGNMENT, NOTEBOOK, TITLE,
SEED_POINTS, MINUTES, CELLS (built with :mod:`course.authoring`) and PARTIAL (a
plausible partial submission for the demo and tests). ``course build-source`` writes
them to ``source/``; a test proves ``source/`` matches. Modules are discovered, so
adding a lesson touches no other file.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """The material modules, in course order (by their POSITION)."""
    found = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in found if hasattr(m, "CELLS")), key=lambda m: m.POSITION)
