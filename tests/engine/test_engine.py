"""The engine: found where DOCKER_HOST or the default socket says, started by pid, negotiated."""

from __future__ import annotations

import os
import subprocess
import time

import docker
import pytest

from course.engine import bootstrap, connect
from course.system import process


def test_engine_url_follows_docker_host(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert connect.engine_url() == "unix:///var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/elsewhere.sock")
    assert connect.engine_url() == "unix:///tmp/elsewhere.sock"


def test_api_version_is_negotiated(engine):
    server = engine.version()["ApiVersion"]
    assert engine.api.api_version == server
    assert tuple(map(int, server.split("."))) >= (1, 41)


def test_unanswering_docker_host_is_reported_not_replaced(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nobody.sock")
    with pytest.raises(connect.EngineUnavailable, match="does not answer"):
        bootstrap.ensure_engine()
    assert not connect.ping()


def test_second_engine_starts_and_stops_by_recorded_pid(engine):
    """The bootstrap path for real: a separate dockerd, own roots and bridge; stopped by its pid.

    A daemon of this test's own: the course's second engine may be in use by a lesson or grader.
    """
    daemon = bootstrap.extra_daemon("dockerd-test", "vmdocker3", "10.232.0.1/24")
    url = bootstrap.start_daemon(daemon)
    try:
        pid = process.recorded_pid(daemon.pidfile)
        assert pid and connect.ping(url)
        other = docker.DockerClient(base_url=url, version="auto")
        assert other.info()["DockerRootDir"] == str(daemon.state / "data")
        assert engine.info()["DockerRootDir"] != str(daemon.state / "data")
        assert other.networks.get("bridge").attrs["Options"]["com.docker.network.bridge.name"] == "vmdocker3"
        assert os.path.exists("/sys/class/net/docker0")  # the main engine's bridge is untouched
        assert bootstrap.start_daemon(daemon) == url  # idempotent: no second process
        assert process.recorded_pid(daemon.pidfile) == pid
    finally:
        assert bootstrap.stop_daemon(daemon)
    assert not connect.ping(url)
    assert not os.path.exists("/sys/class/net/vmdocker3")
    assert process.recorded_pid(daemon.pidfile) is None


def test_stop_recorded_ignores_reused_pid(tmp_path):
    """A pid file whose pid now runs another program is never signalled."""
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        pidfile = tmp_path / "x.pid"
        pidfile.write_text(f"{sleeper.pid}\n/usr/sbin/dockerd\n")
        assert process.recorded_pid(pidfile) is None
        assert not process.stop_recorded(pidfile)
        assert sleeper.poll() is None  # still alive
    finally:
        sleeper.kill()
        sleeper.wait()


def test_start_background_records_and_stops(tmp_path):
    pidfile, log = tmp_path / "p.pid", tmp_path / "p.log"
    pid = process.start_background(["sleep", "60"], log, pidfile)
    assert process.recorded_pid(pidfile) == pid
    assert process.stop_recorded(pidfile, timeout=5)
    time.sleep(0.1)
    assert process.recorded_pid(pidfile) is None
