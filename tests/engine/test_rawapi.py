"""The engine API by hand (course.rawapi) and the `engine` lesson's checks, on the real engine.

Beside the answers harness (tests/engine/answers/engine.py, graded as submissions), these call the
checks directly where a test must arrange the host: Debian's docker CLI first on PATH (one build
with the engine), or a broken exercise-1 helper beside a correct later exercise.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import types

import docker
import pytest

from course.checks import engine as check
from course.checks.feedback import Feedback
from course.lab import rawapi

DEBIAN_CLI = "/usr/bin/docker"


def http_get(socket_path: str, path: str, protocol: str = "HTTP/1.0") -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(f"GET {path} {protocol}\r\nHost: docker\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply


def body(socket_path: str, path: str):
    return json.loads(http_get(socket_path, path).partition(b"\r\n\r\n")[2])


def ping_status(socket_path):
    return http_get(socket_path, "/_ping").split(b"\r\n", 1)[0].decode()


def server_version(socket_path):
    return body(socket_path, "/version")["Version"]


def go_version(socket_path):
    return body(socket_path, "/version")["GoVersion"]


def count_labelled(socket_path, label):
    key, _, value = label.partition("=")
    return sum(1 for c in body(socket_path, "/containers/json?all=1") if (c.get("Labels") or {}).get(key) == value)


def test_socket_path_from_url():
    assert rawapi.engine_socket_path("unix:///var/run/docker.sock") == "/var/run/docker.sock"
    assert rawapi.engine_socket_path("unix:///tmp/guard/alice.sock") == "/tmp/guard/alice.sock"
    with pytest.raises(ValueError, match="unix socket"):
        rawapi.engine_socket_path("tcp://127.0.0.1:2375")


def test_parse_decodes_chunked_bodies():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1, \r\n2\r\n2]\r\n0\r\n\r\n"
    reply = rawapi.parse(raw)
    assert reply.status == 200 and reply.status_line == "HTTP/1.1 200 OK" and reply.json() == [1, 2]


def test_raw_requests_agree_with_the_sdk(engine):
    ping = rawapi.request("GET", "/_ping")
    assert ping.status == 200 and ping.body == b"OK"
    assert rawapi.request("GET", "/version").json()["Version"] == engine.version()["Version"]


def test_cli_reaches_the_course_engine(engine):
    out = rawapi.cli("version")
    assert "Server:" in out and engine.version()["Version"] in out


def test_relay_records_each_client(engine):
    with rawapi.Relay() as relay:
        rawapi.cli("version", host=relay.url)
        sdk = docker.DockerClient(base_url=relay.url, version="auto")
        sdk.version()
        sdk.close()
        rawapi.request("GET", "/_ping", relay.path)
    agents = {e.user_agent.split("/")[0]: e for e in relay.exchanges}
    assert {"Docker-Client", "docker-sdk-python", "course-rawapi"} <= set(agents)
    assert [e.path for e in relay.exchanges].count("/version") >= 2
    assert all(e.status_line.startswith("HTTP/1.") for e in relay.exchanges)


def test_relay_records_request_bodies_however_they_are_sent(engine):
    """What a client asked for, before anything between it and the engine rewrites it: the SDK's and the
    CLI's creations, and a hand-written request whose head and body come in separate writes."""
    labels = {"edu.vmdocker.course": "vm-docker", "edu.vmdocker.session": os.environ["COURSE_SESSION"]}
    with rawapi.Relay() as relay:
        sdk = docker.DockerClient(base_url=relay.url, version="auto")
        sdk.containers.create("vmdocker/base:latest", "true", mem_limit="48m", labels=labels).remove()
        sdk.close()
        made = rawapi.cli("create", "-m", "32m", "--label", f"edu.vmdocker.session={labels['edu.vmdocker.session']}",
                          "--label", "edu.vmdocker.course=vm-docker", "vmdocker/base:latest", "true", host=relay.url)
        rawapi.cli("rm", made.strip(), host=relay.url)
        doc = json.dumps({"Image": "vmdocker/base:latest", "Labels": labels, "HostConfig": {"Memory": 16 * 2**20}})
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(relay.path)
            s.sendall(f"POST /containers/create HTTP/1.0\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(doc)}\r\n\r\n".encode())
            s.sendall(doc[:10].encode())
            s.sendall(doc[10:].encode())
            made = json.loads(s.makefile("rb").read().partition(b"\r\n\r\n")[2])["Id"]
        engine.containers.get(made).remove()
    creates = [e for e in relay.exchanges if e.method == "POST" and e.path == "/containers/create"]
    assert [e.json()["HostConfig"]["Memory"] // 2**20 for e in creates] == [48, 32, 16]
    assert [e.user_agent.split("/")[0] for e in creates] == ["docker-sdk-python", "Docker-Client", ""]


def test_closing_the_relay_unblocks_a_waiting_reader(engine):
    relay = rawapi.Relay().__enter__()
    done = threading.Event()

    def keep_alive_reader():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(relay.path)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
            while s.recv(65536):
                pass
        done.set()

    thread = threading.Thread(target=keep_alive_reader, daemon=True)
    thread.start()
    assert not done.wait(1.0)  # HTTP/1.1 keeps the connection open: the reader waits
    relay.close()
    assert done.wait(5.0)


def test_reference_answers_pass(session_api):
    for relayed in (False, True):
        check.ping_status(ping_status, session_api, relayed=relayed)
        check.server_version(server_version, session_api, relayed=relayed)
        check.go_version(go_version, session_api, relayed=relayed)
    check.count_labelled(count_labelled, session_api, cases=[(1, 1)], relayed=True)


def test_engine_side_filtering_passes_too(session_api):
    from urllib.parse import quote

    def count_labelled(socket_path, label):
        query = quote(json.dumps({"label": [label]}))
        return len(body(socket_path, f"/containers/json?all=true&filters={query}"))

    check.count_labelled(count_labelled, session_api, cases=[(0, 2)], relayed=True)


def test_mistakes_are_explained(session_api):
    with pytest.raises(Feedback, match="API version"):
        check.server_version(lambda p: body(p, "/version")["ApiVersion"], session_api)
    with pytest.raises(Feedback, match="bytes"):
        check.ping_status(lambda p: http_get(p, "/_ping").split(b"\r\n")[0], session_api)
    with pytest.raises(Feedback, match="one line"):
        check.ping_status(lambda p: http_get(p, "/_ping").decode().split("\n")[0], session_api)

    def running_only(socket_path, label):
        key, _, value = label.partition("=")
        return sum(1 for c in body(socket_path, "/containers/json") if (c.get("Labels") or {}).get(key) == value)

    with pytest.raises(Feedback, match="only the running"):
        check.count_labelled(running_only, session_api, cases=[(1, 1)])


def test_hard_coded_path_and_sdk_are_caught_by_the_relay(session_api):
    real = rawapi.engine_socket_path()
    with pytest.raises(Feedback, match="never connected"):
        check.server_version(lambda p: server_version(real), session_api, relayed=True)

    def via_sdk(socket_path):
        sdk = docker.APIClient(base_url=f"unix://{socket_path}", version="auto")
        try:
            return sdk.version()["Version"]
        finally:
            sdk.close()

    check.server_version(via_sdk, session_api)  # the answer is right...
    with pytest.raises(Feedback, match="SDK or CLI"):
        check.server_version(via_sdk, session_api, relayed=True)  # ...but it did not speak HTTP itself


def test_waiting_for_a_keep_alive_connection_ends_with_advice(session_api, monkeypatch):
    monkeypatch.setattr(check, "SOCKET_TIMEOUT", 1.0)

    def ping_status(socket_path):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(socket_path)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        return reply.split(b"\r\n")[0].decode()

    with pytest.raises(Feedback, match="HTTP/1.0"):
        check.ping_status(ping_status, session_api)


def test_not_written_yet(session_api):
    def ping_status(socket_path):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="not written yet"):
        check.ping_status(ping_status, session_api)


