"""Write the nbgrader source notebooks from the lesson material in :mod:`course.material`."""

from __future__ import annotations

from pathlib import Path

from course import authoring, config, material


def source_path(module, root: Path = config.ROOT) -> Path:
    """Where the source notebook of a material module lives."""
    return root / "source" / module.ASSIGNMENT / f"{module.NOTEBOOK}.ipynb"


def build_source(root: Path = config.ROOT) -> list[Path]:
    """Write every assignment's source notebook under ``root/source``, and the course map."""
    from course.grading.coursemap import update_readme, write_index

    written = []
    for module in material.modules():
        path = source_path(module, root)
        authoring.notebook(module.CELLS, path)
        written.append(path)
    written.append(write_index(root / "release" / "index.ipynb"))
    if (root / "README.md").exists():
        written.append(update_readme(root / "README.md"))
    return written
