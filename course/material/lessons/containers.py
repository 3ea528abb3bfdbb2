"""Assignment `containers`: a container is an isolated process (seed points S2, S3)."""

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

LESSON = Lesson(
    assignment="containers",
    position=30,
    title="Containers: OS-level virtualization you can see",
    minutes=40,
    seed_points=("S2", "S3"),
    checks="containers",
    grading_seconds=14,
    questions=(
        "What is Docker, and what is it made of?",
        "Is a container a small VM, or a process on the host?",
        "How does the kernel keep a container in its limits?",
    ),
    objectives=(
        ("say what Docker is and show, from the live engine, that it is written in **Go** and runs "
         "containers through **runc** (the descendant of **libcontainer**)"),
        ("show that a container is an ordinary **process on the host's kernel**, isolated by kernel "
         "namespaces: its own PID 1, hostname and network interfaces; and say why, without a user "
         "namespace, its root is the host's root"),
        ("set a **memory limit** (a cgroup), read it from inside, and watch the kernel kill a process "
         "that allocates past it"),
    ),
    overview="""
Run the cells from top to bottom (*Run > Run All Cells* works too). Every cell talks to a
real Docker Engine.
""",
    keypoints=(
        ("Docker is an open-source platform, written in Go; the CLI and SDKs are clients of the "
         "engine's HTTP API. Containers are started by **runc**, which grew out of libcontainer: Docker "
         "0.9 made libcontainer the default instead of LXC, and 1.10 removed the LXC driver."),
        ("A container is a **process on the host's kernel**: PID 1 inside, an ordinary PID outside; "
         "namespaces give it its own view of processes, hostname, network and mounts."),
        ("Docker uses no user namespace by default: **root in a container is root on the host**, held "
         "back only by dropped capabilities, seccomp, AppArmor and the other namespaces."),
        ("**cgroups** limit what it may use: the kernel enforces a memory limit by killing the "
         "process (SIGKILL: exit status 128 + 9 = 137), and the engine reports `OOMKilled`. Set "
         "`memswap_limit` equal to `mem_limit`, or Docker allows as much swap again."),
        "There is no guest kernel: `uname -r` inside a container prints the host's kernel.",
    ),
    episode=(
        md("""
## 1. Docker: an open-source platform, written in Go

Docker is an open-source virtualization platform built on **Linux containers**. The
`docker` command is only a client: it sends HTTP requests to the **Docker Engine**
(`dockerd`), a server written in **Go**. Early Docker drove **LXC** (Linux Containers).
Docker 0.9 (2014) made its own Go library, **libcontainer**, the default; the LXC driver
stayed as an option until Docker 1.10 (2016) removed it. In 2015 libcontainer went into
**runc**, the low-level runtime that `containerd` calls to start each container today.

The engine reports all of this about itself. `lab.client()` gives us a
[docker-py](https://docker-py.readthedocs.io) client on the course's engine.
""", "s2-concept"),
        code("""
from course import lab

docker = lab.client()          # a docker-py client; what it creates is cleaned up for you
version = docker.version()
{key: version.get(key) for key in ("Version", "ApiVersion", "GoVersion", "Os", "Arch")}
""", "s2-live-version"),
        code("""
# The engine's components: containerd, and runc (libcontainer's successor) that really starts containers.
import pandas as pd

pd.DataFrame([{"component": c["Name"], "version": c["Version"]} for c in version["Components"]])
""", "s2-live-components"),
        Exercise(
            "the engine describes itself", points=2, covers=("S2",),
            text="""
Write `engine_facts(api)` that returns a dictionary with three keys, all read **from the
engine** through `api` (a docker-py client):
- `"version"`: the engine's version string,
- `"go_version"`: the Go version the engine was built with,
- `"runtime"`: the engine's default container runtime (hint: `api.info()`).
""",
            solution="""
def engine_facts(api):
    ### BEGIN SOLUTION
    info = api.info()
    ver = api.version()
    return {"version": ver["Version"], "go_version": ver["GoVersion"], "runtime": info["DefaultRuntime"]}
    ### END SOLUTION
""",
            tests="""
check.engine_facts(engine_facts, docker)
### BEGIN HIDDEN TESTS
check.engine_facts(engine_facts, docker, exact=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 2. A container is a process, isolated

A **VM** boots a whole kernel of its own on virtual hardware that a hypervisor provides
(with hardware virtualization such as KVM the guest's code runs directly on the real CPU, in a
guest mode, the hypervisor stepping in only for what a guest may not do itself; its devices are
emulated or paravirtual). A **container** boots nothing: it is a
normal process of the host, which the kernel places in its own **namespaces** (a private
view of process IDs, hostname, network, mounts...) and **cgroups** (limits on memory, CPU,
process count). That is *OS-level virtualization*, the idea LXC made popular.

Inside, the container's first process believes it is PID 1 on a machine of its own:
""", "s3-concept"),
        code("""
status, output = lab.run("echo my PID is $$; echo my hostname is $(hostname); ps", hostname="box")
print(output)
""", "s3-live-pid1"),
        md("""
The shell printed its own PID: 1. Yet `ps` lists only one process, itself, as PID 1. The
shell ran its **last** command in its own process instead of forking a child for it (what
`exec ps` asks for explicitly): PID 1 *became* `ps`. (Busybox runs its applets without loading a new
program, so the command line still reads `sh -c ...`; `{ps}` is the name it has now.) There is
nothing else in the container: no init, no daemons, only what it started.

Now the **same process seen from the host**. We start a long-running container and look
it up in the host's `/proc`: it has an ordinary host PID, `NSpid` lists its PID in each PID
namespace (the host's, then the container's, where it is 1), and `Uid` whom it runs as on the
host.
""", "s3-host-view-text"),
        code("""
sleeper = docker.containers.run(lab.BASE_IMAGE, "sleep 300", detach=True, hostname="sleeper")
pid = lab.host_pid(sleeper)
print("host PID:", pid)
print(lab.proc_status(pid))
print(sleeper.top()["Processes"])   # the engine also reports host PIDs
""", "s3-live-host-view"),
        code("""
# Which kernel namespaces does it share with this notebook? Only the ones Docker did not isolate.
lab.namespaces(sleeper)
""", "s3-live-namespaces"),
        md("""
`pid`, `net`, `uts` (hostname), `mnt` (mounts) and `ipc` are the container's own. Two may be
shared, and they matter:

- **user**: Docker creates no user namespace unless the engine is set up for it
  (`userns-remap`, or rootless Docker). User IDs are the host's: **root in the container is
  root on the host** (UID 0, as `Uid` above shows), held back only by what Docker takes away
  (most capabilities, a seccomp filter, AppArmor or SELinux) and by the other namespaces. A
  process that gets out (a kernel bug, a host directory mounted in, `--privileged`) is root on
  the machine.
- **cgroup**: on a cgroup v2 host Docker gives each container its own cgroup namespace by
  default; on cgroup v1 it shares the host's. Either way its limits hold: the namespace only
  changes how `/proc/self/cgroup` reads.
""", "s3-namespaces-text"),
        code("""
# And the kernel: a container has none of its own. Inside, uname shows the host's kernel.
status, inside = lab.run("uname -r")
print("container:", inside.strip(), "| host:", lab.host_kernel())
sleeper.remove(force=True)
""", "s3-live-kernel"),
        Exercise(
            "a sandbox with a memory limit", points=3, covers=("S3",),
            text="""
Write `start_sandbox(api, hostname)` that starts a container from `lab.BASE_IMAGE` and
returns it (the `Container` object) **while it keeps running** (run `sleep 600` in it),
with:
- its hostname set to `hostname`,
- a memory limit of **`memory_mb` MiB**, your own value from the table under this text,
  with no swap beyond it: `memswap_limit` (memory plus swap) set to the same value.

Without `memswap_limit`, Docker lets a container use as much swap again as its memory limit
(on a host that has swap). Behind the course's guard (graded notebooks, and labs started with
`--student`) the two are set equal on every container, so the engine shows the same limit
either way: the tests read what your function **asks** the engine for, and inspect the real
container on the engine and from inside it.
""",
            params=(Param("memory_mb", "the sandbox's memory limit, in MiB", default=64,
                          choices=(48, 64, 80, 96, 112, 128, 160, 192)),),
            solution="""
def start_sandbox(api, hostname):
    ### BEGIN SOLUTION
    return api.containers.run(
        lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname,
        mem_limit="{{memory_mb}}m", memswap_limit="{{memory_mb}}m",
    )
    ### END SOLUTION
""",
            tests="""
check.sandbox(start_sandbox, docker, "visible-box")
### BEGIN HIDDEN TESTS
check.sandbox(start_sandbox, docker, "hidden-box-7", inside=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "the same process, two PIDs", points=2, covers=("S3",),
            text="""
Write `pid_on_host(container)` returning the **host's** PID of the container's main
process (the one that is PID 1 inside). The engine knows it: look in the container's
attributes (remember `container.reload()` so they are fresh).
""",
            solution="""
def pid_on_host(container):
    ### BEGIN SOLUTION
    container.reload()
    return container.attrs["State"]["Pid"]
    ### END SOLUTION
""",
            tests="""
check.host_pid(pid_on_host, docker)
### BEGIN HIDDEN TESTS
check.host_pid(pid_on_host, docker, proc=True)
### END HIDDEN TESTS
""",
        ),
        md("""
### A network of its own

The `net` namespace gives a container its own interfaces, addresses, routes and ports. With
no network (`network_mode="none"`) it has only a loopback, `lo`. Attached to a network (here
`network_mode="bridge"`, the engine's default one) it also gets an `eth0`: one end of a **veth
pair**, a virtual cable whose other end the engine left in the host's namespace (a `veth...`
interface there), plugged into the network's bridge. (Behind the course's guard, `bridge` is a
network of your own with no way out of the machine, and a container that asks for no network
gets none.) The kernel lists a namespace's interfaces in `/proc/net/dev`; the notebook's own
namespace is the host's:
""", "s3-network-text"),
        code("""
import socket

for mode in ("none", "bridge"):
    status, output = lab.run("cat /proc/net/dev; ip -o -4 addr show", network_mode=mode)
    print(f"inside a container with network_mode={mode!r}:\\n{output}")
print("the notebook's:", [name for index, name in socket.if_nameindex()])
""", "s3-live-network"),
        Exercise(
            "a network of its own", points=2, covers=("S3",),
            text="""
Write `interfaces(api, network_mode)` that starts a container from `lab.BASE_IMAGE` with that
`network_mode` (`"none"`, `"bridge"`, or the name of a network), reads the names of the network
interfaces it sees **from inside**, removes it, and returns the names as a sorted list, for
example `["eth0", "lo"]`. In `/proc/net/dev` each interface is a line `name: counters...`,
after two header lines. The tests compare with a container of their own.
""",
            solution="""
def interfaces(api, network_mode):
    ### BEGIN SOLUTION
    container = api.containers.run(lab.BASE_IMAGE, "cat /proc/net/dev", network_mode=network_mode, detach=True)
    try:
        container.wait()
        lines = container.logs().decode().splitlines()[2:]
    finally:
        container.remove(force=True)
    return sorted(line.split(":")[0].strip() for line in lines)
    ### END SOLUTION
""",
            tests="""
check.interfaces(interfaces, docker, ["none", "bridge"])
### BEGIN HIDDEN TESTS
check.interfaces(interfaces, docker, ["bridge", "none"], own_network=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 3. cgroups: the kernel enforces the limit

A memory limit is a **cgroup** setting. The container can read its own limit (with cgroup
v1 in `/sys/fs/cgroup/memory/memory.limit_in_bytes`, with cgroup v2 in
`/sys/fs/cgroup/memory.max`). When a process inside allocates more, the kernel's
out-of-memory killer ends it and the engine records `OOMKilled`.

`dd bs=NM count=1` allocates one buffer of N MiB, so it makes a handy allocator.
""", "s3-cgroup-text"),
        code("""
limit = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"
status, output = lab.run(limit, mem_limit="32m", memswap_limit="32m")
print("limit seen inside:", int(output) // 2**20, "MiB")

hog = docker.containers.run(lab.BASE_IMAGE, "dd if=/dev/zero of=/dev/null bs=96M count=1",
                            mem_limit="32m", memswap_limit="32m", detach=True)
print("exit status:", hog.wait()["StatusCode"])
hog.reload()
print("OOMKilled:", hog.attrs["State"]["OOMKilled"])
hog.remove()
""", "s3-live-oom"),
        md("""
Exit status 137 is how a death by signal is reported. A process killed by a signal has no exit
code of its own, so the engine, like the shell, reports 128 + the signal's number: 137 = 128 + 9,
**SIGKILL**, the signal the kernel's out-of-memory killer sends (it cannot be caught). A process
that ends by itself reports its own code, 0 for success; by convention, codes above 128 mean a
signal.
""", "s3-exit-text"),
        Exercise(
            "does it fit?", points=3, covers=("S3",),
            text="""
Write `survives(api, limit_mb, alloc_mb)` that runs a container from `lab.BASE_IMAGE` through
`api` with a memory limit of `limit_mb` MiB and no swap beyond it (the same `memswap_limit`),
makes it allocate `alloc_mb` MiB, waits for it to end, **removes it**, and returns `True` if it
finished normally, `False` if the kernel killed it.
""",
            solution="""
def survives(api, limit_mb, alloc_mb):
    ### BEGIN SOLUTION
    container = api.containers.run(
        lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
        mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True,
    )
    try:
        return container.wait()["StatusCode"] == 0
    finally:
        container.remove(force=True)
    ### END SOLUTION
""",
            tests="""
check.survives(survives, docker, cases=[(64, 8, True), (32, 96, False)])
### BEGIN HIDDEN TESTS
check.survives(survives, docker, cases=[(48, 16, True), (64, 100, False), (24, 64, False), (128, 40, True)])
### END HIDDEN TESTS
""",
        ),
        Question(
            2, text="""
A container and a VM both isolate an application. In two or three sentences: which
kernel does each one run on, and what does that mean for what you can run inside
(say, a different operating system) and for how quickly it starts?
""",
            answer="""
A VM boots its own guest kernel on virtual hardware provided by a hypervisor, so it can
run a different OS (Windows, another Linux version) but must boot a whole OS first. A
container is a host process isolated by namespaces and cgroups: it shares the host's
kernel, so it can only run programs for that kernel, and starts as fast as a process.
""",
        ),
    ),
    cleanup="""
lab.cleanup()   # remove anything this notebook left on the engine
""",
    #A plausible partial submission: exercises 1 and 3 right (reference answers), exercise 2
    #with the classic unit mistake (a bare number is bytes), exercises 4 and 5 not attempted.
    partial={
    "ex1-solution": None,
    "ex3-solution": None,
    "ex2-solution": """
def start_sandbox(api, hostname):
    return api.containers.run(lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname,
                              mem_limit={{memory_mb}} * 1000 * 1000)
""".strip(),
},
)
