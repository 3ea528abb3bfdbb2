"""Checks for the `engine` assignment (S8, S2): the engine's API spoken by hand over its socket.

The learner's functions get a socket path. Visible tests give them the engine's own
socket; hidden tests give them a :class:`course.rawapi.Relay` in front of it (and name it
in ``DOCKER_HOST``, so the CLI goes through it too), which shows whether the function really
used the path it was given, what it asked for, whether it went through the SDK or CLI, and
what the engine answered.

Exercises 2-4 reuse exercise 1's ``http_get``; each is graded on its own (:func:`on_its_own`):
a mistake in ``http_get`` costs exercise 1's points, not theirs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import reprlib
import secrets
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import docker

from course.checks.engine_state import removed_after
from course.checks.feedback import Feedback, call, expect
from course.i18n import translator
from course.images import BASE, image_ref
from course.lab import rawapi, variant

_ = translator("engine")

#: Seconds a learner's socket may wait for data before the check gives up on it.
SOCKET_TIMEOUT = 20.0
LABEL_KEY = "course.exercise"
SDK_AGENTS = ("docker-sdk-python", "Docker-Client")
CLI_AGENT = "Docker-Client"
#: The helper of exercise 1 that the later exercises call.
HELPER = "http_get"


def reference_http_get(socket_path: str, path: str) -> bytes:
    """A correct exercise-1 ``http_get``: the complete raw reply to ``GET path``."""
    return rawapi.raw_request("GET", path, socket_path, timeout=SOCKET_TIMEOUT)


#: Seconds exercise 1's ``http_get`` may take to answer a ping before it counts as broken.
HELPER_TIMEOUT = 5.0
_helper_works: dict[Callable, bool] = {}
_told: set[Callable] = set()  # the functions whose learner was told their exercise used a correct helper


def _works(helper: Callable) -> bool:
    """Whether the learner's ``http_get`` returns the complete raw reply to a ping on the socket it is given
    (asked once per definition: a helper that waits forever costs its few seconds only once)."""
    if helper not in _helper_works:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(HELPER_TIMEOUT)
        try:
            with rawapi.Relay() as relay:
                reply = helper(relay.path, "/_ping")
            _helper_works[helper] = (bool(relay.exchanges) and isinstance(reply, bytes)
                                     and reply.startswith(b"HTTP/1.") and reply.endswith(b"\r\n\r\nOK"))
        except Exception:  # noqa: BLE001 - the learner's code may raise anything: then it does not work
            _helper_works[helper] = False
        finally:
            socket.setdefaulttimeout(previous)
    return _helper_works[helper]


@contextlib.contextmanager
def _reference_helper(fn: Callable) -> Iterator[None]:
    """While the block runs, ``fn`` calls a correct ``http_get`` instead of the learner's."""
    namespace = fn.__globals__
    own = namespace[HELPER]
    namespace[HELPER] = reference_http_get
    try:
        yield
    finally:
        namespace[HELPER] = own


def on_its_own(check: Callable) -> Callable:
    """Grade an exercise on its own, not on exercise 1's ``http_get``: when the learner's function calls an
    ``http_get`` that does not work, it is checked with a correct one; if it crashes there (it may expect its
    own helper's output), as written."""

    @functools.wraps(check)
    def graded(fn: Callable, *args: Any, **kwargs: Any) -> None:
        own = getattr(fn, "__globals__", {}).get(HELPER)
        calls_it = HELPER in getattr(getattr(fn, "__code__", None), "co_names", ())
        if own is None or not calls_it or own is reference_http_get or _works(own):
            check(fn, *args, **kwargs)
            return
        try:
            with _reference_helper(fn):
                check(fn, *args, **kwargs)
        except Feedback as with_reference:
            if with_reference.__cause__ is None:
                raise  # what is wrong with the function itself, given a correct http_get
        else:
            if fn not in _told:
                _told.add(fn)
                # Translators: {name} is the learner's function, {helper} exercise 1's function (http_get).
                print(_("`{name}` is right; your `{helper}` is not (exercise 1 says why), so these tests "
                        "used a correct `{helper}`: each exercise is graded on its own.").format(
                            name=fn.__name__, helper=HELPER))
            return
        check(fn, *args, **kwargs)  # it crashed with a correct http_get (written for its own?): judge it as written
    return graded


