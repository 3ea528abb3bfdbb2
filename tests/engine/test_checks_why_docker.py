"""why_docker's replicas check as graded: behind a guard that knows the owner but not the session.

The grader's guard labels everything with its owner only; the session label comes from the
notebook's client, at either level of docker-py. Each test also runs straight on the engine
where that matters (no guard rewrites anything there).
"""

from __future__ import annotations

import os

import docker
import pytest

from course import lab
from course.checks import why_docker as check
from course.checks.engine_state import session_containers
from course.checks.feedback import Feedback
from course.engine import client, remove_labelled, session_client
from course.engine.labelled import LabelledClient
from course.guard import GuardThread, Settings
from course.lab import scaleout, variant


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    """A guard of this module's own, labelling with its owner only (like the grader's)."""
    owner = f"pytest-why-{os.getpid()}"
    guard = GuardThread(Settings(owner=owner), tmp_path_factory.mktemp("guard") / "guard.sock").start()
    yield guard
    guard.stop()
    remove_labelled(client(), owner=owner)  # the guard's own network too


@pytest.fixture
def guarded(guard, engine):
    """A labelled client for this run's session through the guard."""
    api = LabelledClient(base_url=guard.url, version="auto")
    api.course_labels = session_client().course_labels
    return api


@pytest.fixture(params=["guarded", "engine"])
def api(request, guarded, session_api):
    return guarded if request.param == "guarded" else session_api


#: The service name of the variant these checks run with (the default: conftest hands the tests no other).
SERVICE = variant.value("why_docker", "service")


def low_level(api, **host):
    """`start_replicas` through docker-py's low-level API: create_host_config, create_container, start."""
    def start_replicas(n):
        out = []
        for i in range(1, n + 1):
            config = api.api.create_host_config(port_bindings={8080: ("127.0.0.1", None)}, **host)
            cid = api.api.create_container(lab.BASE_IMAGE, scaleout.WEB_COMMAND, ports=[8080], host_config=config,
                                           hostname=f"{SERVICE}-{i}")["Id"]
            api.api.start(cid)
            out.append(api.containers.get(cid))
        return out
    return start_replicas


def high_level(api, **kwargs):
    def start_replicas(n):
        return [api.containers.run(lab.BASE_IMAGE, scaleout.WEB_COMMAND, detach=True, hostname=f"{SERVICE}-{i}",
                                   **kwargs) for i in range(1, n + 1)]
    return start_replicas


def test_low_level_replicas_count(api):
    before = session_containers(api)
    check.replicas(low_level(api, nano_cpus=100_000_000), api, 2, strict=True)
    assert session_containers(api) == before


@pytest.mark.parametrize("cpu", [{"cpu_quota": 10_000}, {"cpu_quota": 5_000, "cpu_period": 50_000}])
def test_a_quota_over_its_period_is_a_tenth_of_a_cpu(guarded, cpu):
    """cpu_quota=10000 with the default period (100 ms) is exactly --cpus 0.1."""
    check.replicas(high_level(guarded, ports={"8080/tcp": ("127.0.0.1", None)}, **cpu), guarded, 2, strict=True)


def test_cpu_shares_are_not_a_cap(guarded):
    with pytest.raises(Feedback, match="relative weight"):
        check.replicas(high_level(guarded, ports={"8080/tcp": ("127.0.0.1", None)}, cpu_shares=102),
                       guarded, 1, strict=True)


@pytest.mark.parametrize("ports", [{"8080/tcp": None}, {"8080/tcp": ("", None)}])
def test_publishing_on_every_interface_is_seen_behind_the_guard_too(api, ports):
    """The guard serves every port on 127.0.0.1, but the check judges what the learner asked for."""
    with pytest.raises(Feedback, match="all interfaces"):
        check.replicas(high_level(api, nano_cpus=100_000_000, ports=ports), api, 1)


def test_replicas_of_another_client_are_named(guard, guarded):
    """A plain docker.DockerClient on the same socket labels nothing for the session: the feedback says so."""
    plain = docker.DockerClient(base_url=guard.url, version="auto")
    try:
        with pytest.raises(Feedback, match="session label"):
            check.replicas(high_level(plain, nano_cpus=100_000_000, ports={"8080/tcp": ("127.0.0.1", None)}),
                           guarded, 1)
    finally:
        for c in plain.containers.list(all=True):  # the guard lists only its owner's: this module's
            c.remove(force=True)


def test_two_engines_table_names_the_bridge_behind_a_guard_too(guarded, session_api):
    """The guard answers for `bridge` with its owner's network: the table still names the engine's bridge."""
    from course.lab import portability

    shown = portability.describe(guarded)
    assert (shown["data root"], shown["bridge"]) == (portability.describe(session_api)["data root"],
                                                     portability.describe(session_api)["bridge"])
    assert shown["bridge"] != "(not shown)" and "vmdocker-guard" not in shown["bridge"]
