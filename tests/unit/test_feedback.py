"""Feedback in the learner's terms: what is wrong, what to try, and only the learner's own frames."""

from __future__ import annotations

import pytest

from course.checks.feedback import Feedback, boolean, call, defined, expect, number


def test_expect_raises_feedback_that_nbgrader_counts_as_a_failure():
    expect(True, "never", "never")
    with pytest.raises(AssertionError) as caught:
        expect(0, "the limit is 0", "set mem_limit")
    assert isinstance(caught.value, Feedback)
    assert str(caught.value) == "the limit is 0\n  What to try: set mem_limit"


def test_boolean_takes_numpy_bools_as_pandas_gives_them():
    import numpy as np
    import pandas as pd

    given = (pd.Series(["a", "a"]) == "a").all()
    assert isinstance(given, np.bool_) and boolean(given, "same") is True
    assert boolean(False, "same") is False
    for wrong in ("yes", 1, None, pd.Series([True])):
        with pytest.raises(Feedback, match="(?s)`same` is .*, not True or False"):
            boolean(wrong, "same")


def test_number_takes_any_real_but_not_a_bool_or_nan():
    import numpy as np

    for given in (3, 2.5, np.float32(2.5), np.int64(3), np.float64(2.5)):
        assert number(given, "ratio", "divide") == float(given)
    for wrong in (True, np.bool_(True), "2.5", float("nan"), None):
        with pytest.raises(Feedback, match="`ratio` is .*, not a number"):
            number(wrong, "ratio", "divide")


def test_defined_names_a_missing_or_non_function_answer():
    def answer():
        return 1

    assert defined({"answer": answer}, "answer") is answer
    with pytest.raises(Feedback, match="`answer` is not defined as a function") as caught:
        defined({"answer": 3}, "answer")
    assert "def answer(...)" in caught.value.hint


def test_call_explains_not_written_yet_and_crashes_with_the_call():
    def todo(x):
        raise NotImplementedError()

    def crash(x, limit=None):
        return {}["missing"]

    with pytest.raises(Feedback, match="not written yet"):
        call(todo, 1)
    with pytest.raises(Feedback, match=r"`crash\(1, limit='64m'\)` raised KeyError") as caught:
        call(crash, 1, limit="64m")
    assert isinstance(caught.value.__cause__, KeyError)


def test_call_passes_feedback_through_unchanged():
    inner = Feedback("inner problem", "inner hint")

    def checks_itself():
        raise inner

    with pytest.raises(Feedback) as caught:
        call(checks_itself)
    assert caught.value is inner


def test_feedback_shows_the_learners_frames_not_the_checkers(tmp_path):
    """IPython shows a Feedback as its message and the learner's own lines (what _render_traceback_ gives)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell("from course.checks.feedback import call\n"
                                "def mine(x):\n    return 1 / x\n"
                                "call(mine, 0)\n", silent=False)
        err = result.error_in_exec
        assert isinstance(err, Feedback)
        shown = "\n".join(err._render_traceback_())
        assert "return 1 / x" in shown and "ZeroDivisionError" in shown and "What to try:" in shown
        assert "course/checks/" not in shown and "raise Feedback" not in shown
        assert Feedback("p", "h")._render_traceback_() == ["Feedback: p", "  What to try: h"]
    finally:
        InteractiveShell.clear_instance()
