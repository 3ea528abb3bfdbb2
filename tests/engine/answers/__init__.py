"""Other correct answers and plausible mistakes for every graded exercise, graded like submissions.

One module per assignment (``answers/<assignment>.py``) declares ``ANSWERS``, a list of
:class:`Answer`, and ``DEPENDS``: exercise number -> the exercises whose answers its hidden
tests use. :func:`pack` puts the answers into as few submissions as keep them apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class Answer:
    """What a learner might write for exercise ``exercise``; ``feedback`` (a regex) marks a mistake.

    A correct answer (``feedback=None``) must get the exercise's full marks; a mistake must get 0
    with feedback matching ``feedback``. ``other_cells`` replaces further cells (grade id -> text).
    """

    exercise: int
    why: str
    code: str
    feedback: str | None = None
    other_cells: Mapping[str, str] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.feedback is None

    @property
    def cells(self) -> dict[str, str]:
        """Grade id -> the text this answer writes there."""
        return {**self.other_cells, f"ex{self.exercise}-solution": self.code}


def module(assignment: str) -> ModuleType | None:
    """The answers module of ``assignment``, or None if it has none."""
    try:
        return importlib.import_module(f"answers.{assignment}")
    except ModuleNotFoundError as err:
        if err.name != f"answers.{assignment}":
            raise
        return None


def _closure(depends: Mapping[int, tuple[int, ...]]) -> dict[int, set[int]]:
    """Exercise -> every exercise it uses, directly or through another (cycles allowed)."""
    out: dict[int, set[int]] = {}
    for n in depends:
        seen, todo = set(), list(depends[n])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(depends.get(m, ()))
        out[n] = seen
    return out


def pack(answers: list[Answer], depends: Mapping[int, tuple[int, ...]]) -> list[list[Answer]]:
    """Answers grouped into submissions: at most one answer per exercise and per cell in each, and
    never a mistake beside an answer to an exercise that uses the mistaken one (its grade would
    then say nothing of that answer). Greedy, in the given order: stable, so ids stay put."""
    uses = _closure(depends)
    groups: list[list[Answer]] = []

    def fits(answer: Answer, group: list[Answer]) -> bool:
        for other in group:
            if other.exercise == answer.exercise or set(other.cells) & set(answer.cells):
                return False
            if not answer.correct and answer.exercise in uses.get(other.exercise, ()):
                return False
            if not other.correct and other.exercise in uses.get(answer.exercise, ()):
                return False
        return True

    for answer in answers:
        group = next((g for g in groups if fits(answer, g)), None)
        if group is None:
            groups.append(group := [])
        group.append(answer)
    return groups