def client_go_version(socket_path):
    """The mistake: the Go version of the docker CLI on PATH (the client), as `docker version` shows it."""
    out = subprocess.run(["docker", "version", "--format", "{{.Client.GoVersion}}"], capture_output=True,
                         text=True, check=False)
    return out.stdout.strip()


@pytest.fixture
def debian_cli_first(monkeypatch):
    """Debian's docker CLI (20.10, one build with the engine) first on PATH instead of /usr/local/bin's."""
    if not os.access(DEBIAN_CLI, os.X_OK):
        pytest.fail(f"{DEBIAN_CLI} is missing: install Debian's docker.io package (apt-get install docker.io)")
    monkeypatch.setenv("PATH", f"{os.path.dirname(DEBIAN_CLI)}:{os.environ['PATH']}")
    assert shutil.which("docker") == DEBIAN_CLI


def test_go_version_holds_when_the_cli_and_engine_share_one_go(session_api, debian_cli_first):
    """With the client's Go equal to the engine's, the right answer passes and reading the client's fails,
    named as the CLI's, though its value is right."""
    engine_go = session_api.version()["GoVersion"]
    assert client_go_version("") == engine_go, "Debian's CLI and engine should be one build (one Go)"
    for relayed in (False, True):
        check.go_version(go_version, session_api, relayed=relayed)
    check.go_version(client_go_version, session_api)  # the visible test cannot tell them apart by value
    with pytest.raises(Feedback, match=r"ran the docker CLI.*Go program of its own \(the client\)"):
        check.go_version(client_go_version, session_api, relayed=True)


