"""`course build-source`: write the nbgrader source notebooks and the course map from the lessons."""

from __future__ import annotations

from pathlib import Path

from course import config, i18n
from course.layout import Layout
from course.material import cells, coursemap, lessons
from course.material.lesson import Lesson


def source_path(lesson: Lesson, root: Path = config.ROOT) -> Path:
    """Where the source notebook of ``lesson`` lives."""
    return Layout(root).source(lesson.assignment) / lesson.filename


def build_source(root: Path = config.ROOT, lang: str = i18n.DEFAULT) -> list[Path]:
    """Write every assignment's source notebook under ``root/source``, and the course map; for another
    language, its edition's course directory (``root/LANG``: the notebooks in that language, its
    ``LANGUAGE`` file and nbgrader config)."""
    lang = i18n.checked(lang)
    edition = Layout(root).edition(lang)
    written = []
    with i18n.using(lang):
        if lang != i18n.DEFAULT:
            edition.mkdir(exist_ok=True)
            (edition / "LANGUAGE").write_text(f"{lang}\n")
            (edition / "nbgrader_config.py").write_text((config.ROOT / "nbgrader_config.py").read_text())
            written += [edition / "LANGUAGE", edition / "nbgrader_config.py"]
        for lesson in lessons.ordered():
            path = source_path(lesson, edition)
            cells.notebook(lesson.cells(), path)
            written.append(path)
        written.append(coursemap.write_index(Layout(edition).release() / "index.ipynb"))
    if lang == i18n.DEFAULT and (root / "README.md").exists():
        written.append(coursemap.update_readme(root / "README.md"))
    return written
