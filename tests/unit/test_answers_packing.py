"""The answers harness's packing: answers that would hide each other never share a submission."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from answers import Answer, pack


def ok(n: int, why: str = "ok", **kw) -> Answer:
    return Answer(n, f"{why}{n}", "pass", **kw)


def bad(n: int, why: str = "bad") -> Answer:
    return Answer(n, f"{why}{n}", "pass", feedback="x")


def test_one_answer_per_exercise_per_submission():
    groups = pack([ok(1), ok(1, "other"), bad(1), ok(2)], {})
    assert [[a.why for a in g] for g in groups] == [["ok1", "ok2"], ["other1"], ["bad1"]]


def test_mistake_never_beside_an_exercise_that_uses_it():
    groups = pack([bad(1), ok(2), ok(3)], {2: (1,), 3: (2,)})  # 3 uses 2 uses 1: 3 uses 1 too
    assert [[a.why for a in g] for g in groups] == [["bad1"], ["ok2", "ok3"]]


def test_a_mistake_in_a_later_exercise_may_sit_beside_what_it_uses():
    groups = pack([ok(1), bad(2)], {2: (1,)})
    assert len(groups) == 1


def test_answers_writing_the_same_cell_are_kept_apart():
    groups = pack([ok(1, other_cells={"ex1-helper": "a"}), ok(2, other_cells={"ex1-helper": "b"})], {})
    assert len(groups) == 2


def test_cyclic_dependencies_do_not_loop():
    assert len(pack([bad(1), ok(2)], {1: (2,), 2: (1,)})) == 2
