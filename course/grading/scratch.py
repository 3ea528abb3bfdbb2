"""A scratch course directory: a copy of source/, release/ and the config, with its own gradebook.

For trials (`course try`), benchmarks and tests: grading there never touches the
instructor's gradebook or submissions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from course import config, i18n
from course.grading import nbgrader_api
from course.layout import Layout


def make_course(root: Path, assignments: tuple[str, ...] = (), lang: str = i18n.DEFAULT) -> Path:
    """Copy the course's edition in ``lang`` into ``root`` and generate ``assignments`` there (their
    gradebook entries). An edition copied into a scratch English course shares its variant secret."""
    root.mkdir(parents=True, exist_ok=True)
    here, there = Layout(Layout(config.ROOT).edition(lang)), Layout(root)
    shutil.copytree(here.source(), there.source(), dirs_exist_ok=True)
    shutil.copytree(here.release(), there.release(), dirs_exist_ok=True)
    shutil.copy(here.root / "nbgrader_config.py", root)
    if here.language_file.exists():
        shutil.copy(here.language_file, root)
    for name in assignments:
        outcome = nbgrader_api.generate(name, root)
        if not outcome.ok:
            raise RuntimeError(f"generate_assignment {name} failed in {root}:\n{outcome.error}")
    return root
