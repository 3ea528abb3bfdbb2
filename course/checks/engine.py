"""Checks for the `engine` assignment (S8, S2): the engine's API spoken by hand over its socket.

The learner's functions get a socket path. Visible tests give them the engine's own
socket; hidden tests give them a :class:`course.rawapi.Relay` in front of it, which
shows whether the function really used the path it was given, what it asked for,
whether it went through the SDK or CLI, and what the engine answered.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Callable, Iterator
from typing import Any

import docker

from course.checks.engine_state import removed_after
from course.checks.feedback import Feedback, call, expect
from course.images import BASE, image_ref
from course.lab import rawapi

#: Seconds a learner's socket may wait for data before the check gives up on it.
SOCKET_TIMEOUT = 20.0
LABEL_KEY = "course.exercise"
SDK_AGENTS = ("docker-sdk-python", "Docker-Client")


def _call(fn: Callable, *args: Any) -> Any:
    """``call(fn, *args)`` with a default socket timeout, so a read that waits forever ends with advice."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(SOCKET_TIMEOUT)
    try:
        return call(fn, *args)
    except Feedback as fb:
        if isinstance(fb.__cause__, TimeoutError):
            raise Feedback(
                f"`{fn.__name__}` waited {SOCKET_TIMEOUT:.0f} s for more data and gave up: the engine had "
                "answered, but with HTTP/1.1 it keeps the connection open for the next request, so "
                "reading until the connection closes never ends.",
                'send "HTTP/1.0" in the request line (the engine then closes the connection after its '
                "reply), or stop reading once you have Content-Length bytes of body.",
            ) from None
        raise
    finally:
        socket.setdefaulttimeout(previous)


@contextlib.contextmanager
def _relayed(fn: Callable, wanted: str) -> Iterator[rawapi.Relay]:
    """A relay to hand to ``fn``; afterwards, check ``fn`` used it for ``wanted``, by hand."""
    with rawapi.Relay() as relay:
        yield relay
    expect(relay.exchanges,
           f"`{fn.__name__}` never connected to the socket path it was given ({relay.path}).",
           "connect to the `socket_path` argument, not to a path written into your function.")
    paths = [e.path for e in relay.exchanges]
    expect(wanted in paths, f"`{fn.__name__}` asked the engine for {paths}, not for {wanted}.",
           f"send a request line like 'GET {wanted} HTTP/1.0'.")
    agents = {e.user_agent for e in relay.exchanges if e.path == wanted}
    expect(not any(a.startswith(SDK_AGENTS) for a in agents),
           f"`{fn.__name__}` asked through the docker SDK or CLI (User-Agent {sorted(agents)}).",
           "this exercise is about speaking the API yourself: use socket.socket(socket.AF_UNIX, ...) "
           "and write the HTTP request by hand.")


def _text(fn: Callable, got: object, what: str) -> str:
    """``got`` as a ``str``, or feedback about bytes and other types."""
    if isinstance(got, (bytes, bytearray)):
        raise Feedback(f"`{fn.__name__}` returned bytes ({bytes(got)[:60]!r}), not a str.",
                       "decode it: data.decode().")
    expect(isinstance(got, str), f"`{fn.__name__}` returned {type(got).__name__}, not a str.",
           f"return {what} as a str.")
    return got


