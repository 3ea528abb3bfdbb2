"""The demo cleans only its own course directory's gradings: matched by their session label's prefix."""

from __future__ import annotations

from types import SimpleNamespace

from course import config
from course.engine.cleanup import _session_starts
from course.grading import nbgrader_api


def _obj(session: str | None, container: bool) -> SimpleNamespace:
    labels = {config.LABEL_COURSE: config.COURSE_NAME, **({config.LABEL_SESSION: session} if session else {})}
    return SimpleNamespace(attrs={"Config": {"Labels": labels}} if container else {"Labels": labels})


def test_only_this_course_directorys_sessions_match(tmp_path):
    mine, other = tmp_path / "mine", tmp_path / "other"
    prefix = nbgrader_api.sessions_prefix(mine)
    for container in (True, False):  # a container's labels sit in its Config; a network's or volume's at the top
        assert _session_starts(_obj(nbgrader_api.submission_session("vms", "alice", mine), container), prefix)
        assert not _session_starts(_obj(nbgrader_api.submission_session("vms", "alice", other), container), prefix)
        assert not _session_starts(_obj("pytest-someone", container), prefix)
        assert not _session_starts(_obj(None, container), prefix)
        assert _session_starts(_obj("pytest-someone", container), None)
