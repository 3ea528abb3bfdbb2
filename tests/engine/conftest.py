"""Shared fixtures: the real engine, the course image, a scratch course directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Everything this test run creates on the engine carries one session label, so the
# leftover check below sees only our objects even when others share the engine.
os.environ.setdefault("COURSE_SESSION", f"pytest-{os.getpid()}")

from course.engine import bootstrap, client, remove_labelled
from course.engine.cleanup import leftovers
from course.images import ensure_image
from course.lab.variant import ENV
from course.material import lessons
from course.material.variants import defaults

# Checks the tests call themselves (not in a graded kernel, which is handed its own) judge against each
# lesson's default variant; a graded kernel's environment is set by the grader, whatever this one holds.
os.environ.setdefault(ENV, json.dumps({"student": None, "values": {
    lesson.assignment: defaults(lesson.params) for lesson in lessons.ordered()}}))


@pytest.fixture(scope="session")
def engine():
    """A docker-py client on the real course engine, with the course image built."""
    bootstrap.ensure_engine()
    api = client()
    ensure_image(api)
    yield api
    session = os.environ["COURSE_SESSION"]
    left = leftovers(api, session)
    remove_labelled(api, session)
    assert not sum(left.values()), f"the tests left course objects on the engine: {dict(left)}"
    # Whatever session made them (graders, guards, lessons run by the tests): nothing may remain.
    everything = leftovers(api)
    assert not sum(everything.values()), f"course objects remain on the engine: {dict(everything)}"


@pytest.fixture(scope="module")
def module_engine(request):
    """A plain engine client for a test module that labels its objects with its own ``SESSION``;
    they (images too) are removed, and checked gone, when the module ends."""
    from course.engine import ping

    if not ping():
        pytest.skip("no Docker Engine answers")
    session = request.module.SESSION
    api = client()
    ensure_image(api)
    yield api
    remove_labelled(api, session, images=True)
    assert sum(leftovers(api, session).values()) == 0
    api.close()


@pytest.fixture
def session_api(engine):
    """A labelled client for this test run's session."""
    from course.engine import session_client

    return session_client()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory) -> Path:
    """A scratch course directory (source/, release/, config) with its own gradebook."""
    from course.grading.scratch import make_course

    return make_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def module_guards(module_engine, request, tmp_path_factory):
    """One real guard process per owner in the module's ``OWNERS`` (with its ``SESSION`` and
    ``LIMITS``), sockets in a temporary directory; all stopped at the end, also if one fails to start."""
    from course.guard import start_guard

    module = request.module
    base = tmp_path_factory.mktemp("guards")
    started = {}
    try:
        for owner in module.OWNERS:
            started[owner] = start_guard(owner, base / f"{owner}.sock", session=module.SESSION, limits=module.LIMITS)
        yield started
    finally:
        for guard in started.values():
            guard.stop()
