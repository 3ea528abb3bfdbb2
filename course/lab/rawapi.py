"""The engine's HTTP API spoken by hand: where its socket is, one raw request, and a relay.

The `engine` lesson shows that the `docker` CLI and the SDK are only HTTP clients of
the engine. These helpers let cells and checks speak that HTTP without the SDK, run
the CLI against the course's engine (which may be a guard socket, not
``/var/run/docker.sock``), and watch on the wire which requests a client really sends.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Self

from course.engine.connect import engine_url

#: The start of an HTTP request: a method, a target, the protocol.
REQUEST_LINE = re.compile(rb"^[A-Z]+ \S+ HTTP/1\.[01]\r?\n")
#: How much of a relayed request's body, and of an unfinished head, an :class:`Exchange` keeps.
BODY_KEPT, HEAD_KEPT = 2**20, 2**16
#: Where Debian's docker.io and the upstream packages put the CLI.
CLI_PATHS = ("/usr/local/bin/docker", "/usr/bin/docker")


def engine_socket_path(url: str | None = None) -> str:
    """The filesystem path of the engine's unix socket (``DOCKER_HOST`` may name a guard's)."""
    url = url or engine_url()
    if url.startswith("unix://"):
        return url[len("unix://"):]
    if url.startswith("/"):
        return url
    raise ValueError(f"the engine is at {url}, not on a unix socket; this lesson needs a unix socket")


@dataclass
class Response:
    """An HTTP response as it came off the socket: status line, headers, body."""

    status_line: str
    headers: dict[str, str]
    body: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split()[1])

    def json(self) -> Any:
        return json.loads(self.body)


def _dechunk(body: bytes) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body."""
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


