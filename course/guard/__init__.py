"""A guard between untrusted notebooks and the Docker engine: an allow-listing API proxy.

Each owner (a student, or a graded submission) gets a guard listening on its own
unix socket; learners' code gets ``DOCKER_HOST=unix://<that socket>`` and never the
engine socket. See :mod:`course.guard.runner` to start one, :mod:`course.guard.proxy` for
the server and :mod:`course.guard.routes` for the endpoints it allows. The policy is grouped
by resource in :mod:`course.guard.resources` (containers, exec, images and builds, networks,
volumes, list filters): each module holds that resource's rules and, beside them, its handlers,
which :mod:`course.guard.handlers` composes. The shared machinery: the body decoder
(:mod:`~course.guard.jsonbody`, :mod:`~course.guard.schema`), names, ownership, ports, archives
and the Dockerfile reader. The README beside this file maps the tree.
"""

from course.guard.runner import GuardProcess, GuardThread, default_socket, start_guard, stop_guard
from course.guard.settings import Limits, Settings

__all__ = ["GuardProcess", "GuardThread", "Limits", "Settings", "default_socket", "start_guard", "stop_guard"]