def _call(fn: Callable, *args: Any) -> Any:
    """``call(fn, *args)`` with a default socket timeout, so a read that waits forever ends with advice."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(SOCKET_TIMEOUT)
    try:
        return call(fn, *args)
    except Feedback as fb:
        if isinstance(fb.__cause__, TimeoutError):
            raise Feedback(
                # Translators: {name} is the learner's function, {seconds} a whole number of seconds.
                _("`{name}` waited {seconds} s for more data and gave up: the engine had "
                  "answered, but with HTTP/1.1 it keeps the connection open for the next request, so "
                  "reading until the connection closes never ends.").format(
                      name=fn.__name__, seconds=f"{SOCKET_TIMEOUT:.0f}"),
                _('send "HTTP/1.0" in the request line (the engine then closes the connection after its '
                  "reply), or stop reading once you have Content-Length bytes of body."),
            ) from None
        raise
    finally:
        socket.setdefaulttimeout(previous)


@contextlib.contextmanager
def _relayed(fn: Callable, wanted: str, cli_problem: str = "") -> Iterator[rawapi.Relay]:
    """A relay to hand to ``fn`` (``DOCKER_HOST`` too); afterwards, check ``fn`` used it for ``wanted``,
    by hand. ``cli_problem``: what is wrong if it ran the docker CLI instead."""
    with rawapi.Relay() as relay, relay.as_docker_host():
        yield relay
    name = fn.__name__
    agents = {e.user_agent for e in relay.exchanges if e.path == wanted}
    if cli_problem and any(a.startswith(CLI_AGENT) for a in agents):
        # Translators: {problem} is a sentence of its own (translated where it is written).
        raise Feedback(_("`{name}` ran the docker CLI: {problem}").format(name=name, problem=cli_problem),
                       _("ask the engine yourself: GET /version over the socket you were given, by hand."))
    expect(relay.exchanges,
           _("`{name}` never connected to the socket path it was given ({path}).").format(
               name=name, path=relay.path),
           _("connect to the `socket_path` argument, not to a path written into your function."))
    paths = [e.path for e in relay.exchanges]
    # Translators: {paths} is a Python list of the request paths it sent, {wanted} the path it should have asked.
    expect(wanted in paths, _("`{name}` asked the engine for {paths}, not for {wanted}.").format(
               name=name, paths=paths, wanted=wanted),
           _("send a request line like 'GET {wanted} HTTP/1.0'.").format(wanted=wanted))
    expect(not any(a.startswith(SDK_AGENTS) for a in agents),
           # Translators: {agents} is a Python list of the User-Agent headers it sent.
           _("`{name}` asked through the docker SDK or CLI (User-Agent {agents}).").format(
               name=name, agents=sorted(agents)),
           _("this exercise is about speaking the API yourself: use socket.socket(socket.AF_UNIX, ...) "
             "and write the HTTP request by hand."))


def _text(fn: Callable, got: object, what: str) -> str:
    """``got`` as a ``str``, or feedback about bytes and other types (``what``: the answer, translated)."""
    if isinstance(got, (bytes, bytearray)):
        # Translators: {start} is the start of the bytes it returned, as Python writes them (b'HTTP/1.0 ...').
        raise Feedback(_("`{name}` returned bytes ({start}), not a str.").format(
                           name=fn.__name__, start=repr(bytes(got)[:60])),
                       _("decode it: data.decode()."))
    # Translators: {type} is a Python type name (int, list, ...).
    expect(isinstance(got, str), _("`{name}` returned {type}, not a str.").format(
               name=fn.__name__, type=type(got).__name__),
           # Translators: {what} is what the function should return ("the status line", "the engine's Version").
           _("return {what} as a str.").format(what=what))
    return got


def ping_status(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`ping_status(socket_path)` returns the status line of the engine's reply to ``GET /_ping``."""
    what = _("the status line")
    if not relayed:
        got = _text(fn, _call(fn, rawapi.engine_socket_path()), what)
    else:
        with _relayed(fn, "/_ping") as relay:
            got = _text(fn, _call(fn, relay.path), what)
    expect("\n" not in got and "\r" not in got,
           # Translators: {got} is the learner's answer as Python writes a str ('HTTP/1.0 200 OK').
           _("the status line should be one line, without its line ending; got {got!r}.").format(got=got),
           _("split the reply at b'\\r\\n' and keep the first part (or use .strip())."))
    parts = got.split(" ", 2)
    expect(parts[0].startswith("HTTP/1."),
           _("{got!r} does not start with the protocol (HTTP/1.0 or HTTP/1.1).").format(got=got),
           _("return the reply's first line, e.g. 'HTTP/1.0 200 OK'; not the body ('OK')."))
    expect(len(parts) > 1 and parts[1] == "200",
           _("{got!r} is not a 200 status: the engine should answer a ping with 200.").format(got=got),
           _("send exactly 'GET /_ping HTTP/1.0' followed by a blank line (\\r\\n\\r\\n)."))
    if relayed:
        seen = next(e.status_line for e in relay.exchanges if e.path == "/_ping")
        expect(got == seen, _("you returned {got!r} but the engine's reply began with {seen!r}.").format(
                   got=got, seen=seen),
               _("return the first line of the reply exactly as it came, only without '\\r\\n'."))


