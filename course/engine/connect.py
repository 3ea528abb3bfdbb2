"""Connect to the Docker Engine the course uses.

The engine is the one ``DOCKER_HOST`` names, else ``/var/run/docker.sock``. The URL
is passed explicitly: docker-py 7.2's ``from_env`` would otherwise fall back to CLI
contexts, which may point somewhere else. The API version is negotiated, so Debian's
20.10 (API 1.41) and current engines (1.44+) both work.
"""

from __future__ import annotations

import os

import docker
import docker.errors
import requests.exceptions

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
#: Oldest engine API the course supports (Debian 12's docker.io 20.10).
MIN_API = "1.41"


class EngineUnavailable(RuntimeError):
    """No Docker Engine answers where the course looks for one."""


def engine_url() -> str:
    """The engine address: ``DOCKER_HOST`` if set, else the default unix socket."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET


def ping(url: str | None = None, timeout: float = 3.0) -> bool:
    """True if an engine answers ``/_ping`` at ``url``."""
    try:
        api = docker.APIClient(base_url=url or engine_url(), version=MIN_API, timeout=timeout)
        try:
            return bool(api.ping())
        finally:
            api.close()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
        return False


def client(url: str | None = None, timeout: float = 120.0) -> docker.DockerClient:
    """A docker-py client for the course engine, API version negotiated."""
    url = url or engine_url()
    try:
        return docker.DockerClient(base_url=url, version="auto", timeout=timeout)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise EngineUnavailable(
            f"no Docker Engine answers at {url}: {exc}. "
            "Start one with `course engine start` (or `make engine`)."
        ) from exc
