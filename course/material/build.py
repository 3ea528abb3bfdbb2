"""`course build-source`: write the nbgrader source notebooks and the course map from the lessons."""

from __future__ import annotations

from pathlib import Path

from course import config
from course.layout import Layout
from course.material import cells, coursemap, lessons
from course.material.lesson import Lesson


def source_path(lesson: Lesson, root: Path = config.ROOT) -> Path:
    """Where the source notebook of ``lesson`` lives."""
    return Layout(root).source(lesson.assignment) / lesson.filename


def build_source(root: Path = config.ROOT) -> list[Path]:
    """Write every assignment's source notebook under ``root/source``, and the course map."""
    written = []
    for lesson in lessons.ordered():
        path = source_path(lesson, root)
        cells.notebook(lesson.cells(), path)
        written.append(path)
    written.append(coursemap.write_index(Layout(root).release() / "index.ipynb"))
    if (root / "README.md").exists():
        written.append(coursemap.update_readme(root / "README.md"))
    return written
