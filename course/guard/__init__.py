"""A guard between untrusted notebooks and the Docker engine: an allow-listing API proxy.

Each owner (a student, or a graded submission) gets a guard listening on its own
unix socket; learners' code gets ``DOCKER_HOST=unix://<that socket>`` and never the
engine socket. See :mod:`course.guard.proxy` for the server, :mod:`course.guard.policy`
for what a container may be, and :mod:`course.guard.runner` to start one.
"""

from course.guard.runner import GuardProcess, GuardThread, default_socket, start_guard, stop_guard
from course.guard.settings import Limits, Settings

__all__ = ["GuardProcess", "GuardThread", "Limits", "Settings", "default_socket", "start_guard", "stop_guard"]
