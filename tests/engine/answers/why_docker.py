"""Other correct answers and plausible mistakes for `why_docker`, graded like submissions."""

from answers import Answer

# ex4's cell builds `scaling` with ex2's start_replicas and ex3's measure_throughput;
# ex6 concludes from ex4's `scaling`.
DEPENDS = {4: (2, 3), 6: (4,)}
#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {2: r"your replicas' hostnames are \w+-1, \w+-2; your exercise asks for \w+-1, \w+-2\."}

ANSWERS = [
    # -- ex1: run_elsewhere(image_ref, other_api) ---------------------------------------------
    Answer(1, "the low-level API on both engines: get_image, load_image, create/start/wait/logs", '''
def run_elsewhere(image_ref, other_api):
    other_api.api.load_image(b"".join(docker.api.get_image(image_ref)))
    cid = other_api.api.create_container(image_ref)["Id"]
    try:
        other_api.api.start(cid)
        other_api.api.wait(cid)
        return other_api.api.logs(cid).decode()
    finally:
        other_api.api.remove_container(cid, force=True)
'''),
    Answer(1, "through a tar file, detached run, logs, then remove", '''
import tempfile


def run_elsewhere(image_ref, other_api):
    with tempfile.TemporaryFile() as archive:
        for chunk in docker.images.get(image_ref).save(named=True):
            archive.write(chunk)
        archive.seek(0)
        other_api.images.load(archive.read())
    container = other_api.containers.run(image_ref, detach=True)
    container.wait()
    output = container.logs().decode()
    container.remove()
    return output
'''),
    Answer(1, "the container left behind on the other engine", '''
def run_elsewhere(image_ref, other_api):
    other_api.images.load(b"".join(docker.images.get(image_ref).save(named=image_ref)))
    container = other_api.containers.run(image_ref, detach=True)
    container.wait()
    return container.logs().decode()
''', feedback=r"left 1 container\(s\) behind"),
    Answer(1, "run on the notebook's own engine, never moved", '''
def run_elsewhere(image_ref, other_api):
    return docker.containers.run(image_ref, remove=True).decode()
''', feedback=r"is not on the other engine"),

    # -- ex2: start_replicas(n) ---------------------------------------------------------------
    Answer(2, "the low-level API: create_host_config, create_container, start (issue 12)", '''
def start_replicas(n):
    replicas = []
    for i in range(n):
        host = docker.api.create_host_config(nano_cpus=100_000_000, port_bindings={8080: ("127.0.0.1", None)})
        cid = docker.api.create_container(lab.BASE_IMAGE, WEB, ports=[8080], host_config=host,
                                          hostname="{{service}}-%d" % (i + 1))["Id"]
        docker.api.start(cid)
        replicas.append(docker.containers.get(cid))
    return replicas
'''),
    Answer(2, "a CFS quota with the default period: exactly --cpus 0.1 (issue 12)", '''
def start_replicas(n):
    return [docker.containers.run(lab.BASE_IMAGE, WEB, detach=True, cpu_quota=10_000,
                                  ports={"8080/tcp": ("127.0.0.1", None)},
                                  hostname=f"{{service}}-{i + 1}") for i in range(n)]
'''),
    Answer(2, "published on every interface (issue 12)", '''
def start_replicas(n):
    return [docker.containers.run(lab.BASE_IMAGE, WEB, detach=True, nano_cpus=100_000_000,
                                  ports={"8080/tcp": None},
                                  hostname=f"{{service}}-{i + 1}") for i in range(n)]
''', feedback=r"an empty HostIp means all interfaces"),
    Answer(2, "cpu_shares taken for a cap", '''
def start_replicas(n):
    return [docker.containers.run(lab.BASE_IMAGE, WEB, detach=True, cpu_shares=102,
                                  ports={"8080/tcp": ("127.0.0.1", None)},
                                  hostname=f"{{service}}-{i + 1}") for i in range(n)]
''', feedback=r"cpu_shares is only a relative weight"),

    # -- ex3: measure_throughput(urls, requests) ----------------------------------------------
    Answer(3, "one request after another with http.client", '''
import http.client
import time
from urllib.parse import urlsplit


def measure_throughput(urls, requests):
    start = time.perf_counter()
    for i in range(requests):
        url = urlsplit(urls[i % len(urls)])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        conn.request("GET", url.path or "/")
        conn.getresponse().read()
        conn.close()
    return requests / (time.perf_counter() - start)
'''),
    Answer(3, "requests with 4 threads, futures gathered by submit", '''
import time
from concurrent.futures import ThreadPoolExecutor, wait

import requests as http


def measure_throughput(urls, requests):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        wait([pool.submit(http.get, urls[i % len(urls)], timeout=5) for i in range(requests)])
    return requests / (time.perf_counter() - start)
'''),
    Answer(3, "every request to the first replica", '''
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def measure_throughput(urls, requests):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: urllib.request.urlopen(urls[0], timeout=5).read(), range(requests)))
    return requests / (time.perf_counter() - start)
''', feedback=r"not spread evenly"),
    Answer(3, "seconds per request instead of requests per second", '''
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def measure_throughput(urls, requests):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: urllib.request.urlopen(urls[i % len(urls)], timeout=5).read(), range(requests)))
    return (time.perf_counter() - start) / requests
''', feedback=r"not seconds, nor seconds per request"),

    # -- ex4: the scaling table ---------------------------------------------------------------
    Answer(4, "columns built as lists, the time measured around the call", '''
from tqdm.auto import tqdm

REQUESTS = 300
counts, seconds, rates = [1, 2, 4], [], []
for n in tqdm(counts):
    replicas = start_replicas(n)
    urls = [scaleout.url_of(c) for c in replicas]
    scaleout.wait_ready(urls)
    rate = measure_throughput(urls, REQUESTS)
    for c in replicas:
        c.stop(timeout=1)
        c.remove()
    seconds.append(REQUESTS / rate)
    rates.append(rate)
scaling = pd.DataFrame({"replicas": counts, "requests": [REQUESTS] * 3, "seconds": seconds,
                        "requests_per_s": rates})
scaling
'''),
    Answer(4, "the replicas left running between rounds", '''
from tqdm.auto import tqdm

REQUESTS = 300
rows = []
for n in tqdm([1, 2, 4]):
    replicas = start_replicas(n)
    urls = [scaleout.url_of(c) for c in replicas]
    scaleout.wait_ready(urls)
    rate = measure_throughput(urls, REQUESTS)
    rows.append({"replicas": n, "requests": REQUESTS, "seconds": REQUESTS / rate, "requests_per_s": rate})
scaling = pd.DataFrame(rows)
scaling
''', feedback=r"web replica\(s\) are still running"),
    Answer(4, "1, 2 and 3 replicas", '''
REQUESTS = 300
rows = []
for n in [1, 2, 3]:
    replicas = start_replicas(n)
    urls = [scaleout.url_of(c) for c in replicas]
    scaleout.wait_ready(urls)
    rate = measure_throughput(urls, REQUESTS)
    for c in replicas:
        c.remove(force=True)
    rows.append({"replicas": n, "requests": REQUESTS, "seconds": REQUESTS / rate, "requests_per_s": rate})
scaling = pd.DataFrame(rows)
scaling
''', feedback=r"has rows for \[1, 2, 3\] replicas"),

    # -- ex5: timed_write(run, path, mib) -----------------------------------------------------
    Answer(5, "one run: the timed write and the rm together, microseconds read as a float", '''
def timed_write(run, path, mib):
    script = iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync") + f"\\nrm -f {path}"
    seconds = float(run(script).strip()) / 1e6
    return mib / seconds
'''),
    Answer(5, "microseconds taken for seconds", '''
def timed_write(run, path, mib):
    micros = int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync")))
    run(f"rm -f {path}")
    return mib / micros
''', feedback=r"iobench.timed prints microseconds"),
    Answer(5, "the file left behind", '''
def timed_write(run, path, mib):
    micros = int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync")))
    return mib / (micros / 1_000_000)
''', feedback=r"left /scratch/check.bin behind"),

    # -- ex6: conclusions ---------------------------------------------------------------------
    Answer(6, "positional rows, numpy bool and numpy floats", '''
rates = scaling.sort_values("replicas")["requests_per_s"].to_numpy()
speedup_4 = rates[2] / rates[0]
scaled_out = speedup_4 >= 2
io_ratio = io["write_mib_s"]["container/tmpfs"] / io["write_mib_s"]["vm/ram"]
cpu_ratio = cpu["loop_ms"].loc["vm"] / cpu["loop_ms"].loc["container"]
'''),
    Answer(6, "the I/O ratio upside down (the VM over the container)", '''
rate = scaling.set_index("replicas")["requests_per_s"]
speedup_4 = rate[4] / rate[1]
scaled_out = bool(speedup_4 >= 2)
io_ratio = io.loc["vm/ram", "write_mib_s"] / io.loc["container/tmpfs", "write_mib_s"]
cpu_ratio = cpu.loc["vm", "loop_ms"] / cpu.loc["container", "loop_ms"]
''', feedback=r"io_ratio is .* upside down"),
    Answer(6, "the CPU ratio upside down (the container's time over the VM's)", '''
rate = scaling.set_index("replicas")["requests_per_s"]
speedup_4 = rate[4] / rate[1]
scaled_out = bool(speedup_4 >= 2)
io_ratio = io.loc["container/tmpfs", "write_mib_s"] / io.loc["vm/ram", "write_mib_s"]
cpu_ratio = cpu.loc["container", "loop_ms"] / cpu.loc["vm", "loop_ms"]
''', feedback=r"cpu_ratio is .* upside down"),
]