def test_client_go_version_is_named_where_it_differs(session_api):
    """With /usr/local/bin/docker 28.2 (another Go than the engine's) even the visible test names it."""
    if client_go_version("") == session_api.version()["GoVersion"]:
        pytest.skip("this machine's first docker CLI was built with the engine's Go: see the test above")
    with pytest.raises(Feedback, match=r"Go version of the docker CLI \(the client\)"):
        check.go_version(client_go_version, session_api)


def test_go_version_without_its_prefix_is_the_same_version(session_api):
    check.go_version(lambda p: go_version(p).removeprefix("go"), session_api, relayed=True)


def test_label_key_alone_is_not_enough(session_api):
    def count_labelled(socket_path, label):
        key = label.split("=")[0]
        return sum(1 for c in body(socket_path, "/containers/json?all=1") if key in (c.get("Labels") or {}))

    with pytest.raises(Feedback, match="same key but another value"):
        check.count_labelled(count_labelled, session_api, cases=[(1, 1)], relayed=True)


def http_get_to_sock(socket_path, path):
    """The mistake: the socket of the lesson's cell (SOCK), not the one it was given."""
    return raw_get(SOCK, path)  # noqa: F821 - the notebook's globals


def http_get_keep_alive(socket_path, path):
    """The mistake: HTTP/1.1, so the engine keeps the connection open and the read never ends."""
    return raw_get(socket_path, path, "HTTP/1.1")  # noqa: F821


# Learners' functions that call exercise 1's `http_get` themselves (the checks swap in a correct one).
def server_version_by_hand(socket_path):
    return json.loads(http_get(socket_path, "/version").partition(b"\r\n\r\n")[2])["Version"]


def api_version(socket_path):
    """A mistake of exercise 2's own."""
    return json.loads(http_get(socket_path, "/version").partition(b"\r\n\r\n")[2])["ApiVersion"]


def engine_go(socket_path):
    return json.loads(http_get(socket_path, "/version").partition(b"\r\n\r\n")[2])["GoVersion"]


def count_labelled_by_hand(socket_path, label):
    key, _, value = label.partition("=")
    listed = http_get(socket_path, "/containers/json?all=1").partition(b"\r\n\r\n")[2]
    return sum(1 for c in json.loads(listed) if (c.get("Labels") or {}).get(key) == value)


def _notebook(helper, *functions, **names) -> dict:
    """A notebook's namespace: ``helper`` as its ``http_get``, and ``functions`` that call it from there."""
    namespace = {"json": json, "raw_get": http_get, **names}
    for fn in (helper, *functions):
        name = "http_get" if fn is helper else fn.__name__
        namespace[name] = types.FunctionType(fn.__code__, namespace, name)
    return namespace


def test_a_broken_http_get_costs_only_exercise_1(session_api, capsys):
    """Exercise 2-4's own part right, exercise 1's helper wrong: full marks for them, a note that says why,
    and exercise 1 fails; a mistake of exercise 2's own is still named."""
    nb = _notebook(http_get_to_sock, ping_status, server_version_by_hand, api_version, count_labelled_by_hand,
                   SOCK=rawapi.engine_socket_path())
    with pytest.raises(Feedback, match="never connected to the socket path it was given"):
        check.ping_status(nb["ping_status"], session_api, relayed=True)
    for relayed in (False, True):
        check.server_version(nb["server_version_by_hand"], session_api, relayed=relayed)
    check.count_labelled(nb["count_labelled_by_hand"], session_api, cases=[(0, 1)], relayed=True)
    assert "each exercise is graded on its own" in capsys.readouterr().out
    assert nb["http_get"].__code__ is http_get_to_sock.__code__  # the learner's helper is back in place
    with pytest.raises(Feedback, match="is the API version"):
        check.server_version(nb["api_version"], session_api, relayed=True)


def test_a_helper_that_waits_forever_is_told_once_and_replaced(session_api, monkeypatch):
    monkeypatch.setattr(check, "HELPER_TIMEOUT", 1.0)
    nb = _notebook(http_get_keep_alive, engine_go)
    check.go_version(nb["engine_go"], session_api, relayed=True)
    assert check._helper_works[nb["http_get"]] is False
