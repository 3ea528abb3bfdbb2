"""Per-student variants of a lesson's exercises: parameters declared as data, values derived.

An exercise declares its :class:`Param` s (name, range or choices, a default, what it means);
a student's values for an assignment are drawn from a ``random.Random`` seeded by an HMAC of the
course's secret, the assignment and the student id: reproducible (regrading gives the same
values), different per student, and not guessable without the secret. Solutions and answers
written for one student are templates: ``{{name}}`` stands for that student's value.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Value = int | str

_SLOT = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Param:
    """One varied value of an exercise: drawn from ``choices``, or an int in ``low..high`` (by ``step``)."""

    name: str
    meaning: str                        # what the learner's table says it is ("memory limit, MiB")
    default: Value                      # the variant of a notebook opened without an identity
    choices: tuple[Value, ...] = ()
    low: int = 0
    high: int = 0
    step: int = 1

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"parameter name {self.name!r} must be an identifier")
        if not (self.choices or self.low < self.high):
            raise ValueError(f"{self.name}: give choices, or a range low < high")
        if self.default not in self.options:
            raise ValueError(f"{self.name}: the default {self.default!r} is not one of its values")

    @property
    def options(self) -> tuple[Value, ...]:
        """Every value a student may get."""
        return self.choices or tuple(range(self.low, self.high + 1, self.step))

    def draw(self, rng: random.Random) -> Value:
        return rng.choice(self.options)


def derive(secret: bytes, student: str, assignment: str, params: Iterable[Param]) -> dict[str, Value]:
    """``student``'s values for ``assignment``: the same for the same inputs, on any host and Python."""
    seed = hmac.new(secret, f"{assignment}\0{student}".encode(), hashlib.sha256).digest()
    rng = random.Random(seed)
    return {p.name: p.draw(rng) for p in params}


def defaults(params: Iterable[Param]) -> dict[str, Value]:
    """The declared default variant."""
    return {p.name: p.default for p in params}


def render(template: str, values: Mapping[str, Value]) -> str:
    """``template`` with each ``{{name}}`` of ``values`` replaced (other braces left as they are)."""
    return _SLOT.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
