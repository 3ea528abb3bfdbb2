"""The course map: order, objectives, seed points and time of every lesson, from the lessons' data."""

from __future__ import annotations

import re
from pathlib import Path

from course import config, i18n
from course.i18n import translator
from course.layout import Layout
from course.material import cells, lessons
from course.material.lesson import SEED, Lesson, seed_title

_ = translator("common")


def live_cells(lesson: Lesson) -> dict[str, list[str]]:
    """Seed point -> grade ids of the lesson's live cells (``sN-live-...``)."""
    out: dict[str, list[str]] = {}
    for cell in lesson.cells():
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and (m := re.match(r"s(\d)-live", gid)):
            out.setdefault(f"S{m.group(1)}", []).append(gid)
    return out


def table_markdown() -> str:
    """The map as a markdown table, in the language of the moment (:func:`course.i18n.using`)."""
    rows = [_("| # | assignment | seed points | time | you will be able to |"), "|---|---|---|---|---|"]
    for i, lesson in enumerate(lessons.ordered(), 1):
        t = translator(lesson.assignment)
        goals = (_(";") + "<br>").join(t(o) for o in lesson.objectives) + _(".")
        goals = goals.replace("|", "\\|")  # a pipe would end the table cell
        minutes = _("{minutes} min").format(minutes=lesson.minutes)
        rows.append(f"| {i} | **{t(lesson.title)}** (`{lesson.assignment}`) | {', '.join(lesson.seed_points)} "
                    f"| {minutes} | {goals} |")
    return "\n".join(rows)


def write_index(path: Path | None = None) -> Path:
    """The course map notebook students open first (default: the course's ``release/index.ipynb``)."""
    path = path or Layout().release() / "index.ipynb"
    total = sum(lesson.minutes for lesson in lessons.ordered())
    seeds = "\n".join(f"- **{point}** {seed_title(point)}" for point in SEED)
    cells.notebook([
        cells.md(_("""
# Virtual machines and Docker, by doing: the course map

Work through the assignments in this order (about {total} minutes in all). Each one opens
with its objectives, pairs every idea with a live cell on a real Docker Engine or a real
virtual machine, and ends with exercises that are graded automatically, and key points.""").format(total=total)
                 + f"\n\n{table_markdown()}\n\n" + _("The points of the course's source note:") + f"\n\n{seeds}\n"),
    ], path)
    return path


def variants_markdown() -> str:
    """Each lesson's varied values (the exercises a copied solution fails), as a markdown table."""
    rows = ["| assignment | exercise | varied | values (default first) |", "|---|---|---|---|"]
    for lesson in lessons.ordered():
        for number, exercise in enumerate(lesson.exercises, 1):
            for p in exercise.params:
                values = ", ".join(map(str, [p.default, *(v for v in p.options if v != p.default)]))
                rows.append(f"| `{lesson.assignment}` | {number}, {exercise.title} | `{p.name}`: {p.meaning} | {values} |")
    return "\n".join(rows)


def _between(text: str, marker: str, table: str) -> str:
    head, rest = text.split(f"<!-- {marker} -->", 1)
    _, tail = rest.split(f"<!-- /{marker} -->", 1)
    return f"{head}<!-- {marker} -->\n{table}\n<!-- /{marker} -->{tail}"


def update_readme(path: Path = config.ROOT / "README.md") -> Path:
    """Rewrite the course maps (English, and each edition's: ``course-map-ko``) and the table of variants
    between the README's markers."""
    text = _between(path.read_text(), "course-map", table_markdown())
    for lang in i18n.LANGS:
        if f"<!-- course-map-{lang} -->" in text:
            with i18n.using(lang):
                text = _between(text, f"course-map-{lang}", table_markdown())
    path.write_text(_between(text, "variants", variants_markdown()) if "<!-- variants -->" in text else text)
    return path
