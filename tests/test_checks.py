"""Checks judge behaviour and explain plausible mistakes (real engine, no notebook)."""

from __future__ import annotations

import docker
import pytest

from course import lab
from course.checks import containers as check
from course.feedback import Feedback


def test_sdk_version_is_not_the_engine_version(session_api):
    def engine_facts(api):
        return {"version": docker.__version__, "go_version": api.version()["GoVersion"],
                "runtime": api.info()["DefaultRuntime"]}

    with pytest.raises(Feedback, match="Python SDK version"):
        check.engine_facts(engine_facts, session_api, exact=True)


def test_any_correct_approach_passes(session_api):
    """A different, correct approach (low-level API, top()) gets full marks too."""
    def engine_facts(api):
        v = api.api.version()
        return {"version": v["Version"], "go_version": v["GoVersion"], "runtime": api.api.info()["DefaultRuntime"]}

    def pid_on_host(container):
        return int(container.top()["Processes"][0][1])

    check.engine_facts(engine_facts, session_api, exact=True)
    check.host_pid(pid_on_host, session_api, proc=True)


def test_pid_one_is_explained(session_api):
    with pytest.raises(Feedback, match="inside"):
        check.host_pid(lambda c: 1, session_api)


def test_forgotten_container_is_reported(session_api):
    forgotten = []

    def survives(limit_mb, alloc_mb):
        c = session_api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                                       mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True)
        forgotten.append(c)
        return c.wait()["StatusCode"] == 0

    try:
        with pytest.raises(Feedback, match="left 1 container"):
            check.survives(survives, session_api, cases=[(64, 8, True)])
    finally:
        for c in forgotten:
            c.remove(force=True)


def test_not_implemented_says_what_to_do(session_api):
    def start_sandbox(api, hostname):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="not written yet"):
        check.sandbox(start_sandbox, session_api, "x")


def test_feedback_shows_the_learners_frames_not_the_checkers(tmp_path):
    """IPython shows a Feedback as its message and the learner's own lines (what _render_traceback_ gives)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell("from course.feedback import call\n"
                                "def mine(x):\n    return 1 / x\n"
                                "call(mine, 0)\n", silent=False)
        err = result.error_in_exec
        assert isinstance(err, Feedback)
        shown = "\n".join(err._render_traceback_())
        assert "return 1 / x" in shown and "ZeroDivisionError" in shown and "What to try:" in shown
        assert "course/feedback.py" not in shown and "raise Feedback" not in shown
        assert Feedback("p", "h")._render_traceback_() == ["Feedback: p", "  What to try: h"]
    finally:
        InteractiveShell.clear_instance()
