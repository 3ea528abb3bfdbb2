"""The pool's size, chosen from measurement: one more worker only with CPU, memory and work to spare."""

from __future__ import annotations

from course.grading.parallel import GROW_IDLE_PERCENT, GROW_MEMORY, should_grow


def test_grows_when_the_cpu_idles_and_jobs_wait():
    assert should_grow(GROW_IDLE_PERCENT + 10, GROW_MEMORY * 2, waiting=3, running=2, cap=4)


def test_each_missing_condition_stops_growth():
    ok = {"idle_percent": GROW_IDLE_PERCENT + 10, "available": GROW_MEMORY * 2, "waiting": 3, "running": 2, "cap": 4}
    for change in ({"idle_percent": GROW_IDLE_PERCENT - 1}, {"available": GROW_MEMORY - 1}, {"waiting": 0},
                   {"running": 4}):
        assert not should_grow(**{**ok, **change}), change