def ping_status(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`ping_status(socket_path)` returns the status line of the engine's reply to ``GET /_ping``."""
    if not relayed:
        got = _text(fn, _call(fn, rawapi.engine_socket_path()), "the status line")
    else:
        with _relayed(fn, "/_ping") as relay:
            got = _text(fn, _call(fn, relay.path), "the status line")
    expect("\n" not in got and "\r" not in got,
           f"the status line should be one line, without its line ending; got {got!r}.",
           "split the reply at b'\\r\\n' and keep the first part (or use .strip()).")
    parts = got.split(" ", 2)
    expect(parts[0].startswith("HTTP/1."), f"{got!r} does not start with the protocol (HTTP/1.0 or HTTP/1.1).",
           "return the reply's first line, e.g. 'HTTP/1.0 200 OK'; not the body ('OK').")
    expect(len(parts) > 1 and parts[1] == "200",
           f"{got!r} is not a 200 status: the engine should answer a ping with 200.",
           "send exactly 'GET /_ping HTTP/1.0' followed by a blank line (\\r\\n\\r\\n).")
    if relayed:
        seen = next(e.status_line for e in relay.exchanges if e.path == "/_ping")
        expect(got == seen, f"you returned {got!r} but the engine's reply began with {seen!r}.",
               "return the first line of the reply exactly as it came, only without '\\r\\n'.")


def _version_value(fn: Callable, api: docker.DockerClient, key: str, relayed: bool) -> tuple[str, dict]:
    """Call ``fn`` (relayed or not) and return (its answer as str, the engine's /version via the SDK)."""
    if not relayed:
        got = _text(fn, _call(fn, rawapi.engine_socket_path()), f"the engine's {key}")
    else:
        with _relayed(fn, "/version") as relay:
            got = _text(fn, _call(fn, relay.path), f"the engine's {key}")
    return got, api.version()


def server_version(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`server_version(socket_path)` returns the engine's version, as ``/version`` reports it."""
    got, version = _version_value(fn, api, "Version", relayed)
    want = version["Version"]
    expect(got != version.get("ApiVersion"), f"{got!r} is the API version, not the engine's version.",
           'read the "Version" field of the JSON body.')
    expect(got != docker.__version__, f"{got!r} is the version of the Python docker SDK, not of the engine.",
           "ask the engine: GET /version over the socket.")
    expect(got == want, f"`{fn.__name__}` returned {got!r}, but the engine says its version is {want!r}.",
           'parse the body after the blank line as JSON and return its "Version".')


def _cli_go_version() -> str | None:
    with contextlib.suppress(OSError, ValueError):
        return rawapi.cli("version", "--format", "{{.Client.GoVersion}}").strip() or None
    return None


def go_version(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`go_version(socket_path)` returns the Go version the engine was built with."""
    got, version = _version_value(fn, api, "GoVersion", relayed)
    want = version["GoVersion"]
    expect(got.startswith("go"), f"{got!r} is not a Go version; the engine reports something like 'go1.19.8'.",
           'return the "GoVersion" field of GET /version.')
    if got != want and got == _cli_go_version():
        raise Feedback(f"{got!r} is the Go version of the docker CLI (the client), not of the engine.",
                       "ask the server: the GoVersion in the engine's own /version reply.")
    expect(got == want, f"`{fn.__name__}` returned {got!r}, but the engine was built with {want!r}.",
           'return the "GoVersion" field of the JSON body of GET /version.')


def count_labelled(fn: Callable, api: docker.DockerClient, cases: list[tuple[int, int]],
                   relayed: bool = False) -> None:
    """`count_labelled(socket_path, label)` counts all containers (running or not) with ``label``.

    Each case is (running, stopped): the check creates that many containers with a
    fresh label, asks, and removes them.
    """
    for running, stopped in cases:
        label = f"{LABEL_KEY}={secrets.token_hex(4)}"
        key, value = label.split("=")
        made = [api.containers.run(image_ref(BASE), "sleep 120", detach=True, labels={key: value})
                for _ in range(running)]
        made += [api.containers.create(image_ref(BASE), "true", labels={key: value}) for _ in range(stopped)]
        with removed_after(*made):
            if relayed:
                with _relayed(fn, "/containers/json") as relay:
                    got = _call(fn, relay.path, label)
            else:
                got = _call(fn, rawapi.engine_socket_path(), label)
            want = running + stopped
            expect(isinstance(got, int) and not isinstance(got, bool),
                   f"`{fn.__name__}(socket_path, {label!r})` returned {got!r} ({type(got).__name__}), not an int.",
                   "return len(...) of the containers you counted.")
            if got == running and stopped:
                raise Feedback(f"`{fn.__name__}` counted {got}: only the running containers with {label}; "
                               f"{stopped} more exist but are not running.",
                               "/containers/json lists running containers only, unless you ask for all=1 "
                               "(GET /containers/json?all=1).")
            expect(got == want, f"`{fn.__name__}(socket_path, {label!r})` returned {got}, but {want} containers "
                   f"carry that label ({running} running, {stopped} not running).",
                   'count the containers whose "Labels" contain that key with that value (or let the engine '
                   'filter: ?all=1&filters={"label":["key=value"]}, URL-encoded).')
    nobody = f"{LABEL_KEY}=nobody-{secrets.token_hex(4)}"
    got = _call(fn, rawapi.engine_socket_path(), nobody)
    expect(got == 0, f"`{fn.__name__}(socket_path, {nobody!r})` returned {got!r}; no container has that label.",
           "count only containers whose label has exactly that key and value.")
