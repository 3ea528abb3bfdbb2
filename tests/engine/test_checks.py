"""Checks judge behaviour and explain plausible mistakes (real engine, no notebook)."""

from __future__ import annotations

import docker
import pytest

from course import lab
from course.checks import containers as check
from course.checks.feedback import Feedback


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

    def survives(api, limit_mb, alloc_mb):
        c = api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                               mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True)
        forgotten.append(c.id)
        return c.wait()["StatusCode"] == 0

    try:
        with pytest.raises(Feedback, match="left 1 container"):
            check.survives(survives, session_api, cases=[(64, 8, True)])
    finally:
        for cid in forgotten:
            session_api.containers.get(cid).remove(force=True)


def test_not_implemented_says_what_to_do(session_api):
    def start_sandbox(api, hostname):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="not written yet"):
        check.sandbox(start_sandbox, session_api, "x")