def parse(raw: bytes) -> Response:
    """Split a complete raw HTTP response into status line, headers and (de-chunked) body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(lines[0], headers, body)


def raw_request(method: str, path: str, socket_path: str | None = None, timeout: float = 30.0) -> bytes:
    """One HTTP/1.0 request over the unix socket: the complete raw reply, as it came.

    HTTP/1.0 keeps it simple: no keep-alive and no chunked body, so "read until the
    server hangs up" is the whole protocol.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path or engine_socket_path())
        sock.sendall(f"{method} {path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: course-rawapi\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def request(method: str, path: str, socket_path: str | None = None, timeout: float = 30.0) -> Response:
    """One HTTP/1.0 request over the unix socket, its reply parsed; the engine closes the connection when done."""
    return parse(raw_request(method, path, socket_path, timeout))


def cli_path() -> str:
    """The ``docker`` CLI program, or FileNotFoundError saying how to get it."""
    found = shutil.which("docker") or next((p for p in CLI_PATHS if os.access(p, os.X_OK)), None)
    if not found:
        raise FileNotFoundError("the docker CLI is not installed (Debian's docker.io package ships it)")
    return found


def cli(*args: str, host: str | None = None, timeout: float = 60.0) -> str:
    """Run the ``docker`` CLI against the course's engine (or ``host``); its output, stderr included."""
    env = {**os.environ, "DOCKER_HOST": host or engine_url()}
    env.pop("DOCKER_CONTEXT", None)  # DOCKER_HOST wins only without a context
    res = subprocess.run([cli_path(), *args], capture_output=True, text=True, env=env, timeout=timeout,
                         check=False)
    return res.stdout + res.stderr


@dataclass
class Exchange:
    """One request through a :class:`Relay`: its request line, User-Agent, body, and the reply's status line."""

    request_line: str = ""
    user_agent: str = ""
    status_line: str = ""
    #: The request's body as the client sent it (its first BODY_KEPT bytes; empty if chunked).
    body: bytes = b""

    @property
    def method(self) -> str:
        return self.request_line.split(" ", 1)[0]

    @property
    def path(self) -> str:
        """The request's path without the query and any ``/vX.Y`` API version prefix."""
        parts = self.request_line.split()
        target = parts[1].split("?")[0] if len(parts) > 1 else ""
        if target.startswith("/v") and "/" in target[1:]:
            version, rest = target[2:].split("/", 1)
            if version.replace(".", "").isdigit():
                return "/" + rest
        return target

    def json(self) -> Any:
        """The request's body as JSON; None if it is empty or not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class _Requests:
    """The client side of one relayed connection, read as HTTP: each request's head, and its body
    by Content-Length. What is not a request (a hijacked attach or exec stream) is only passed on."""

    def __init__(self, record: Callable[[Exchange], None]) -> None:
        self._record = record
        self._head = b""  # a head that has not ended yet
        self._left = 0    # bytes of the current body still to come
        self._current = Exchange()

    def feed(self, data: bytes) -> None:
        while data:
            if self._left:
                part, data = data[:self._left], data[self._left:]
                self._left -= len(part)
                self._current.body += part[:max(0, BODY_KEPT - len(self._current.body))]
                continue
            if not self._head and not REQUEST_LINE.match(data):
                return
            head, sep, data = (self._head + data).partition(b"\r\n\r\n")
            if not sep:
                self._head = head if len(head) < HEAD_KEPT else b""
                return
            self._head = b""
            lines = head.decode("iso-8859-1", errors="replace").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
            self._current = Exchange(lines[0], headers.get("user-agent", ""))
            self._record(self._current)
            length = headers.get("content-length", "0")
            self._left = int(length) if length.isdigit() else 0


def _head_of(data: bytes) -> list[str]:
    return data.split(b"\r\n\r\n", 1)[0].decode("iso-8859-1", errors="replace").split("\r\n")


@dataclass
class Relay:
    """A unix socket that forwards every connection to the engine and records what passed.

    Checks hand its path to a learner's function: the recording shows that the function
    really spoke to the socket it was given, what it asked, and what the engine answered.
    Closing it also unblocks a function still waiting for a reply.
    """

    upstream: str = field(default_factory=engine_socket_path)
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="course-relay-")
        self.path = os.path.join(self._dir, "engine.sock")
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.settimeout(None)
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The ``DOCKER_HOST`` that goes through this relay."""
        return f"unix://{self.path}"

    def __enter__(self) -> Self:
        self._server.bind(self.path)
        self._server.listen(16)
        threading.Thread(target=self._accept, daemon=True, name="course-relay").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def as_docker_host(self) -> Iterator[None]:
        """``DOCKER_HOST`` names this relay while the block runs: the CLI and new clients go through it too."""
        previous = os.environ.get("DOCKER_HOST")
        os.environ["DOCKER_HOST"] = self.url
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("DOCKER_HOST", None)
            else:
                os.environ["DOCKER_HOST"] = previous

    def close(self) -> None:
        """Stop accepting, hang up every connection, remove the socket."""
        with contextlib.suppress(OSError):
            self._server.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
            self._open.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        # Blocking whatever socket.setdefaulttimeout() a check set for the learner's socket: the relay waits
        # as long as the client does (closing it ends the wait), never hanging up on a reader first.
        client.settimeout(None)
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.settimeout(None)
        with self._lock:
            self._open += [client, upstream]
        try:
            upstream.connect(self.upstream)
        except OSError:
            with contextlib.suppress(OSError):
                client.close()
            return
        mine: list[Exchange] = []  # this connection's requests, in order (keep-alive sends several)

        def record(exchange: Exchange) -> None:
            with self._lock:
                mine.append(exchange)
                self.exchanges.append(exchange)

        threading.Thread(target=self._pump, args=(upstream, client, mine, None), daemon=True).start()
        self._pump(client, upstream, mine, _Requests(record))

    def _pump(self, src: socket.socket, dst: socket.socket, mine: list[Exchange],
              requests: _Requests | None) -> None:
        """Copy ``src`` to ``dst`` until either side hangs up: the requests read as they pass (``requests``),
        or on the way back the status line of each reply that starts a read."""
        try:
            while data := src.recv(65536):
                if requests is not None:
                    requests.feed(data)
                elif data.startswith(b"HTTP/1."):
                    with self._lock:
                        waiting = [e for e in mine if not e.status_line]
                        if waiting:
                            waiting[0].status_line = _head_of(data)[0]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
