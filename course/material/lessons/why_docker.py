"""Assignment `why_docker`: portability, scale out and performance, measured (seed points S5, S4)."""

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

LESSON = Lesson(
    assignment="why_docker",
    position=60,
    title="Why Docker: portability, scale-out, performance",
    minutes=45,
    seed_points=("S4", "S5"),
    checks="why_docker",
    grading_seconds=30,
    needs_second_engine=True,
    opening="""
The usual answer to "why Docker?" is three words: **portability**, **scale out**,
**performance**. In this notebook you check each claim yourself, with numbers from this machine.
""",
    questions=(
        "Does an image really run unchanged on another engine?",
        "Does adding replicas add throughput?",
        "Why is a container's I/O closer to the host's than a VM's?",
    ),
    objectives=(
        ("move an image from one Docker Engine to another, separate one (`docker save` / `docker "
         "load`) and show that it runs unchanged there: same image ID, same output"),
        ("start **replicas** of a small web server on loopback ports and measure how the "
         "**throughput** (requests per second) grows as you add replicas"),
        ("measure **I/O** in a container and in a real virtual machine, and explain the difference "
         "with the path each write takes through the kernel(s)"),
    ),
    overview="""
Run the cells from top to bottom. Every cell talks to a real Docker Engine, a second engine
the course starts for you, or a real QEMU virtual machine.
""",
    keypoints=(
        ("**Portability**: an image is files plus configuration, identified by the digest of its "
         "configuration. `docker save` / `docker load` (or a registry) move it to another engine, "
         "where it runs unchanged: same ID, same output. Only the kernel comes from the host."),
        ("**Scale out**: replicas of one image start in a fraction of a second; with a fixed capacity "
         "each, throughput grows with their number until a shared resource (CPU, the load balancer, "
         "the network) runs out, which is why real services spread replicas over machines."),
        ("**Performance**: a container's system calls go straight to the host kernel, so its I/O is "
         "the host's own; a VM's I/O goes through a second kernel and emulated devices. Without "
         "hardware virtualization (QEMU's tcg) every guest instruction is emulated, and that cost "
         "dominates: compare with a CPU-only task before blaming the I/O path."),
        ("Measure, do not assume: bounded loads, the clock read where the work happens, the best of a "
         "few runs, and an honest note on what was measured (here, memory against memory)."),
    ),
    episode=(
        md("""
## 1. Portability: the image is the whole application

An image holds everything a container needs: the files (here, busybox and a few files in
`/etc`) and the configuration (environment, working directory, default command). Its **ID**
is the SHA-256 digest of that configuration, which names the layers by their own digests: two
engines that show the same ID have exactly the same image.

`docker save` writes an image as a tar archive; `docker load` reads it into another engine.
Normally the other engine is on another machine, and a registry such as Docker Hub carries
the image between them (S6). This machine has no Internet access, so the course starts a
**second, separate engine** for you: another `dockerd` process with its own socket, its own
data directory (its own image store) and its own network bridge. It shares nothing with the
first engine except the host's kernel.
""", "s5-portability-concept"),
        code("""
from course import lab, portability
import pandas as pd

docker = lab.client()                   # the course's engine; what it creates is cleaned up for you
other = portability.second_engine()     # a second dockerd: own socket, own image store, own bridge
pd.DataFrame({"docker": portability.describe(docker), "other": portability.describe(other)})
""", "s5-live-two-engines"),
        md("""
Our application: a tiny image of our own, built on the course image. Its configuration
sets an environment variable, a working directory and the default command.
""", "s5-app-text"),
        code("""
import io
import secrets

APP = f"hello-app:{secrets.token_hex(3)}"     # a tag of its own: other notebooks may share these engines
dockerfile = f\"\"\"
FROM {lab.BASE_IMAGE}
ENV GREETING="hello from inside an image"
WORKDIR /app
CMD ["sh", "-c", "echo $GREETING; echo in $(pwd), kernel $(uname -r); sha256sum /bin/busybox | cut -c1-16"]
\"\"\"
app, _ = docker.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=APP, rm=True, forcerm=True)
print(APP, "is", app.id)
print("the other engine has it:", portability.has_image(other, APP))
""", "s5-live-app"),
        code("""
moved = portability.copy_image(docker, other, APP)   # docker save | docker load, in Python
print(f"moved {moved.archive_bytes / 2**20:.1f} MiB in {moved.seconds:.2f} s, no registry involved")
print("image ID here :", moved.source_id)
print("image ID there:", moved.target_id, "(the same)" if moved.same_id else "(DIFFERENT)")
""", "s5-live-move"),
        md("""
Now a container of it on each engine, with the image's own default command. The files and
the configuration come from the image, so the output is the same; only the container (its
ID, its hostname) is new.
""", "s5-same-output-text"),
        code("""
for name, api in (("docker", docker), ("other", other)):
    status, output = portability.run_on(api, APP)
    print(f"--- on {name} (exit status {status})\\n{output}")
""", "s5-live-same-output"),
        Exercise(
            "run it elsewhere", points=3, covers=("S5",),
            lead="""
What travels is the user space: programs, libraries, configuration. What does **not** travel
is the kernel: a container uses the kernel of whatever host runs it (both engines here run on
the same host, so `uname -r` agrees; on another machine only that line would change). So an
image runs unchanged on any Linux host with the same CPU architecture (this one is `amd64`)
and a kernel recent enough for it. That is the portability Docker promises: "it works on my machine"
becomes "it works on every machine that has an engine".

""",
            text="""
Write `run_elsewhere(image_ref, other_api)` that
- copies the image `image_ref` from the notebook's engine `docker` to the engine behind
  `other_api` (save it **by its name**, so the archive carries the tag; then load the bytes),
- runs it there with its **default command** (no command argument) and waits for it,
- removes that container, and
- returns what the container printed, as a `str`.

Create the container with `other_api`: like `docker`, it labels what it creates for the course.
Careful: if the image is missing, `containers.run` tries to pull it from Docker Hub.
The tests build a brand-new image that neither engine has seen, and inspect the other engine.
""",
            solution="""
def run_elsewhere(image_ref, other_api):
    ### BEGIN SOLUTION
    archive = b"".join(docker.images.get(image_ref).save(named=image_ref))
    other_api.images.load(archive)
    return other_api.containers.run(image_ref, remove=True).decode()
    ### END SOLUTION
""",
            tests="""
check.run_elsewhere(run_elsewhere, docker, globals().get("other"))
### BEGIN HIDDEN TESTS
check.run_elsewhere(run_elsewhere, docker, globals().get("other"), strict=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 2. Scale out: more replicas, more requests served

To serve more users you can buy a bigger machine (**scale up**) or run more copies of the
service side by side (**scale out**). Containers make scale-out cheap: once the image is on a
host, a new replica starts in a fraction of a second, with no operating system to boot.

In production the replicas sit behind a **load balancer**: clients know one address, and the
load balancer spreads their requests over the replicas. Here the notebook plays that part
itself: it sends its requests round-robin to the replicas' ports.

Our service is busybox's `httpd`. It answers every request by running a small **CGI program**
(a shell script started for each request, as a real service computes its answers) that prints
the replica's **hostname**, so every answer tells which replica gave it, and every answer
costs the replica some CPU time. Each replica gets a tenth of a CPU (`nano_cpus=100_000_000`,
like `docker run --cpus 0.1`), a cgroup limit like the memory limit in the containers
notebook: it stands for a small machine of fixed capacity.

Its port 8080 is **published** on the host's loopback address only, on a port the engine
picks (`ports={"8080/tcp": ("127.0.0.1", None)}`). The engine tells us which port it chose in
`container.ports` (after `container.reload()`); that is the only address we use.
""", "s5-scale-concept"),
        code("""
from course import figures, scaleout

figures.load_balancer();

WEB = scaleout.WEB_COMMAND      # the CGI program, then busybox httpd in the foreground
print(WEB[-1])
web = docker.containers.run(lab.BASE_IMAGE, WEB, detach=True, nano_cpus=100_000_000,  # a tenth of a CPU
                            ports={"8080/tcp": ("127.0.0.1", None)})                 # a free port, loopback only
url = scaleout.url_of(web)      # reloads `web` and reads the port from web.ports
print(web.ports)
print(url, "answers:", scaleout.wait_ready([url])[0])
""", "s5-live-one-replica"),
        md("""
A **load** is many requests at once. `scaleout.measure` sends a fixed number of GETs,
8 at a time, and reports how many were answered per second. It is bounded: never more
requests than asked, never longer than 30 s, and only to 127.0.0.1.
""", "s5-load-text"),
        code("""
load = scaleout.measure([url], 200, progress=True)
print(f"{load.answered}/{load.requests} answered in {load.seconds:.2f} s: {load.requests_per_s:.0f} requests/s")
web.remove(force=True)
""", "s5-live-one-load"),
        Exercise(
            "replicas", points=3, covers=("S5",),
            text="""
Write `start_replicas(n)` that starts `n` replicas with the notebook's `docker` client and
returns the list of their `Container` objects, **running**. Each one:
- runs `WEB` in `lab.BASE_IMAGE`, detached,
- is limited to a tenth of a CPU (`nano_cpus=100_000_000`),
- publishes port `8080/tcp` on **127.0.0.1 only**, on a port the engine picks.
- has the hostname `<service>-<i>` for i = 1, 2, ..., n, where `service` is your service's
  name, in the table under this text: every answer then says which replica gave it.

The tests check the real engine: how many containers you started, their limits and ports,
and that each port answers with that replica's hostname.
""",
            params=(Param("service", "your service's name (its replicas' hostnames start with it)", default="web",
                          choices=("web", "shop", "blog", "wiki", "maps", "chat", "mail", "news", "docs")),),
            solution="""
def start_replicas(n):
    ### BEGIN SOLUTION
    return [docker.containers.run(lab.BASE_IMAGE, WEB, detach=True, nano_cpus=100_000_000,
                                  ports={"8080/tcp": ("127.0.0.1", None)}, hostname=f"{{service}}-{i}")
            for i in range(1, n + 1)]
    ### END SOLUTION
""",
            tests="""
check.replicas(start_replicas, docker, 2)
### BEGIN HIDDEN TESTS
check.replicas(start_replicas, docker, 3, strict=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "measure the throughput yourself", points=2, covers=("S5",),
            text="""
Write `measure_throughput(urls, requests)` that sends exactly `requests` HTTP GETs,
**round-robin** over `urls` (request `i` goes to `urls[i % len(urls)]`), at most 8 at a time
(a `ThreadPoolExecutor(max_workers=8)`), each with a timeout of 5 s, and returns the
throughput in **requests per second**: the number of requests divided by the seconds from
before the first request to after the last answer (`time.perf_counter()`).

The tests start their own replicas, count on the server side the requests each one received,
and compare your rate with a measurement of their own.
""",
            solution="""
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def measure_throughput(urls, requests):
    ### BEGIN SOLUTION
    def fetch(i):
        with urllib.request.urlopen(urls[i % len(urls)], timeout=5) as response:
            return response.read()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, range(requests)))
    return requests / (time.perf_counter() - start)
    ### END SOLUTION
""",
            tests="""
check.throughput(measure_throughput, docker, n=2, requests=120)
### BEGIN HIDDEN TESTS
check.throughput(measure_throughput, docker, n=3, requests=150, strict=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "throughput as the replicas grow", points=2, covers=("S5",),
            text="""
Fill `scaling`, a pandas `DataFrame` with one row for each number of replicas N = 1, 2, 4
and the columns
- `replicas` (N), `requests` (how many you sent: use `REQUESTS`),
- `seconds` (how long they took) and `requests_per_s` (your `measure_throughput`).

For each N: start N replicas with `start_replicas`, find their URLs (`scaleout.url_of`),
wait until they answer (`scaleout.wait_ready(urls)`), measure, then **remove** the replicas
before the next round. `tqdm` shows a progress bar over the rounds.
""",
            solution="""
from tqdm.auto import tqdm

REQUESTS = 300
### BEGIN SOLUTION
rows = []
for n in tqdm([1, 2, 4], desc="replicas"):
    replicas = start_replicas(n)
    try:
        urls = [scaleout.url_of(c) for c in replicas]
        scaleout.wait_ready(urls)
        rate = measure_throughput(urls, REQUESTS)
    finally:
        for c in replicas:
            c.remove(force=True)
    rows.append({"replicas": n, "requests": REQUESTS, "seconds": REQUESTS / rate, "requests_per_s": rate})
scaling = pd.DataFrame(rows)
### END SOLUTION
scaling
""",
            tests="""
check.scaling_table(globals().get("scaling"), docker)
### BEGIN HIDDEN TESTS
check.scaling_table(globals().get("scaling"), docker, own_check=True)
### END HIDDEN TESTS
""",
        ),
        code("""
import os
import matplotlib.pyplot as plt

one = scaling.loc[scaling["replicas"] == 1, "requests_per_s"].iloc[0]
ax = scaling.plot(x="replicas", y="requests_per_s", marker="o", label="measured")
ax.plot(scaling["replicas"], scaling["replicas"] * one, "--", color="grey", label="N times one replica")
ax.set(xlabel="replicas (0.1 CPU each)", ylabel="requests per second", xticks=[1, 2, 4],
       title=f"Scale out on one host with {os.cpu_count()} CPUs")
ax.legend()
plt.show()
""", "s5-live-scaling-plot"),
        md("""
Each replica is capped at 0.1 CPU and every request costs it a program start, so one replica
answers only some tens of requests per second: the **replicas are the bottleneck**. Each one
adds the same capacity, and the measured line follows the dashed one, give or take the noise
of a shared machine. It would bend, or stay flat, when something *shared* by all replicas ran
out: the host's CPUs (the load generator, the engine and other users of this machine need them
too), this notebook's own ability to send requests, or what forwards the published ports to
the containers (a course guard, if one stands in front of your engine, is a single process for
all of them). Those serve several hundred requests per second here, so four replicas do not
reach them yet; many more would. Real scale-out therefore puts the replicas on **more machines**,
behind a load balancer that is itself scaled, and that is where portability pays: the same
image runs on every one of them.
""", "s5-scaling-text"),
        md("""
## 3. Performance: one kernel, or two

A container shares the host's kernel (S4). When a program in a container writes a file, its
`write()` system call goes straight into the **host kernel**, to the host's page cache and
file system: nothing is emulated, so I/O runs at the host's speed.

A VM has its **own kernel**. A write goes into the guest kernel first; if the guest has a
virtual disk, the guest driver hands each request to a device that QEMU (a process on the
host) emulates, and QEMU then asks the host kernel to do the real I/O: two kernels and an
emulator on the way.

We boot the course's VM with a small **virtual disk** (`boot(disk_mib=64)`): the guest sees
`/dev/vda`, a virtio-blk device that QEMU emulates over an image file on the host's disk.
Its root file system is its **initramfs, in the guest's memory**. So we can compare like
with like: memory against memory, a container's `tmpfs` (the host kernel's memory) against
the VM's root file system (`vm/ram`, the guest kernel's memory), and disk against disk, a
container's overlay2 layer and volume (the host's file system) against the VM's disk
(`vm/virtio-disk`). Each measurement writes 32 MiB with `dd ... conv=fsync` (the data must
reach storage before `dd` returns), then reads it back; on `/dev/vda` both go straight to the
device (`oflag=direct`, `iflag=direct`), so every byte crosses the emulated device. The clock
is read inside the container or the VM, so only the I/O is timed. Each is the best of three runs.

A write is also work for the CPU: the kernel copies every byte. So the cell times one more
thing in both, a shell loop that does no I/O at all (`cpu`): how fast each runs plain code.
""", "s4-io-concept"),
        code("""
from course import iobench
from course.vm import boot

with boot(disk_mib=64) as vm:                       # a real QEMU VM with its own kernel and a disk
    print(vm)
    print("accelerator:", vm.accel_reason)
    print("guest kernel:", vm.kernel_release(), "| host kernel:", lab.host_kernel())
    io = iobench.compare(docker, vm, mib=32)
    cpu = iobench.cpu_compare(docker, vm)          # the same CPU-only loop in both: no I/O at all
display(cpu.round(1))
io[["kernel", "write_mib_s", "read_mib_s"]].round(0)
""", "s4-live-io"),
        code("""
axes = io[["write_mib_s", "read_mib_s"]].plot.barh(subplots=True, layout=(1, 2), sharex=False, sharey=True,
                                                  legend=False, figsize=(10, 3),
                                                  title=["write (MiB/s)", "read (MiB/s)"])
axes[0][0].set(ylabel="")
plt.show()
""", "s4-live-io-plot"),
        Exercise(
            "the same measurement, in a container and in the VM", points=2, covers=("S4", "S5"),
            lead="""
The containers' reads and `vm/ram`'s come from memory (the page cache kept what was just
written, or tmpfs itself): they compare memory copies by a kernel. Only `vm/virtio-disk` reads
from the (virtual) device.

Now read the `accelerator` line above and the `cpu` table. With **tcg** (no usable KVM, as on
many cloud machines), QEMU translates every guest instruction in software: the VM runs the
loop many times slower than the container, and its memory writes are slow too, because the
guest kernel's copy is emulated code as well (QEMU translates a block copy better than a
shell loop, so the two ratios need not be equal). Under tcg the VM's numbers mostly measure
CPU emulation, not its I/O path. That is also why, under tcg, the VM's disk may even
beat its RAM: a copy in guest memory runs as emulated instructions, while a direct
disk write hands QEMU a buffer that QEMU, running natively, passes to the host kernel. With
**kvm** the guest's memory copies run at nearly native speed, and the gap that remains is the
one of the virtual device: each disk request leaves the guest, is handled by QEMU, and only
then reaches the host kernel, a trip a container never makes. Either way, the container's I/O
is the host's own I/O.

""",
            text="""
`iobench.timed(command)` gives a shell script that runs `command` and prints how many
**microseconds** it took (measured inside, with busybox). `run` is a function that runs a
shell command somewhere and returns its output as a `str`:
`iobench.container_runner(container)` runs it in a container, `iobench.vm_runner(vm)` in the VM.

Write `timed_write(run, path, mib)` that, through `run` only,
- writes `mib` MiB of zeros to `path` with `dd if=/dev/zero of=PATH bs=1M count=MIB conv=fsync`,
  timed with `iobench.timed`,
- removes the file,
- returns the write speed in **MiB per second**.

The tests call it in a container, then in the container's overlay2 layer and in a VM.
""",
            solution="""
def timed_write(run, path, mib):
    ### BEGIN SOLUTION
    micros = int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync")))
    run(f"rm -f {path}")
    return mib / (micros / 1_000_000)
    ### END SOLUTION
""",
            tests="""
check.timed_write(timed_write, docker)
### BEGIN HIDDEN TESTS
check.timed_write(timed_write, docker, mib=24, vm=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "conclusions from your own measurements", points=2, covers=("S4", "S5"),
            lead="""
## 4. What your numbers say

""",
            text="""
From **your** tables `scaling` and `io`, set:
- `speedup_4`: the requests per second with 4 replicas divided by those with 1 replica;
- `scaled_out`: `True` if 4 replicas served at least twice as many requests per second as 1
  replica, else `False`;
- `io_ratio`: the container's tmpfs write speed divided by the VM's write speed
  (`io.loc["container/tmpfs", "write_mib_s"]` over `io.loc["vm/ram", "write_mib_s"]`);
- `cpu_ratio`: how many times longer the VM took for the CPU-only loop
  (`cpu.loc["vm", "loop_ms"]` over `cpu.loc["container", "loop_ms"]`).

Compare the last two: where `cpu_ratio` is large (tcg), the VM's numbers are dominated by CPU
emulation and `io_ratio` says little about its I/O path; where `cpu_ratio` is near 1 (kvm),
what is left of `io_ratio` is the cost of the VM's own I/O path.

The tests recompute them from your tables (which are your own runs, so answers differ from
one learner to the next).
""",
            solution="""
### BEGIN SOLUTION
rate = scaling.set_index("replicas")["requests_per_s"]
speedup_4 = rate[4] / rate[1]
scaled_out = bool(speedup_4 >= 2)
io_ratio = io.loc["container/tmpfs", "write_mib_s"] / io.loc["vm/ram", "write_mib_s"]
cpu_ratio = cpu.loc["vm", "loop_ms"] / cpu.loc["container", "loop_ms"]
### END SOLUTION
print(f"speedup_4 = {speedup_4:.2f}, scaled_out = {scaled_out}, io_ratio = {io_ratio:.1f}, "
      f"cpu_ratio = {cpu_ratio:.1f}")
""",
            tests="""
check.conclusions(globals())
### BEGIN HIDDEN TESTS
check.conclusions(globals(), strict=True)
### END HIDDEN TESTS
""",
        ),
        Question(
            2, text="""
In three or four sentences, using your own numbers: why did throughput grow as you added
replicas, and what would make it stop growing on one host? Why does a real service scale out
over several machines, and how do portability (section 1) and fast container start-up help
it do so?
""",
            answer="""
Each replica had a fixed CPU share (0.1 CPU) and every request cost it a program start, so the
replicas were the bottleneck: each one added the same capacity, and throughput grew about
N-fold (my speedup_4 was about 4). On one host it
stops growing when something all replicas share runs out: the host's CPUs, which the load
generator and the engine also need, or a single process forwarding all the published ports.
Beyond that point more replicas only divide the same resources. A real service therefore
spreads replicas over several machines behind a load balancer: the image carries the whole
user space and runs unchanged on any Linux host with an engine (same image ID everywhere),
and a container starts in a fraction of a second, so adding capacity means loading the image
and starting containers on another machine, not installing an operating system.
""",
        ),
    ),
    cleanup="""
portability.remove_image(docker, APP)   # the image we built
portability.release(other)              # leave the second engine (the last one out stops it)
lab.cleanup()                           # remove anything this notebook left on the engine
""",
    #A plausible partial submission: replicas right (reference), the image moved and run but its
    #container left on the other engine, the elapsed time returned instead of a rate, the
    #scaling table and conclusions not attempted, and the microseconds taken for seconds.
    partial={
    "ex2-solution": None,
    "ex1-solution": """
def run_elsewhere(image_ref, other_api):
    other_api.images.load(b"".join(docker.images.get(image_ref).save(named=image_ref)))
    container = other_api.containers.run(image_ref, detach=True)
    container.wait()
    return container.logs().decode()
""".strip(),
    "ex3-solution": """
import time
import urllib.request


def measure_throughput(urls, requests):
    start = time.perf_counter()
    for i in range(requests):
        urllib.request.urlopen(urls[i % len(urls)], timeout=5).read()
    return time.perf_counter() - start
""".strip(),
    "ex5-solution": """
def timed_write(run, path, mib):
    micros = int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync")))
    run(f"rm -f {path}")
    return mib / micros
""".strip(),
},
)
