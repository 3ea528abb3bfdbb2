"""Reading the engine's real state for checks: containers of a session, limits, exec."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import docker
from docker.models.containers import Container

from course import config

MiB = 2**20


def session_containers(api: docker.DockerClient) -> set[str]:
    """IDs of all containers (any state) carrying ``api``'s session label."""
    session = getattr(api, "course_labels", {}).get(config.LABEL_SESSION)
    label = f"{config.LABEL_SESSION}={session}" if session else f"{config.LABEL_COURSE}={config.COURSE_NAME}"
    return {c.id for c in api.containers.list(all=True, filters={"label": label})}


def exec_text(container: Container, command: str) -> str:
    """Output of ``sh -c command`` inside a running container, stripped."""
    return container.exec_run(["sh", "-c", command]).output.decode(errors="replace").strip()


def cgroup_memory_limit(container: Container) -> int:
    """The memory limit as the container itself reads it (cgroup v1 or v2), in bytes."""
    text = exec_text(
        container,
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
    )
    return int(text) if text.isdigit() else -1


@contextlib.contextmanager
def removed_after(*containers: Container) -> Iterator[None]:
    """Force-remove the given containers when the block ends, however it ends."""
    try:
        yield
    finally:
        for container in containers:
            if isinstance(container, Container):
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    container.remove(force=True)