def _version_value(fn: Callable, api: docker.DockerClient, key: str, relayed: bool,
                   cli_problem: str = "") -> tuple[str, dict]:
    """Call ``fn`` (relayed or not) and return (its answer as str, the engine's /version via the SDK)."""
    # Translators: {key} is a field of the engine's /version reply (Version, GoVersion).
    what = _("the engine's {key}").format(key=key)
    if not relayed:
        got = _text(fn, _call(fn, rawapi.engine_socket_path()), what)
    else:
        with _relayed(fn, "/version", cli_problem) as relay:
            got = _text(fn, _call(fn, relay.path), what)
    return got, api.version()


@on_its_own
def server_version(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`server_version(socket_path)` returns the engine's version, as ``/version`` reports it."""
    got, version = _version_value(fn, api, "Version", relayed)
    want = version["Version"]
    expect(got != version.get("ApiVersion"), _("{got!r} is the API version, not the engine's version.").format(got=got),
           _('read the "Version" field of the JSON body.'))
    expect(got != docker.__version__,
           _("{got!r} is the version of the Python docker SDK, not of the engine.").format(got=got),
           _("ask the engine: GET /version over the socket."))
    expect(got == want, _("`{name}` returned {got!r}, but the engine says its version is {want!r}.").format(
               name=fn.__name__, got=got, want=want),
           _('parse the body after the blank line as JSON and return its "Version".'))


def _cli_go_version() -> str | None:
    with contextlib.suppress(OSError, ValueError):
        return rawapi.cli("version", "--format", "{{.Client.GoVersion}}").strip() or None
    return None


def _go(version: str) -> str:
    """A Go version with or without its "go" prefix ("go1.19.8" and "1.19.8" are the same)."""
    return version.strip().removeprefix("go")


@on_its_own
def go_version(fn: Callable, api: docker.DockerClient, relayed: bool = False) -> None:
    """`go_version(socket_path)` returns the Go version the engine was built with.

    The docker CLI may have been built with the same Go as the engine (both from one Debian
    build) or another: a learner who reads the CLI's is told so from the relay, whatever the values.
    """
    got, version = _version_value(fn, api, "GoVersion", relayed, cli_problem=_(
        "the CLI is a Go program of its own (the client); the Go version `docker version` shows first is "
        "the one the CLI was built with, which need not be the engine's."))
    want = version["GoVersion"]
    field = _('return the "GoVersion" field of GET /version.')
    expect(got != version["Version"],
           _("{got!r} is the engine's own version, not the Go version it was built with.").format(got=got), field)
    expect(_go(got)[:1].isdigit(),
           _("{got!r} is not a Go version; the engine reports something like 'go1.19.8'.").format(got=got), field)
    if _go(got) != _go(want) and got == _cli_go_version():
        raise Feedback(_("{got!r} is the Go version of the docker CLI (the client), not of the engine.").format(got=got),
                       _("ask the server: the GoVersion in the engine's own /version reply."))
    expect(_go(got) == _go(want), _("`{name}` returned {got!r}, but the engine was built with {want!r}.").format(
               name=fn.__name__, got=got, want=want),
           _('return the "GoVersion" field of the JSON body of GET /version.'))


@on_its_own
def count_labelled(fn: Callable, api: docker.DockerClient, cases: list[tuple[int, int]],
                   relayed: bool = False) -> None:
    """`count_labelled(socket_path, label)` counts all containers (running or not) with ``label``.

    Each case is (running, stopped): the check creates that many containers with a
    fresh label, and one more, not running, whose label has the same key with another value
    (it must not be counted), asks, and removes them.
    """
    for running, stopped in cases:
        label = f"{LABEL_KEY}={secrets.token_hex(4)}"
        key, value = label.split("=")
        made = [api.containers.run(image_ref(BASE), "sleep 120", detach=True, labels={key: value})
                for _ in range(running)]
        made += [api.containers.create(image_ref(BASE), "true", labels={key: value}) for _ in range(stopped)]
        other = f"other-{secrets.token_hex(4)}"
        made.append(api.containers.create(image_ref(BASE), "true", labels={key: other}))
        with removed_after(*made):
            if relayed:
                with _relayed(fn, "/containers/json") as relay:
                    got = _call(fn, relay.path, label)
            else:
                got = _call(fn, rawapi.engine_socket_path(), label)
            want = running + stopped
            name = fn.__name__
            expect(isinstance(got, int) and not isinstance(got, bool),
                   # Translators: {label} is the label asked for, as Python writes a str; {got} the answer,
                   # {type} its Python type.
                   _("`{name}(socket_path, {label!r})` returned {got} ({type}), not an int.").format(
                       name=name, label=label, got=reprlib.repr(got), type=type(got).__name__),
                   _("return len(...) of the containers you counted."))
            if got == want + 1:
                # Translators: {other} is key=value of a label with the same key and another value.
                raise Feedback(_("`{name}` counted {got}: it also counted the container labelled "
                                 "{other}, whose label has the same key but another value.").format(
                                     name=name, got=got, other=f"{key}={other}"),
                               _("compare the value too: Labels.get(key) == value (or let the engine filter "
                                 'by "key=value").'))
            if got == running and stopped:
                # Translators: {stopped} is how many containers with that label are not running.
                raise Feedback(_("`{name}` counted {got}: only the running containers with {label}; "
                                 "{stopped} more exist but are not running.").format(
                                     name=name, got=got, label=label, stopped=stopped),
                               _("/containers/json lists running containers only, unless you ask for all=1 "
                                 "(GET /containers/json?all=1)."))
            expect(got == want, _("`{name}(socket_path, {label!r})` returned {got}, but {want} containers "
                                  "carry that label ({running} running, {stopped} not running).").format(
                                      name=name, label=label, got=got, want=want, running=running, stopped=stopped),
                   _('count the containers whose "Labels" contain that key with that value (or let the engine '
                     'filter: ?all=1&filters={"label":["key=value"]}, URL-encoded).'))
    nobody = f"{LABEL_KEY}=nobody-{secrets.token_hex(4)}"
    got = _call(fn, rawapi.engine_socket_path(), nobody)
    expect(got == 0, _("`{name}(socket_path, {label!r})` returned {got!r}; no container has that label.").format(
               name=fn.__name__, label=nobody, got=got),
           _("count only containers whose label has exactly that key and value."))


def _query_labels(path: str) -> tuple[list[str], bool]:
    """The labels a ``/containers/json`` path filters on (list or legacy map form), and whether it asks for all."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    raw = query.get("filters", ["{}"])[-1]
    try:
        filters = json.loads(raw)
    except ValueError:
        # Translators: {raw} is the filters value of the learner's query, as Python writes a str.
        raise Feedback(_("the filters of `my_query` are {raw!r}: not JSON.").format(raw=raw),
                       _('URL-encode the JSON: urllib.parse.quote(json.dumps({"label": ["key=value"]})).')) from None
    labels = filters.get("label", []) if isinstance(filters, dict) else []
    return sorted(labels), query.get("all", ["0"])[-1].lower() in ("1", "true")


def my_query(path: object, api: docker.DockerClient | None = None) -> None:
    """`my_query` lists every container with the learner's own label (their variant's ``team_label``);
    with ``api``, the engine answers it beside containers of the check's own."""
    label = str(variant.value("engine", "team_label"))
    expect(isinstance(path, str) and urllib.parse.urlsplit(path).path == "/containers/json",
           # Translators: {value} is the learner's my_query, as Python writes it.
           _("`my_query` is {value}, not a path of GET /containers/json.").format(value=reprlib.repr(path)),
           _('start it with "/containers/json?all=1&filters=".'))
    labels, everything = _query_labels(path)
    # Translators: {labels} is a Python list of the labels the query filters on; {label} the learner's own label.
    expect(labels == [label], _("your query filters on the label(s) {labels}; your exercise asks for {label}.").format(
               labels=labels, label=label),
           # Translators: {filter} is the JSON filter to write ({"label": ["team=blue"]}).
           _("filter on your own label: {filter}, URL-encoded.").format(filter=f'{{"label": ["{label}"]}}'))
    expect(everything, _("your query lists running containers only: /containers/json leaves out the others."),
           _("add all=1 to the query string."))
    if api is None:
        return
    key, value = label.split("=", 1)
    made = [api.containers.run(image_ref(BASE), "sleep 120", detach=True, labels={key: value}),
            api.containers.create(image_ref(BASE), "true", labels={key: value})]
    other = api.containers.create(image_ref(BASE), "true", labels={key: f"not-{value}"})
    with removed_after(*made, other):
        reply = reference_http_get(rawapi.engine_socket_path(), path)
        status = reply.split(b"\r\n", 1)[0].decode(errors="replace")
        # Translators: {status} is the engine's status line, as Python writes a str.
        expect(b" 200 " in reply.split(b"\r\n", 1)[0], _("the engine answered `my_query` with {status!r}.").format(
                   status=status),
               _("URL-encode the filter (urllib.parse.quote), so the request line has no spaces or quotes."))
        listed = {c["Id"] for c in json.loads(reply.partition(b"\r\n\r\n")[2])}
        mine = {c.id for c in made}
        found, other_label = len(listed & mine), f"{key}=not-{value}"
        # Translators: {found} is how many of the 2 containers were listed; {other} a label of the same key and
        # another value.
        problem = (_("the engine listed {found} of the 2 containers with {label} and the one with {other}.")
                   if other.id in listed else _("the engine listed {found} of the 2 containers with {label}."))
        expect(mine <= listed and other.id not in listed, problem.format(found=found, label=label, other=other_label),
               _("filter on exactly {label}, with all=1.").format(label=label))
