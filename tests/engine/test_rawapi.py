"""The engine API by hand (course.rawapi) and the `engine` lesson's checks, on the real engine."""

from __future__ import annotations

import json
import socket
import threading

import docker
import pytest

from course.checks import engine as check
from course.checks.feedback import Feedback
from course.lab import rawapi


def http_get(socket_path: str, path: str) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
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
    with pytest.raises(Feedback, match="CLI"):
        check.go_version(lambda p: rawapi.cli("version", "--format", "{{.Client.GoVersion}}").strip(), session_api)

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
