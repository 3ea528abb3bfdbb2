"""Scale-out on the real engine: replicas on loopback ports, a bounded load, and the lesson's checks."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from course import lab
from course.checks import why_docker as check
from course.checks.engine_state import removed_after, session_containers
from course.checks.feedback import Feedback
from course.lab import scaleout, variant


def test_replicas_answer_with_their_hostnames_and_count_requests(session_api):
    replicas = scaleout.start_replicas(session_api, 2)
    with removed_after(*replicas):
        urls = [scaleout.url_of(c) for c in replicas]
        assert all(u.startswith("http://127.0.0.1:") for u in urls)
        for c in replicas:
            assert all(b["HostIp"] == "127.0.0.1" for b in scaleout.bindings(c))
            assert c.attrs["HostConfig"]["NanoCpus"] == scaleout.REPLICA_NANO_CPUS
        bodies = scaleout.wait_ready(urls)
        assert [b.strip() for b in bodies] == [c.attrs["Config"]["Hostname"] for c in replicas]
        before = scaleout.served(replicas, total=2)
        assert before == [1, 1]
        load = scaleout.measure(urls, 40)
        assert (load.requests, load.answered, load.replicas) == (40, 40, 2)
        assert load.requests_per_s > 0
        assert scaleout.served(replicas, total=42) == [21, 21]


def test_only_loopback_urls_are_accepted():
    for url in ("http://10.0.0.1:8080/", "http://example.com:80/", "https://127.0.0.1:443/", "http://127.0.0.1/"):
        with pytest.raises(scaleout.NotLoopback):
            scaleout.measure([url], 1)
        with pytest.raises(scaleout.NotLoopback):
            scaleout.get(url)


def test_load_is_bounded_in_time():
    """A server that accepts and never answers: the load stops at its time limit."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        start = time.monotonic()
        load = scaleout.measure([url], 30, workers=4, time_limit=1.0)
        assert time.monotonic() - start < 4
        assert load.answered == 0 and load.requests == 30


def test_check_accepts_another_correct_approach(session_api):
    """Sequential requests with http.client, round-robin, are right too (only slower)."""
    def measure_throughput(urls, requests):
        start = time.perf_counter()
        for i in range(requests):
            host, port = urls[i % len(urls)].split("/")[2].split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
        return requests / (time.perf_counter() - start)

    check.throughput(measure_throughput, session_api, n=2, requests=60, strict=True)


def test_check_explains_seconds_instead_of_a_rate(session_api):
    def measure_throughput(urls, requests):
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: urllib.request.urlopen(urls[i % len(urls)], timeout=5).read(), range(requests)))
        return time.perf_counter() - start

    with pytest.raises(Feedback, match="not seconds"):
        check.throughput(measure_throughput, session_api, n=2, requests=60)


def _hostname(i: int) -> str:
    """Replica i's hostname as the exercise asks (the default variant's service: the tests' own)."""
    return f"{variant.value('why_docker', 'service')}-{i}"


def test_check_explains_a_missing_cpu_limit(session_api):
    def start_replicas(n):
        return [session_api.containers.run(lab.BASE_IMAGE, scaleout.WEB_COMMAND, detach=True, hostname=_hostname(i),
                                           ports={"8080/tcp": ("127.0.0.1", None)}) for i in range(1, n + 1)]

    before = session_containers(session_api)
    check.replicas(start_replicas, session_api, 2)  # the visible test passes
    with pytest.raises(Feedback, match="nano_cpus"):
        check.replicas(start_replicas, session_api, 2, strict=True)
    assert session_containers(session_api) == before  # the check removed what it judged


def test_check_explains_a_page_without_hostname(session_api):
    def start_replicas(n):
        web = ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"]
        return [session_api.containers.run(lab.BASE_IMAGE, web, detach=True, nano_cpus=100_000_000,
                                           hostname=_hostname(i), ports={"8080/tcp": ("127.0.0.1", None)})
                for i in range(1, n + 1)]

    with pytest.raises(Feedback, match="without its hostname"):
        check.replicas(start_replicas, session_api, 1)


def test_scaling_table_and_conclusions_are_checked_against_the_table(session_api):
    scaling = pd.DataFrame({"replicas": [1, 2, 4], "requests": [300] * 3, "seconds": [1.0, 0.5, 0.3],
                            "requests_per_s": [300.0, 600.0, 1000.0]})
    check.scaling_table(scaling, session_api)
    with pytest.raises(Feedback, match="requests_per_s is"):
        check.scaling_table(scaling.assign(seconds=[2.0, 0.5, 0.3]), session_api)
    with pytest.raises(Feedback, match="lacks the column"):
        check.scaling_table(scaling.rename(columns={"requests_per_s": "rps"}), session_api)
    io = pd.DataFrame({"write_mib_s": [1800.0, 360.0]}, index=["container/tmpfs", "vm/ram"])
    cpu = pd.DataFrame({"loop_ms": [30.0, 240.0]}, index=["container", "vm"])
    answers = {"scaling": scaling, "io": io, "cpu": cpu, "speedup_4": 1000 / 300, "scaled_out": True, "io_ratio": 5.0,
               "cpu_ratio": 8.0}
    check.conclusions(answers, strict=True)
    with pytest.raises(Feedback, match="speedup_4 is .*upside down"):
        check.conclusions({**answers, "speedup_4": 300 / 1000})
    with pytest.raises(Feedback, match="cpu_ratio is .*upside down"):  # the container's time over the VM's
        check.conclusions({**answers, "cpu_ratio": 30 / 240}, strict=True)
    with pytest.raises(Feedback, match="`cpu` table .* missing"):
        check.conclusions({**answers, "cpu": None}, strict=True)
    check.conclusions({**answers, "scaled_out": np.bool_(True), "cpu_ratio": np.float64(8.0)}, strict=True)
    with pytest.raises(Feedback, match="scaled_out is"):
        check.conclusions({**answers, "scaled_out": False})
    with pytest.raises(Feedback, match="io_ratio is"):
        check.conclusions({**answers, "io_ratio": 0.2}, strict=True)
    with pytest.raises(Feedback, match="not defined"):
        check.conclusions({"scaling": scaling, "io": io})
