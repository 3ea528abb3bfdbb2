"""The guard between learners and the engine: adversarial and honest use, on the real engine.

Two owners (alice, bob) each get a real guard process; docker-py talks to the
guards only. Everything created carries this module's session label and is
removed at the end. The pure tests (no engine) of the body decoder, the policy, the
routes and the Dockerfile reader are in tests/unit/test_guard_*.py.
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import socket
import tarfile
import time
import urllib.request

import docker
import docker.errors
import pytest
from multiplexed import demux

from course import config
from course.engine import ping
from course.guard import GuardThread, Limits, Settings

SESSION = f"test-guard-{os.getpid()}"
BASE = "vmdocker/base:latest"
LIMITS = Limits(memory=64 * 1024 * 1024, pids=64, nano_cpus=500_000_000)
OWNERS = ("alice", "bob")  # one real guard each (conftest.module_guards)


# -- the engine, through real guard processes ---------------------------------------------------
@pytest.fixture(scope="module")
def engine(module_engine):
    return module_engine


@pytest.fixture(scope="module")
def guards(module_guards):
    return module_guards


@pytest.fixture(scope="module")
def alice(guards):
    api = docker.DockerClient(base_url=guards["alice"].url, version="auto", timeout=60)
    yield api
    api.close()


@pytest.fixture(scope="module")
def bob(guards):
    api = docker.DockerClient(base_url=guards["bob"].url, version="auto", timeout=60)
    yield api
    api.close()


@pytest.fixture(scope="module")
def bobs_box(bob):
    """A running container of bob's, for alice to (fail to) reach."""
    box = bob.containers.run(BASE, ["sleep", "600"], detach=True, name=f"bob-box-{os.getpid()}")
    yield box
    box.remove(force=True)


def run(api, *args, **kwargs):
    return api.containers.run(BASE, *args, **kwargs)


def refused(call, status=403) -> str:
    """The guard's message for a refused call (and that it was one)."""
    with pytest.raises(docker.errors.APIError) as err:
        call()
    assert err.value.status_code == status, err.value.explanation
    return str(err.value.explanation)


def raw(guard, data: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send raw bytes to a guard socket; (status, whole answer). The guard must answer and close."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(guard.socket))
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


@pytest.mark.parametrize("kwargs, word", [
    ({"privileged": True}, "Privileged"),
    ({"volumes": {"/etc": {"bind": "/host-etc", "mode": "ro"}}}, "host path"),
    ({"mounts": [docker.types.Mount("/h", "/", type="bind")]}, "bind"),
    ({"volumes_from": ["x"]}, "VolumesFrom"),
    ({"network_mode": "host"}, "host"),
    ({"network_mode": "container:x"}, "another container"),
    ({"pid_mode": "host"}, "PidMode"),
    ({"ipc_mode": "host"}, "IpcMode"),
    ({"uts_mode": "host"}, "UTSMode"),
    ({"userns_mode": "host"}, "UsernsMode"),
    ({"cgroupns": "host"}, "CgroupnsMode"),
    ({"cap_add": ["SYS_ADMIN"]}, "CapAdd"),
    ({"devices": ["/dev/mem:/dev/mem:rwm"]}, "Devices"),
    ({"device_requests": [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])]}, "DeviceRequests"),
    ({"device_cgroup_rules": ["c 1:1 rwm"]}, "DeviceCgroupRules"),
    ({"security_opt": ["seccomp=unconfined"]}, "seccomp"),
    ({"security_opt": ["apparmor=unconfined"]}, "apparmor"),
    ({"security_opt": ["label=disable"]}, "label"),
    ({"security_opt": ["systempaths=unconfined"]}, "systempaths"),
    ({"sysctls": {"net.ipv4.ip_forward": "1"}}, "Sysctls"),
    ({"runtime": "io.containerd.runtime.v1.linux"}, "Runtime"),
    ({"cgroup_parent": "/"}, "CgroupParent"),
    ({"oom_kill_disable": True}, "OomKillDisable"),
    ({"publish_all_ports": True}, "PublishAllPorts"),
    ({"ports": {"80/tcp": ("0.0.0.0", 18081)}}, "127.0.0.1"),
    ({"ports": {"53/udp": 18053}}, "TCP"),
    ({"links": {"x": "y"}}, "links"),
    ({"log_config": docker.types.LogConfig(type="syslog")}, "LogConfig"),
    ({"dns": ["127.0.0.53"]}, "loopback"),
])
def test_escapes_through_create_are_refused(alice, kwargs, word):
    message = refused(lambda: alice.containers.create(BASE, "true", **kwargs))
    assert "course guard refused" in message and word in message


