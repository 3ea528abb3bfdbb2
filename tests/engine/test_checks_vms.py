"""The `vms` checks on a real VM: correct answers pass on any host, mistakes are named.

"Any host" is made, not assumed: the host's ``os.uname()`` is made to return the guest's
release (an up-to-date Debian 12 host boots the same kernel package as the guest), or
another release than the guest's.
"""

from __future__ import annotations

import os

import psutil
import pytest

from course import lab
from course.checks import vms as check
from course.checks.feedback import Feedback
from course.vm import boot, ensure_assets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def machine():
    ensure_assets()
    with boot(memory_mb=256, cpus=1, boot_timeout=120) as guest:
        yield guest


def _host_release(monkeypatch, release: str) -> None:
    real = os.uname()
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((real.sysname, real.nodename, release,
                                                              real.version, real.machine)))


def reference_facts(machine):
    kernel = machine.run("uname -r").output.strip()
    memory_kb = int(machine.run("grep MemTotal /proc/meminfo").output.split()[1])
    cpus = int(machine.run("nproc").output.strip())
    uptime_s = float(machine.run("cat /proc/uptime").output.split()[0])
    return {"kernel": kernel, "memory_kb": memory_kb, "cpus": cpus, "uptime_s": uptime_s}


def host_kernel_facts(machine):
    """Right memory and CPUs, but kernel and uptime from the host (where the notebook runs)."""
    facts = reference_facts(machine)
    return {**facts, "kernel": lab.host_kernel(), "uptime_s": lab.host_uptime_s()}


def test_guest_facts_pass_on_a_host_with_the_guests_release(machine, monkeypatch):
    _host_release(monkeypatch, machine.kernel_release())
    assert lab.host_kernel() == machine.kernel_release()
    check.guest_facts(reference_facts, machine, exact=True)

    def whole_seconds(machine):  # another valid form: /proc/uptime read another way, rounded
        return {**reference_facts(machine), "uptime_s": int(machine.run("cut -d. -f1 /proc/uptime").output)}

    check.guest_facts(whole_seconds, machine, exact=True)


def test_host_uptime_is_named_where_the_releases_match(machine, monkeypatch):
    """The release cannot show whose kernel answered there; the uptime can."""
    _host_release(monkeypatch, machine.kernel_release())
    with pytest.raises(Feedback, match="how long the host's kernel has been up"):
        check.guest_facts(host_kernel_facts, machine)


def test_host_kernel_is_named_where_the_releases_differ(machine, monkeypatch):
    _host_release(monkeypatch, "9.9.9-not-the-guest")
    with pytest.raises(Feedback, match="that is the host's kernel"):
        check.guest_facts(host_kernel_facts, machine)


def test_boot_time_is_not_uptime_even_just_after_the_boot():
    """Right after the boot the two are about equal (as when a notebook runs straight through)."""
    def boot_time(machine):  # how long the boot took, as the host measured it
        return {**reference_facts(machine), "uptime_s": machine.boot_seconds}

    with boot(memory_mb=128) as fresh:
        with pytest.raises(Feedback, match="that is how long the boot took"):
            check.guest_facts(boot_time, fresh)
        check.guest_facts(reference_facts, fresh, exact=True)


def reference_count(machine):
    lines = machine.run("ps").output.strip().splitlines()
    return len(lines) - 1


@pytest.mark.parametrize("answer", [
    reference_count,
    lambda machine: len(machine.processes()),
    lambda machine: len([d for d in machine.run("ls /proc").output.split() if d.isdigit()]),
    lambda machine: len(machine.run("ps -o pid,comm").output.splitlines()[1:]),
], ids=["ps-rows", "processes-helper", "proc-directories", "ps-columns"])
def test_other_correct_counts_pass(machine, answer):
    check.process_count(answer, machine, against_host=True)


@pytest.mark.parametrize(("answer", "named", "not_named"), [
    (lambda m: len(m.run("ps").output.strip().splitlines()), "header line .* is not a process", "pipeline"),
    (lambda m: int(m.run("ps | wc -l").output) - 1, "'ps \\| wc -l' is a pipeline: the guest's shell", None),
    (lambda m: int(m.run("ps | wc -l").output), "is a pipeline.*header line, if counted, is not a process", None),
    (lambda m: int(m.run("ps | tail -n +2 | wc -l").output), "'ps \\| tail -n \\+2 \\| wc -l' is a pipeline",
     None),
    (lambda m: len(m.run("ps | cat").output.strip().splitlines()) - 1, "'ps \\| cat' is a pipeline", None),
    (lambda m: len(psutil.pids()), "number of processes on the host", None),
], ids=["header-counted", "pipeline-minus-header", "pipeline-and-header", "pipeline-three-stages",
        "pipeline-table", "host"])
def test_wrong_counts_name_their_mistake(machine, answer, named, not_named):
    with pytest.raises(Feedback) as caught:
        check.process_count(answer, machine)
    assert caught.match(named)
    if not_named:
        assert not_named not in caught.value.problem, caught.value.problem
