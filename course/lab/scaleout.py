"""Scale-out: replicas of a tiny web server, and a bounded load driven at them from this process.

Each replica is busybox ``httpd`` answering with its own hostname, published on
127.0.0.1 only. Host ports are read back from ``container.ports`` (never from container
addresses), so the same code works when a guard proxy publishes the ports itself. The
load is bounded in count and time and goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from urllib.parse import urlsplit

import docker
from docker.models.containers import Container
from tqdm.auto import tqdm

from course.images import BASE, image_ref

#: The port httpd listens on inside each replica.
PORT = "8080/tcp"
#: The replica's program: busybox httpd in the foreground, answering ``/`` with a CGI program that
#: prints the replica's hostname. A program started for every request (a fork and an exec, as a
#: real service computes its answers) makes each request cost the replica CPU time, so with a
#: CPU cap the replicas, not the client or the port relay, are what limits the throughput.
#: ``-vv`` logs every request ("url:/"), which lets checks count what each replica served.
WEB_COMMAND = ["sh", "-c", ("mkdir -p /www/cgi-bin && cd /www/cgi-bin"
                            " && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nhostname\\n' > index.cgi"
                            " && chmod +x index.cgi && exec httpd -f -vv -p 8080 -h /www")]
#: Each replica's CPU share (a tenth of a CPU, ``docker run --cpus 0.1``): a fixed capacity
#: per replica, like a small machine, so adding replicas adds capacity.
REPLICA_NANO_CPUS = 100_000_000
LOOPBACK = "127.0.0.1"


class NotLoopback(ValueError):
    """A URL or a port binding that is not on 127.0.0.1."""


def bindings(container: Container, port: str = PORT, wait: float = 10.0) -> list[dict]:
    """The host bindings of ``port`` as the engine reports them (``container.ports``), once published."""
    deadline = time.monotonic() + wait
    while True:
        container.reload()
        found = (container.ports or {}).get(port) or []
        if found or time.monotonic() > deadline or container.status not in ("created", "running"):
            return found
        time.sleep(0.1)


def url_of(container: Container, port: str = PORT, wait: float = 10.0) -> str:
    """``http://127.0.0.1:PORT/`` where the engine published ``port`` of ``container``."""
    found = bindings(container, port, wait)
    for binding in found:
        if binding.get("HostIp") == LOOPBACK:
            return f"http://{LOOPBACK}:{binding['HostPort']}/"
    if not found:
        raise NotLoopback(f"port {port} of container {container.short_id} is not published")
    raise NotLoopback(f"port {port} of {container.short_id} is published on "
                      f"{[b.get('HostIp') for b in found]}, not on {LOOPBACK} only")


def _check_loopback(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or not parts.port:
        raise NotLoopback(f"{url!r}: the course only sends requests to http://{LOOPBACK}:PORT/")
    return parts.hostname, parts.port, parts.path or "/"


def get(url: str, timeout: float = 5.0) -> str:
    """GET ``url`` (127.0.0.1 only, no proxy) and return the body; raise OSError unless 200."""
    host, port, path = _check_loopback(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        if response.status != 200:
            raise OSError(f"{url} answered {response.status}")
        return body
    finally:
        conn.close()


def wait_ready(urls: list[str], timeout: float = 15.0) -> list[str]:
    """Wait until every URL answers (a new replica needs a moment); return their bodies."""
    deadline = time.monotonic() + timeout
    bodies = []
    for url in urls:
        while True:
            try:
                bodies.append(get(url, timeout=2.0))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    return bodies


def start_replicas(api: docker.DockerClient, n: int, nano_cpus: int = REPLICA_NANO_CPUS) -> list[Container]:
    """Start ``n`` web replicas of the course image, each on a random 127.0.0.1 port."""
    return [api.containers.run(image_ref(BASE), WEB_COMMAND, detach=True, nano_cpus=nano_cpus,
                               ports={PORT: (LOOPBACK, None)})
            for _ in range(n)]


def served(containers: list[Container], total: int = 0, wait: float = 5.0) -> list[int]:
    """How many requests each replica has answered, from its httpd log (one ``url:`` line each).

    Logs reach the engine a moment after the answers, so this waits (up to ``wait`` s) until
    they show at least ``total`` requests in all.
    """
    deadline = time.monotonic() + wait
    while True:
        counts = [sum(1 for line in c.logs(stdout=True, stderr=True).splitlines() if b" url:" in line)
                  for c in containers]
        if sum(counts) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


@dataclass(frozen=True)
class Load:
    """The outcome of a bounded load: requests asked, answered, and the time they took."""

    replicas: int
    requests: int
    answered: int
    seconds: float

    @property
    def requests_per_s(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0


def measure(urls: list[str], requests: int, workers: int = 8, time_limit: float = 30.0,
            progress: bool = False) -> Load:
    """Send ``requests`` GETs round-robin over ``urls``, ``workers`` at a time, within ``time_limit`` s.

    Bounded both ways: never more than ``requests`` requests, none started after the
    time limit, each with its own timeout. Only 127.0.0.1 URLs are accepted.
    """
    if not urls:
        raise ValueError("no URLs to send requests to")
    for url in urls:
        _check_loopback(url)
    requests = max(0, int(requests))
    deadline = time.monotonic() + time_limit

    def one(i: int) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            get(urls[i % len(urls)], timeout=min(5.0, left))
            return True
        except OSError:
            return False

    answered = 0
    with tqdm(total=requests, desc=f"{len(urls)} replica(s)", unit="req", disable=not progress,
              leave=False) as bar:
        start = time.perf_counter()
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for future in as_completed([pool.submit(one, i) for i in range(requests)]):
                answered += future.result()
                bar.update(1)
        seconds = time.perf_counter() - start
    return Load(len(urls), requests, answered, seconds)
