"""The guard's reading of an OOM kill from the kernel's log (where the engine may have lost it)."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from course.guard import oom

CID = "d45f72d17e92bdccfccb553f1690026fbce7d8a205da64ff7525ad6e11f3e81d"
OTHER = "09975ae9cbce64377ea97521c6cb6992e53e66a04d60a6cc390a757d9803ee3a"
#: As Debian 12's kernel logs a memory cgroup's kill (cgroupfs driver), and as kernels before 5.0 did.
KILL = ("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={c},mems_allowed=0,oom_memcg=/docker/{c},"
        "task_memcg=/docker/{c},task=dd,pid=11201,uid=0")
OLD = "Task in /docker/{c} killed as a result of limit of /docker/{c}"
#: A host-wide OOM that killed a container's process: not its own limit (the engine would not say OOMKilled).
GLOBAL = ("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset={c},mems_allowed=0,oom_memcg=/,"
          "task_memcg=/docker/{c},task=dd,pid=11201,uid=0")


def test_a_kill_by_the_containers_own_limit_in_its_run_counts():
    assert oom.killed_by_limit(CID, [(100.0, KILL.format(c=CID))], since=99.5, until=100.2)
    assert oom.killed_by_limit(CID, [(100.0, OLD.format(c=CID))], since=99.5, until=100.2)
    systemd = KILL.format(c=CID).replace(f"/docker/{CID}", f"/system.slice/docker-{CID}.scope")
    assert oom.killed_by_limit(CID, [(100.0, systemd)], since=99.5, until=100.2)


def test_another_containers_kill_a_host_wide_one_or_one_outside_its_run_does_not():
    assert not oom.killed_by_limit(CID, [(100.0, KILL.format(c=OTHER))], since=99.5, until=100.2)
    assert not oom.killed_by_limit(CID, [(100.0, GLOBAL.format(c=CID))], since=99.5, until=100.2)
    assert not oom.killed_by_limit(CID, [(10.0, KILL.format(c=CID))], since=99.5, until=100.2)  # an earlier run's
    assert not oom.killed_by_limit(CID, [], since=99.5, until=100.2)


def _inspected(**state) -> dict:
    return {"Id": CID, "HostConfig": {"Memory": 16 << 20},
            "State": {"Status": "exited", "ExitCode": 137, "OOMKilled": False, **state}}


def test_only_a_failed_exit_under_a_limit_without_the_flag_is_looked_up():
    assert oom.lost(_inspected())
    assert not oom.lost(_inspected(OOMKilled=True))
    assert not oom.lost(_inspected(ExitCode=0))
    assert not oom.lost(_inspected(Status="running"))
    assert not oom.lost({**_inspected(), "HostConfig": {"Memory": 0}})


def test_engine_times_are_put_on_the_kernel_logs_clock():
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e9):09d}Z"
    assert abs(oom._since_boot(stamp) - time.clock_gettime(time.CLOCK_MONOTONIC)) < 0.5
    assert oom._since_boot("0001-01-01T00:00:00Z") is None and oom._since_boot("garbage") is None


def test_fill_in_leaves_what_it_cannot_decide_as_the_engine_said(tmp_path):
    never = _inspected(StartedAt="0001-01-01T00:00:00Z", FinishedAt="0001-01-01T00:00:00Z")
    assert asyncio.run(oom.fill_in(never))["State"]["OOMKilled"] is False
    missing = str(tmp_path / "no-kmsg")  # no kernel log to read: nothing is made up
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    assert asyncio.run(oom.fill_in(_inspected(StartedAt=now, FinishedAt=now), missing))["State"]["OOMKilled"] is False


@pytest.mark.skipif(not os.access(oom.KMSG, os.R_OK), reason="the kernel's log is not readable here")
def test_the_kernel_log_reads_as_timed_records():
    logged = oom.records()
    assert logged and all(isinstance(at, float) and isinstance(m, str) for at, m in logged)
    assert logged[-1][0] <= time.clock_gettime(time.CLOCK_MONOTONIC) + oom.SLACK_S
