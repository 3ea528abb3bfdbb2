"""The course's lessons, as data: one module per assignment, each declaring ``LESSON``.

A :class:`course.material.lesson.Lesson` holds a lesson's facts once (title, time, seed
points, questions, objectives, key points, exercises with their points) and its episode;
``course build-source`` writes them to ``source/`` and the course map. Modules are
discovered, so adding a lesson touches no other file (AUTHORING.md says how to write one).

This package holds the reference solutions: it is closed to graded submissions like
``source/``, and nothing a notebook cell imports may import it.
"""

from __future__ import annotations

import importlib
import pkgutil

from course.material.lesson import Lesson


class UnknownAssignment(ValueError):
    """An assignment the course does not have; the message lists those it has."""


def ordered() -> list[Lesson]:
    """Every lesson, in course order (by position)."""
    found = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m.LESSON for m in found if hasattr(m, "LESSON")), key=lambda lesson: lesson.position)


def names() -> list[str]:
    """The assignments' names, in course order."""
    return [lesson.assignment for lesson in ordered()]


def get(assignment: str) -> Lesson:
    """The lesson of ``assignment``."""
    for lesson in ordered():
        if lesson.assignment == assignment:
            return lesson
    raise UnknownAssignment(f"no assignment {assignment!r}; the course has {', '.join(names())}")