def test_raw_create_tricks_are_refused(guards):
    for body in ('{"Image": "vmdocker/base", "HostConfig": {"privileged": false, "Privileged": true}}',
                 '{"Image": "vmdocker/base", "hostconfig": {"PRIVILEGED": true}}',
                 '{"Image": "vmdocker/base", "HostConfig": {"Privileged": true}, "HostConfig": {}}',
                 '{"Image": "vmdocker/base", "Privileged": true, "Binds": ["/:/host"]}',
                 '{"Image": "vmdocker/base", "HostConfig": {"MaskedPaths": []}}',
                 ('{"Image": "vmdocker/base", "HostConfig": {"Mounts": [{"Type": "volume", "Source": "v", '
                 '"Target": "/v", "VolumeOptions": {"DriverConfig": {"Name": "local", "Options": '
                 '{"type": "none", "o": "bind", "device": "/"}}}}]}}')):
        status, answer = raw(guards["alice"], _post("/v1.41/containers/create", body.encode()))
        assert status == 403, answer
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["message"].startswith("course guard refused")


def _post(target: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (f"POST {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n".encode()
            + b"Content-Type: " + content_type + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


@pytest.mark.parametrize("data, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /v1.41/containers/json HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (_post("/v1.41/containers/create", b"{\"Image\": "), 400),
    (_post("/v1.41/containers/create", b"\xff\xfe{}"), 400),
    (_post("/v1.41/build?networkmode=none", b"remote=https://example.invalid/x.tar&networkmode=host",
           b"application/x-www-form-urlencoded"), 400),
    (_post("/v1.23/containers/x/start", b'{"Privileged": true, "Binds": ["/:/h"]}'), 400),
    (_post("/v1.41/containers/../swarm/init", b"{}"), 400),
    (b"GET /v1.41/swarm HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n", 403),
    (b"GET /v1.41/plugins HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n", 403),
    (b"GET /v1.41/system/df HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n", 403),
    (b"POST /v1.41/commit?container=x HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 403),
    ((b"POST /v1.41/images/create?fromImage=alpine HTTP/1.1\r\nHost: d\r\nConnection: close\r\n"
     b"Content-Length: 0\r\n\r\n"), 403),
    (b"GET /v1.41/images/search?term=x HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n", 403),
])
def test_raw_requests_get_an_error_never_a_hang(guards, data, status):
    got, answer = raw(guards["alice"], data)
    assert got == status, answer
    assert b'"message"' in answer


def test_unversioned_routes_and_the_bridge_alias(guards, alice):
    status, answer = raw(guards["alice"], b"GET /containers/json?all=1 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    assert status == 200 and answer.rstrip().endswith(b"]")
    box = alice.containers.create(BASE, "true", network_mode="bridge")
    try:
        assert box.attrs["HostConfig"]["NetworkMode"] == "vmdocker-guard-alice"  # not the default bridge
        assert alice.networks.get("vmdocker-guard-alice").attrs["Internal"] is True  # no route out
    finally:
        box.remove()


def test_a_container_without_a_network_has_only_loopback_and_cannot_join_one_later(alice):
    box = run(alice, ["sleep", "60"], detach=True)
    try:
        interfaces = box.exec_run(["sh", "-c", "ls /sys/class/net"]).output.split()
        assert interfaces == [b"lo"]
        net = alice.networks.create(f"later-{os.getpid()}")
        try:
            with pytest.raises(docker.errors.APIError) as err:
                net.connect(box)
            assert err.value.status_code == 403
            assert "without a network" in err.value.explanation and "network_mode='bridge'" in err.value.explanation
        finally:
            net.remove()
    finally:
        box.remove(force=True)


def test_a_guard_in_a_thread(engine, tmp_path):
    guard = GuardThread(Settings(owner="dave", session=SESSION, limits=LIMITS), tmp_path / "dave.sock").start()
    try:
        api = docker.DockerClient(base_url=guard.url, version="auto", timeout=30)
        assert api.containers.run(BASE, ["echo", "threaded"], remove=True) == b"threaded\n"
        refused(lambda: api.containers.create(BASE, "true", privileged=True))
        api.close()
    finally:
        guard.stop()
    assert not (tmp_path / "dave.sock").exists()


def _collect_in(guard: GuardThread) -> None:
    """A full garbage collection on the guard's event loop, as the interpreter runs one at random."""
    async def collect() -> None:
        gc.collect()

    asyncio.run_coroutine_threadsafe(collect(), guard.loop).result(10)


def _hijacked_attach(guard: GuardThread, cid: str) -> socket.socket:
    """Attach as the docker CLI does before it starts the container: upgrade, then close stdin (CloseWrite)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(str(guard.socket))
    s.sendall(f"POST /v1.41/containers/{cid}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
              "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    s.shutdown(socket.SHUT_WR)
    return s



def test_a_hijacked_stream_survives_garbage_collection(engine, tmp_path):
    """Regression (#19): once the learner half-closed an attach, nothing but the serving task itself held
    the engine stream (asyncio's protocol keeps its StreamReader weakly), so a garbage collection
    before the container's output destroyed the task ("Task was destroyed but it is pending!") and
    ``docker run --rm IMAGE echo hi`` printed nothing, exit status 0, about 1 run in 10."""
    guard = GuardThread(Settings(owner="erin", session=SESSION, limits=LIMITS), tmp_path / "erin.sock").start()
    api = docker.DockerClient(base_url=guard.url, version="auto", timeout=30)
    try:
        for _ in range(3):
            box = api.containers.create(BASE, ["sh", "-c", "echo hi; echo err >&2"])
            try:
                s = _hijacked_attach(guard, box.id)
                time.sleep(0.2)  # the guard reads the half-close and passes it on
                _collect_in(guard)
                box.start()
                got = b""
                while chunk := s.recv(65536):
                    got += chunk
                s.close()
                assert demux(got) == {1: b"hi\n", 2: b"err\n"}
                assert box.wait(timeout=10)["StatusCode"] == 0
            finally:
                box.remove(force=True)
        api.close()  # its pooled keep-alive connections end: no serving task is left behind
        deadline = time.monotonic() + 5
        while len(guard.guard.connections) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(guard.guard.connections) == 0
    finally:
        api.close()
        guard.stop()


def test_limits_are_forced_and_applied_by_the_kernel(alice):
    box = run(alice, ["sleep", "60"], detach=True, mem_limit="1g", pids_limit=100000)
    try:
        hc = box.attrs["HostConfig"]
        assert (hc["Memory"], hc["PidsLimit"], hc["NanoCpus"]) == (LIMITS.memory, LIMITS.pids, LIMITS.nano_cpus)
        assert box.labels[config.LABEL_OWNER] == "alice" and box.labels[config.LABEL_COURSE] == config.COURSE_NAME
        assert hc["NetworkMode"] == "none"  # it asked for no network: it gets none, not the default bridge
        limit = box.exec_run(["sh", "-c", ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                              "/sys/fs/cgroup/memory.max 2>/dev/null")]).output.split()[0]
        assert int(limit) == LIMITS.memory
        update = alice.api._url("/containers/{0}/update", box.id)
        assert alice.api._post_json(update, data={"Memory": 2 * 2**30, "PidsLimit": -1}).status_code == 200
        box.reload()
        assert (box.attrs["HostConfig"]["Memory"], box.attrs["HostConfig"]["PidsLimit"]) == (LIMITS.memory, LIMITS.pids)
        answer = alice.api._post_json(update, data={"Devices": [{"PathOnHost": "/dev/mem", "PathInContainer": "/m"}]})
        assert answer.status_code == 403 and "Devices" in answer.json()["message"]
        small = run(alice, ["true"], detach=True, mem_limit="16m", pids_limit=8)
        assert (small.attrs["HostConfig"]["Memory"], small.attrs["HostConfig"]["PidsLimit"]) == (16 * 2**20, 8)
        small.remove(force=True)
    finally:
        box.remove(force=True)


def test_memory_cap_kills_a_memory_hog(alice):
    hog = run(alice, ["dd", "if=/dev/zero", "of=/big/x", "bs=1M", "count=200"], detach=True,
              tmpfs={"/big": "size=300m"})
    try:
        assert hog.wait(timeout=60)["StatusCode"] != 0
        hog.reload()
        assert hog.attrs["State"]["OOMKilled"]
    finally:
        hog.remove(force=True)


def test_fork_bomb_is_held_by_the_pids_limit(alice, guards):
    # Every shell forks a pipeline of two more and stays alive: without a limit, this grows without end.
    # PID 1 forks the bomb once, then execs (no fork): a shell that fails to fork exits, and were it
    # PID 1 the container would stop (1 run in 30 did) before its pids could be read.
    bomb = run(alice, ["sh", "-c", "b(){ b | b & sleep 30; }; b & exec sleep 60"], detach=True)
    try:
        peak, deadline = 0, time.monotonic() + 4
        while time.monotonic() < deadline and peak < LIMITS.pids:
            stats = alice.api.stats(bomb.id, stream=False, one_shot=True)
            peak = max(peak, stats["pids_stats"].get("current", 0))
        assert LIMITS.pids // 2 < peak <= LIMITS.pids  # it grew up to the limit, and no further
        assert b"can't fork" in bomb.logs()  # the kernel said no
        assert ping(guards["alice"].url) and ping()
    finally:
        started = time.monotonic()
        bomb.remove(force=True)
        assert time.monotonic() - started < 30


def test_owners_cannot_see_or_touch_each_other(alice, bob, bobs_box):
    mine = run(alice, ["sleep", "60"], detach=True)
    try:
        assert bobs_box.id not in [c.id for c in alice.containers.list(all=True)]
        assert mine.id in [c.id for c in alice.containers.list(all=True)]
        for ref in (bobs_box.id, bobs_box.name, bobs_box.id[:12]):
            assert refused(lambda ref=ref: alice.containers.get(ref), 404) == f"No such container: {ref}"
        for call in (lambda: alice.api.logs(bobs_box.id), lambda: alice.api.stop(bobs_box.id),
                     lambda: alice.api.remove_container(bobs_box.id, force=True),
                     lambda: alice.api.exec_create(bobs_box.id, "id"),
                     lambda: alice.api.get_archive(bobs_box.id, "/etc"),
                     lambda: alice.api.put_archive(bobs_box.id, "/tmp", _context({"x": "x" * 300_000}).getvalue()),
                     lambda: alice.api.attach(bobs_box.id)):
            refused(call, 404)
        bobs_exec = bob.api.exec_create(bobs_box.id, "true")["Id"]
        refused(lambda: alice.api.exec_start(bobs_exec), 404)
        refused(lambda: alice.api.exec_inspect(bobs_exec), 404)
        refused(lambda: alice.containers.create(BASE, "true", network_mode=f"container:{bobs_box.id}"))
        assert bob.containers.get(bobs_box.id).status == "running"
        bob_net = bob.networks.create(f"bobnet-{os.getpid()}")
        bob_vol = bob.volumes.create(f"bobvol-{os.getpid()}")
        try:
            assert bob_net.id not in [n.id for n in alice.networks.list()]
            refused(lambda: alice.networks.get(bob_net.id), 404)
            refused(lambda: alice.containers.create(BASE, "true", network=bob_net.name), 404)
            refused(lambda: alice.api.connect_container_to_network(mine.id, bob_net.id), 404)
            assert bob_vol.name not in [v.name for v in alice.volumes.list()]
            refused(lambda: alice.volumes.get(bob_vol.name), 404)
            refused(lambda: alice.containers.create(BASE, "true", volumes={bob_vol.name: {"bind": "/v"}}))
            refused(lambda: alice.volumes.create(bob_vol.name), 409)
        finally:
            bob_net.remove()
            bob_vol.remove()
    finally:
        mine.remove(force=True)


def test_exec_privileged_is_refused(alice):
    box = run(alice, ["sleep", "60"], detach=True)
    try:
        assert "privileged" in refused(lambda: box.exec_run("id", privileged=True))
    finally:
        box.remove(force=True)


def test_events_are_filtered_to_the_owner(alice, bob):
    since = int(time.time()) - 1
    bob.containers.run(BASE, "true", remove=True)
    run(alice, "true", remove=True)
    events = list(alice.events(since=since, until=int(time.time()) + 1, decode=True))
    assert events and all(e.get("Actor", {}).get("Attributes", {}).get(config.LABEL_OWNER) == "alice"
                          for e in events)


def _context(files: dict[str, str]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


@pytest.mark.parametrize("dockerfile, kwargs, word", [
    ("FROM vmdocker/base\nRUN true\n", {"network_mode": "host"}, "network"),
    ("FROM vmdocker/base\n", {"pull": True}, "pull"),
    ("FROM busybox:1.36\n", {}, "No such image"),
    ("FROM registry.example.invalid/x:1\n", {}, "this machine only"),
    ("FROM vmdocker/base\nADD https://example.invalid/x /x\n", {}, "download"),
    ("FROM vmdocker/base\n", {"tag": "vmdocker/base:latest"}, "course"),
])
def test_builds_that_would_reach_out_are_refused(alice, dockerfile, kwargs, word):
    status = 404 if word == "No such image" else 403
    message = refused(lambda: alice.images.build(fileobj=_context({"Dockerfile": dockerfile}), custom_context=True,
                                                 **kwargs), status)
    assert word in message


def test_remote_build_context_is_refused(alice):
    assert "remote" in refused(lambda: list(alice.api.build(path="https://example.invalid/ctx.git"))).lower()


def test_honest_build_run_logs_exec_attach_and_streams(alice, bob):
    tag = f"guard-test-app:{os.getpid()}"
    image, _ = alice.images.build(fileobj=_context({
        "Dockerfile": "FROM vmdocker/base\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt > /copy.txt\n"
                      "CMD [\"cat\", \"/copy.txt\"]\n",
        "hello.txt": "hello from the build\n"}), custom_context=True, tag=tag, rm=True)
    assert image.labels[config.LABEL_OWNER] == "alice" and image.labels[config.LABEL_SESSION] == SESSION
    assert tag in [t for i in alice.images.list() for t in i.tags]
    assert tag not in [t for i in bob.images.list() for t in i.tags]
    refused(lambda: bob.images.get(tag), 404)
    refused(lambda: bob.containers.create(tag), 404)
    refused(lambda: bob.api.tag(image.id, "stolen", "1"), 404)
    refused(lambda: alice.api.tag(image.id, "vmdocker/base", "latest"))
    refused(lambda: alice.images.remove(BASE))
    assert alice.containers.run(tag, remove=True) == b"hello from the build\n"

    box = run(alice, ["sh", "-c", "echo ready; exec cat"], detach=True, stdin_open=True)
    try:
        logs = box.logs(stream=True, follow=True)
        assert next(logs) == b"ready\n"
        logs.close()
        assert box.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True).output == (b"out\n", b"err\n")
        streamed = b"".join(box.exec_run(["sh", "-c", "echo a; sleep 0.2; echo b"], stream=True).output)
        assert streamed == b"a\nb\n"
        sock = box.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        sock._sock.settimeout(10)
        sock._sock.sendall(b"echoed through the guard\n")
        got = b""
        while b"echoed" not in got:
            got += sock._sock.recv(4096)
        sock._sock.close()
        box.put_archive("/tmp", _context({"note.txt": "put\n"}).getvalue())
        archive, _ = box.get_archive("/tmp/note.txt")
        assert b"put\n" in b"".join(archive)
    finally:
        box.remove(force=True)
    saved = b"".join(image.save(named=True))
    alice.images.remove(tag)
    assert alice.images.load(saved)[0].tags == [tag]
    hijack = _retagged(saved, "vmdocker/base:latest")
    assert "course" in refused(lambda: alice.images.load(hijack))
    refused(lambda: bob.images.load(saved))  # it claims alice as owner
    alice.images.remove(tag)


def _retagged(archive: bytes, tag: str) -> bytes:
    """The same image archive, claiming another name."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest[0]["RepoTags"] = [tag]
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def test_networks_volumes_and_published_ports(alice):
    net = alice.networks.create(f"alicenet-{os.getpid()}", internal=False)
    vol = alice.volumes.create(f"alicevol-{os.getpid()}")
    port = 20000 + os.getpid() % 10000
    try:
        assert net.attrs["Internal"] is True and net.attrs["Labels"][config.LABEL_OWNER] == "alice"
        assert "host path" in refused(lambda: alice.volumes.create("x", driver_opts={
            "type": "none", "o": "bind", "device": "/"}))
        run(alice, ["sh", "-c", "echo kept > /v/file"], volumes={vol.name: {"bind": "/v"}}, network=net.name,
            remove=True)
        assert run(alice, ["cat", "/v/file"], volumes={vol.name: {"bind": "/v"}}, remove=True) == b"kept\n"
        assert run(alice, ["sh", "-c", "echo t > /t/x && cat /t/x"], tmpfs={"/t": "size=1m"}, remove=True) == b"t\n"
        scratch = alice.volumes.create(f"alicetmp-{os.getpid()}", driver_opts={
            "type": "tmpfs", "device": "tmpfs", "o": "size=8m,mode=1777"})
        assert run(alice, ["df", "/s"], volumes={scratch.name: {"bind": "/s"}}, remove=True).count(b"tmpfs") == 1
        scratch.remove()
        assert "driver options" in refused(lambda: alice.volumes.create("y", driver_opts={
            "type": "tmpfs", "device": "/", "o": "bind"}))
        web = run(alice, ["sh", "-c", "echo served > /var/www/index.html && httpd -f -p 80 -h /var/www"],
                  detach=True, network=net.name, ports={"80/tcp": port}, name=f"web-{os.getpid()}")
        try:
            client = run(alice, ["sleep", "30"], detach=True, network_mode="bridge")  # joins net later
            alice.networks.get(net.id).connect(client)
            assert b"served" in client.exec_run(["wget", "-qO-", f"http://{web.name}/index.html"]).output
            client.remove(force=True)
            web.reload()
            assert web.ports == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
            deadline = time.monotonic() + 10
            while True:
                try:
                    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            assert body == b"served\n"
        finally:
            web.remove(force=True)
    finally:
        net.remove()
        vol.remove()


def test_push_through_the_guard_by_tag_without_credentials(alice, bob, engine):
    """A push of one tag checks that tag (not :latest) and needs no credentials from the learner;
    a push of every tag checks each; another owner's repository is not pushed."""
    from course.services import registry

    address = registry.start_registry()
    repo = f"{address}/guard-push-{os.getpid()}"
    image, _ = alice.images.build(fileobj=__import__("io").BytesIO(f"FROM {BASE}\nLABEL p=1\n".encode()),
                                  pull=False, rm=True)
    try:
        image.tag(repo, "v1")  # no :latest on purpose
        out = list(alice.images.push(repo, tag="v1", stream=True, decode=True))
        assert not [line for line in out if "error" in line], out
        assert "v1" in registry.tags(repo.split("/", 1)[1])
        assert not [line for line in alice.images.push(repo, stream=True, decode=True) if "error" in line]
        with pytest.raises(docker.errors.APIError) as refused:
            list(bob.images.push(repo, tag="v1", stream=True, decode=True))
        assert refused.value.status_code == 404
    finally:
        engine.images.remove(image.id, force=True)
