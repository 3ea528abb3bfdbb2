"""The `containers` lesson's checks behind a real guard, as graded kernels run them.

The guard sets swap equal to memory on every container, so the engine's state cannot show a
forgotten ``memswap_limit``: these tests prove the checks see what the learner asked for anyway,
and that a learner who does not wait for a container is told so. Other answers and mistakes,
graded as submissions, are in tests/engine/answers/containers.py.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from course import lab
from course.checks import containers as check
from course.checks.feedback import Feedback
from course.engine import session_client
from course.guard import Limits

SESSION = f"test-checks-containers-{os.getpid()}"
LIMITS = Limits(memory=256 * 2**20, pids=64, nano_cpus=1_000_000_000)
OWNERS = ("learner",)
DD = "dd if=/dev/zero of=/dev/null bs={}M count=1"


@pytest.fixture(scope="module")
def guarded(module_guards):
    """The learner's labelled client through their guard; DOCKER_HOST names the guard, as in a graded kernel."""
    url = module_guards["learner"].url
    previous = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = url
    api = session_client(session=SESSION, url=url)
    yield api
    api.close()
    if previous is None:
        os.environ.pop("DOCKER_HOST", None)
    else:
        os.environ["DOCKER_HOST"] = previous


def start_sandbox_without_swap(api, hostname):
    return api.containers.run(lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname, mem_limit="64m")


def test_a_forgotten_memswap_limit_is_seen_though_the_guard_hides_it(guarded):
    with pytest.raises(Feedback, match=r"no memswap_limit.*memory\+swap = 128 MiB") as err:
        check.sandbox(start_sandbox_without_swap, guarded, "no-swap-box", inside=True)
    assert "guard sets swap equal to memory" in str(err.value)
    # What the engine shows is what the guard made of it: swap equal to memory, the reason the check needs the relay.
    box = start_sandbox_without_swap(guarded, "shown-box")
    try:
        assert box.attrs["HostConfig"]["MemorySwap"] == box.attrs["HostConfig"]["Memory"] == 64 * 2**20
    finally:
        box.remove(force=True)


def test_the_cli_with_both_limits_passes_behind_the_guard(guarded):
    """Another API level: the docker CLI (DOCKER_HOST), its request seen on the way."""
    def start_sandbox(api, hostname):
        out = subprocess.run(["docker", "run", "-d", "--hostname", hostname, "-m", "64m", "--memory-swap", "64m",
                              lab.BASE_IMAGE, "sleep", "600"], capture_output=True, text=True, check=True)
        return api.containers.get(out.stdout.strip())

    check.sandbox(start_sandbox, guarded, "cli-box", inside=True)


def test_the_cli_without_memory_swap_is_seen_too(guarded):
    def start_sandbox(api, hostname):
        out = subprocess.run(["docker", "run", "-d", "--hostname", hostname, "-m", "64m", lab.BASE_IMAGE,
                              "sleep", "600"], capture_output=True, text=True, check=True)
        return api.containers.get(out.stdout.strip())

    with pytest.raises(Feedback, match="no memswap_limit"):
        check.sandbox(start_sandbox, guarded, "cli-no-swap-box")


def _run_dd(api, limit_mb, alloc_mb, **limits):
    return api.containers.run(lab.BASE_IMAGE, DD.format(alloc_mb), mem_limit=f"{limit_mb}m", detach=True, **limits)


def test_allocating_between_one_and_two_limits_without_memswap_is_named(guarded):
    """The case between 1x and 2x the limit: only swap could save it, and only the request shows it here."""
    def survives(api, limit_mb, alloc_mb):
        c = _run_dd(api, limit_mb, alloc_mb)
        try:
            return c.wait()["StatusCode"] == 0
        finally:
            c.remove(force=True)

    with pytest.raises(Feedback, match="no memswap_limit"):
        check.survives(survives, guarded, cases=[(64, 100, False)])


def _slow_dd(api, limit_mb, alloc_mb):
    """A container that allocates after a second: surely still running when a learner looks at once."""
    return api.containers.run(lab.BASE_IMAGE, ["sh", "-c", f"sleep 1; {DD.format(alloc_mb)}"], detach=True,
                              mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m")


def test_not_waiting_is_named_whatever_the_container_did(guarded):
    """However the container ended (removed by the learner, still running, killed while the learner read an
    old state), the feedback says the function did not wait, not to set limits it did set."""
    def removes_at_once(api, limit_mb, alloc_mb):
        c = _slow_dd(api, limit_mb, alloc_mb)
        c.reload()
        ok = c.attrs["State"]["ExitCode"] == 0
        c.remove(force=True)
        return ok

    def returns_at_once(api, limit_mb, alloc_mb):
        c = _slow_dd(api, limit_mb, alloc_mb)
        c.reload()
        return c.attrs["State"]["ExitCode"] == 0

    def reads_an_old_state(api, limit_mb, alloc_mb):
        c = _run_dd(api, limit_mb, alloc_mb, memswap_limit=f"{limit_mb}m")
        time.sleep(2)                                  # the kernel has killed it by now; c.attrs are from before
        ok = c.attrs["State"]["ExitCode"] == 0
        c.remove(force=True)
        return ok

    for fits, survives in ((True, removes_at_once), (False, removes_at_once)):
        with pytest.raises(Feedback, match="did not wait for its container: it stopped or removed it") as err:
            check.survives(survives, guarded, cases=[(32, 8, True) if fits else (32, 96, False)])
        assert "make dd allocate" not in str(err.value)
    with pytest.raises(Feedback, match="did not wait for its container, which was still running"):
        check.survives(returns_at_once, guarded, cases=[(32, 96, False)])
    with pytest.raises(Feedback, match="the kernel did kill it.*did not wait for the container to end"):
        check.survives(reads_an_old_state, guarded, cases=[(32, 96, False)])


def test_interfaces_of_the_notebook_are_named(guarded):
    import socket

    with pytest.raises(Feedback, match="notebook's own network namespace"):
        check.interfaces(lambda api, mode: sorted(n for _, n in socket.if_nameindex()), guarded, ["none", "bridge"])


def test_interfaces_ignoring_the_mode_are_named(guarded):
    def interfaces(api, network_mode):
        _, out = lab.run("ls /sys/class/net", api=api)
        return sorted(out.split())

    with pytest.raises(Feedback, match="same for every network_mode"):
        check.interfaces(interfaces, guarded, ["none", "bridge"], own_network=True)


def test_interfaces_other_ways_pass(guarded):
    """`ip -o link` with its @peer suffix stripped, a set instead of a list, a network of the check's own."""
    def interfaces(api, network_mode):
        _, out = lab.run("ip -o link", api=api, network_mode=network_mode)
        return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}

    check.interfaces(interfaces, guarded, ["bridge", "none"], own_network=True)
