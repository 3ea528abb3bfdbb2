"""A lesson as data, like a Carpentries episode: its facts written once, its notebook generated.

A lesson module in :mod:`course.material.lessons` declares one :class:`Lesson`: title, time, seed
points, the questions it answers, objectives, key points, and an episode of text cells, live
cells, :class:`Exercise` and :class:`Question` items. The intro cell, each exercise's heading
("### Exercise 2 (3 points): ..."), its points, its test cell's import, the key points cell
and the course map are all generated from those facts, so none is typed twice.
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

import nbformat

from course.i18n import N_, translator
from course.material import cells
from course.material.variants import Param, Value, defaults, render

#: The seed note's points, as a sentence names them ("Seed point: S1 (virtual machine)").
SEED = {
    "S1": N_("virtual machine"), "S2": N_("Docker"), "S3": N_("container"), "S4": N_("VM vs Docker"),
    "S5": N_("why use Docker"), "S6": N_("Docker image and Docker Hub"), "S7": N_("Dockerfile"),
    "S8": N_("installing and running Docker"),
}

#: The generated headings and labels (``common``); each lesson's own texts are in its own domain.
_ = translator("common")
_n = _.plural


def seed_title(point: str) -> str:
    """A seed point's name as a heading writes it ("Virtual machine")."""
    name = _(SEED[point])
    return name[0].upper() + name[1:]


_KEEP = "\x00"  # stands for a space inside a code span while wrapping


def _wrap(item: str) -> str:
    """One list item, wrapped at 92 columns, never inside a `code span` (a line may not start with its ``|``)."""
    kept = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", _KEEP), item)
    return textwrap.fill(kept, width=92, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False).replace(_KEEP, " ")


def bullets(items: tuple[str, ...], sep: str = "", end: str = "") -> str:
    """A markdown list, wrapped as an author would ("  " continues an item); ``sep`` ends all but the last."""
    ends = [sep] * (len(items) - 1) + [end]
    return "\n".join(_wrap(f"- {item}{tail}") for item, tail in zip(items, ends, strict=True))


def _points(points: float) -> str:
    return _n("{points:g} point", "{points:g} points", points).format(points=points)


@dataclass(frozen=True)
class Exercise:
    """An autograded exercise: the text the learner reads, the reference solution, the tests.

    Its number, heading and points, and the grade ids of its cells (``exN-text``,
    ``exN-helper``, ``exN-solution``, ``exN-tests``) come from its place in the lesson.
    """

    title: str
    points: float
    covers: tuple[str, ...]     # the seed points its tests grade
    text: str
    solution: str
    tests: str                  # calls ``check.<...>``; the import is generated
    lead: str = ""              # prose that opens the exercise's cell, above its heading
    helper: str = ""            # a code cell handed to the learner between the text and the solution
    #: Values that differ per student; ``{{name}}`` in the solution stands for the student's value.
    params: tuple[Param, ...] = ()

    def values_cell(self, number: int, assignment: str) -> nbformat.NotebookNode:
        """The cell under the text that shows the learner their own values (the same in every notebook)."""
        t = translator(assignment)
        declared = ", ".join(f"{p.name!r}: ({t(p.meaning)!r}, {p.default!r})" for p in self.params)
        return cells.code(f"from course import lab\n\nlab.my_values({assignment!r}, {{{declared}}})",
                          f"ex{number}-values")

    def cells(self, number: int, checks: str, assignment: str = "",
              values: Mapping[str, Value] | None = None) -> list[nbformat.NotebookNode]:
        """The exercise's cells; its solution written for ``values`` (default: the default variant)."""
        t = translator(assignment)
        # Translators: the heading of an exercise, e.g. "### Exercise 2 (3 points): Count the containers"
        heading = _("### Exercise {number} ({points}): {title}").format(
            number=number, points=_points(self.points), title=t(self.title))
        text = f"{t(self.lead.strip())}\n\n{heading}" if self.lead.strip() else heading
        out = [cells.md(f"{text}\n\n{t(self.text.strip())}", f"ex{number}-text")]
        if self.params:
            out.append(self.values_cell(number, assignment))
        if self.helper:
            out.append(cells.code(self.helper, f"ex{number}-helper"))
        mine = defaults(self.params) if values is None else values
        out.append(cells.solution(render(self.solution, mine), f"ex{number}-solution"))
        # Every test cell imports what it calls, so that it runs alone after a kernel restart.
        tests = f"from course.checks import {checks} as check\n\n{self.tests.strip()}"
        out.append(cells.tests(tests, f"ex{number}-tests", self.points))
        return out


