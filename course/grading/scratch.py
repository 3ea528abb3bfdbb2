"""A scratch course directory: a copy of source/, release/ and the config, with its own gradebook.

For trials (`course try`), benchmarks and tests: grading there never touches the
instructor's gradebook or submissions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from course import config
from course.grading import nbgrader_api


def make_course(root: Path, assignments: tuple[str, ...] = ()) -> Path:
    """Copy the course into ``root`` and generate ``assignments`` there (their gradebook entries)."""
    root.mkdir(parents=True, exist_ok=True)
    for part in ("source", "release"):
        shutil.copytree(config.ROOT / part, root / part, dirs_exist_ok=True)
    shutil.copy(config.ROOT / "nbgrader_config.py", root)
    for name in assignments:
        outcome = nbgrader_api.generate(name, root)
        if not outcome.ok:
            raise RuntimeError(f"generate_assignment {name} failed in {root}:\n{outcome.error}")
    return root
