"""Portability on the real engines: the second dockerd, image moves, leases, and the lesson's check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from course import config, lab
from course.checks import why_docker as check
from course.checks.feedback import Feedback
from course.engine import remove_labelled, session_client
from course.engine.connect import ping
from course.lab import portability
from course.services import second_engine as second


@pytest.fixture(scope="module")
def other(engine):
    """A labelled client on the second engine for this test run; left (and stopped if last) afterwards."""
    api = portability.second_engine()
    yield api
    session = api.course_labels[config.LABEL_SESSION]
    left = api.containers.list(all=True, filters={"label": f"{config.LABEL_SESSION}={session}"})
    portability.release(api)
    assert not left, f"the tests left containers on the second engine: {left}"
    if not second.in_use():
        assert not ping(second.daemon().socket), "the last lease left the second engine running"


def test_second_engine_is_separate(engine, other):
    here, there = portability.describe(engine), portability.describe(other)
    assert here["data root"] != there["data root"]
    assert there["data root"] == str(second.daemon().state / "data")
    assert there["bridge"] == "vmdocker2" != here["bridge"]


def test_copied_image_runs_unchanged(session_api, other):
    moved = portability.copy_image(session_api, other, lab.BASE_IMAGE)
    assert moved.same_id and moved.archive_bytes > 1_000_000
    assert lab.BASE_IMAGE in other.images.get(lab.BASE_IMAGE).tags  # saved by name: the tag travels
    command = "sha256sum /bin/busybox; cat /etc/passwd"
    here = portability.run_on(session_api, lab.BASE_IMAGE, command)
    there = portability.run_on(other, lab.BASE_IMAGE, command)
    assert here == there and here[0] == 0


def test_second_engine_containers_carry_labels(other):
    portability.copy_image(lab.client(), other, lab.BASE_IMAGE)
    container = other.containers.run(lab.BASE_IMAGE, "true", detach=True)
    try:
        labels = container.labels
        assert labels[config.LABEL_COURSE] == config.COURSE_NAME
        assert labels[config.LABEL_SESSION] == other.course_labels[config.LABEL_SESSION]
    finally:
        container.remove(force=True)


def test_missing_image_is_refused_not_pulled(other):
    with pytest.raises(LookupError, match="copy it there first"):
        portability.run_on(other, "vmdocker/not-there:never", "true")


def test_leases_keep_it_up_for_others_and_dead_ones_do_not_count(engine, other):
    """Another process joins; a second lease of ours leaves: it stays up. That process dies: its lease goes."""
    code = ("import time; from course.lab import portability; portability.second_engine(); "
            "print('joined', flush=True); time.sleep(120)")
    env = {**os.environ, "COURSE_SESSION": f"pytest-lease-{os.getpid()}"}
    holder = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "joined"
        assert second.in_use()
        extra = portability.second_engine(session=f"pytest-extra-{os.getpid()}")
        assert not portability.release(extra)  # others are still there: not stopped
        assert ping(second.daemon().socket)
    finally:
        holder.kill()  # our own child, by its pid; it cannot release (SIGKILL)
        holder.wait()
    again = portability.second_engine(session=f"pytest-again-{os.getpid()}")  # joining drops dead leases
    try:
        assert not [n for n in os.listdir(second.daemon().state / "leases") if n.startswith(f"{holder.pid}-")]
    finally:
        assert not portability.release(again)  # the module's own lease remains


def test_guarded_second_engine_for_sandboxed_kernels(engine, monkeypatch):
    """The sandbox's path: guards in front of both engines, the kernel told where by the environment."""
    from course.guard import start_guard

    owner = f"pytest-second-{os.getpid()}"
    main_guard = start_guard(owner)
    served = second.serve(owner)
    try:
        monkeypatch.setenv("DOCKER_HOST", main_guard.url)
        monkeypatch.setenv(second.SECOND_HOST_ENV, served.guard.url)
        assert served.env == {second.SECOND_HOST_ENV: served.guard.url}
        source = session_client()
        other = portability.second_engine()
        assert other.course_lease is None  # the root side holds the lease, not the kernel
        check.run_elsewhere(run_correctly(source), source, other, strict=True)
        assert not portability.release(other)
    finally:
        served.close()
        main_guard.stop()
        remove_labelled(engine, owner=owner)  # the guard's own network for the owner
        for guard in (served.guard, main_guard):
            guard.log.unlink(missing_ok=True)
    assert not os.path.exists(served.guard.socket)


def run_correctly(source):
    def run_elsewhere(image_ref, other_api):
        other_api.images.load(b"".join(source.images.get(image_ref).save(named=image_ref)))
        return other_api.containers.run(image_ref, remove=True).decode()

    return run_elsewhere


def test_check_accepts_another_correct_approach(session_api, other):
    """Save without the tag, load, then tag it there and run by ID: also right."""
    def run_elsewhere(image_ref, other_api):
        loaded = other_api.images.load(b"".join(session_api.images.get(image_ref).save()))[0]
        loaded.tag(*image_ref.rsplit(":", 1))
        container = other_api.containers.run(loaded.id, detach=True)
        try:
            container.wait()
            return container.logs().decode()
        finally:
            container.remove()

    check.run_elsewhere(run_elsewhere, session_api, other, strict=True)


def test_check_explains_a_container_left_behind(session_api, other):
    def run_elsewhere(image_ref, other_api):
        other_api.images.load(b"".join(session_api.images.get(image_ref).save(named=image_ref)))
        container = other_api.containers.run(image_ref, detach=True)
        container.wait()
        return container.logs().decode()

    check.run_elsewhere(run_elsewhere, session_api, other)  # the visible test passes
    with pytest.raises(Feedback, match="left 1 container"):
        check.run_elsewhere(run_elsewhere, session_api, other, strict=True)


def test_check_explains_an_image_never_moved(session_api, other):
    with pytest.raises(Feedback, match="not on the other engine"):
        check.run_elsewhere(lambda image_ref, other_api: "portable", session_api, other)