@dataclass(frozen=True)
class Question:
    """A written question, graded by the instructor; ``answer`` is the reference, stripped on release."""

    points: float
    text: str
    answer: str

    def cells(self, number: int, assignment: str = "") -> list[nbformat.NotebookNode]:
        t = translator(assignment)
        heading = _("### Question ({points}, graded by your instructor)").format(points=_points(self.points))
        return [cells.md(f"{heading}\n\n{t(self.text.strip())}", f"q{number}-text"),
                cells.written(t(self.answer.strip()), f"q{number}-answer", self.points)]


@dataclass(frozen=True)
class Lesson:
    """One assignment: its facts, and the episode (text and live cells, exercises, questions) in order."""

    assignment: str
    position: int                       # its place in the course (sorted, not numbered: lessons insert)
    title: str
    minutes: int
    seed_points: tuple[str, ...]        # the seed points it teaches
    questions: tuple[str, ...]          # the questions the episode answers
    objectives: tuple[str, ...]         # "By the end of this notebook you can: ..."
    keypoints: tuple[str, ...]
    checks: str                         # the module of course.checks its tests call
    episode: tuple[object, ...]         # cells (course.material.cells), Exercise and Question items
    cleanup: str                        # the last code cell, after the key points
    opening: str = ""                   # prose between the time line and the questions
    overview: str = ""                  # prose after the objectives
    grading_seconds: float = 10         # about how long grading one solution takes (longest first)
    needs_second_engine: bool = False   # graded slots also get a guard on the second engine
    #: A plausible partial submission: grade id -> answer (None: the reference's).
    partial: Mapping[str, str | None] = field(default_factory=dict)
    notebook: str = ""                  # the notebook's file name (default: the assignment's)

    def __post_init__(self) -> None:
        if not self.notebook:
            object.__setattr__(self, "notebook", self.assignment)
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.assignment}: a parameter is declared twice in {names}")
        unknown = [p for p in (*self.seed_points, *(p for e in self.exercises for p in e.covers)) if p not in SEED]
        if unknown:
            raise ValueError(f"{self.assignment}: unknown seed point(s) {unknown}; the seed has {list(SEED)}")

    @property
    def filename(self) -> str:
        return f"{self.notebook}.ipynb"

    @property
    def exercises(self) -> list[Exercise]:
        return [item for item in self.episode if isinstance(item, Exercise)]

    @property
    def params(self) -> tuple[Param, ...]:
        """Every varied value of the lesson, in the order its exercises declare them."""
        return tuple(p for e in self.exercises for p in e.params)

    @property
    def tests_cover(self) -> dict[str, tuple[str, ...]]:
        """Grade id of each test cell -> the seed points it grades."""
        return {f"ex{n}-tests": e.covers for n, e in enumerate(self.exercises, 1)}

    @property
    def points(self) -> float:
        """The lesson's total: autograded and written."""
        return sum(item.points for item in self.episode if isinstance(item, Exercise | Question))

    def intro(self) -> str:
        t = translator(self.assignment)
        seeds = ", ".join(f"{p} ({_(SEED[p])})" for p in self.seed_points)
        label = _n("Seed point", "Seed points", len(self.seed_points))
        parts = [f"# {t(self.title)}", _("**Time:** about {minutes} minutes. **{label}:** {seeds}.").format(
            minutes=self.minutes, label=label, seeds=seeds)]
        if self.opening:
            parts.append(t(self.opening.strip()))
        parts.append(_("## Questions") + "\n" + bullets(tuple(t(q) for q in self.questions)))
        # Translators: the separator after each objective but the last, and the end of the last.
        sep, end = _(";"), _(".")
        parts.append(_("## Objectives") + "\n" + _("By the end of this notebook you can:") + "\n"
                     + bullets(tuple(t(o) for o in self.objectives), sep, end))
        if self.overview:
            parts.append(t(self.overview.strip()))
        return "\n\n".join(parts)

    def cells(self, values: Mapping[str, Value] | None = None) -> list[nbformat.NotebookNode]:
        """The source notebook's cells, in order (fresh copies: writing a notebook may change them),
        the solutions written for ``values`` (a student's variant; default: the default variant)."""
        t = translator(self.assignment)
        out = [cells.md(self.intro(), "intro")]
        exercises = questions = 0
        for item in self.episode:
            if isinstance(item, Exercise):
                exercises += 1
                out += item.cells(exercises, self.checks, self.assignment, values)
            elif isinstance(item, Question):
                questions += 1
                out += item.cells(questions, self.assignment)
            else:
                cell = copy.deepcopy(item)
                if cell.cell_type == "markdown":
                    cell.source = t(cell.source)
                out.append(cell)
        out.append(cells.md(_("## Key points") + "\n" + bullets(tuple(t(k) for k in self.keypoints)), "keypoints"))
        out.append(cells.code(self.cleanup, "cleanup"))
        return out
