"""This venv's bin/ on PATH, for the programs nbgrader and Jupyter look up by name."""

from __future__ import annotations

import os
import sys


def ensure_on_path() -> None:
    """Prepend the running interpreter's bin/ to PATH (idempotent).

    nbgrader runs `alembic`, and Jupyter finds kernels and `jupyter-*` commands, by
    name: called as `.venv/bin/course` without an activated venv they would be missing.
    """
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
