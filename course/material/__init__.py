"""The lesson material, authored as Python (one module per assignment, in course order).

Each module defines ASSIGNMENT, NOTEBOOK, SEED_POINTS, MINUTES and CELLS (built with
:mod:`course.authoring`). ``course build-source`` writes them to ``source/``; a test
proves ``source/`` matches.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Assignments in the order a learner takes them.
ORDER = ("containers",)


def modules() -> list[ModuleType]:
    """The material modules, in course order."""
    return [importlib.import_module(f"course.material.{name}") for name in ORDER]
