"""`containers`: other correct answers and plausible mistakes, written apart from the reference.

Graded behind the guard, which sets swap equal to memory on every container: the answers that
forget `memswap_limit` must still fail (the checks read the request), and the CLI answers go
through `DOCKER_HOST` as a learner's subprocess would.
"""

from answers import Answer

DEPENDS: dict[int, tuple[int, ...]] = {}
#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {2: r"your container has a \d+ MiB limit; your exercise asks for \d+ MiB"}

#: Exercise 4 through `ip -o link`: its lines read "2: eth0@if12: <...> ..." (answers differ in the name).
IP_LINK = r'''
def interfaces(api, network_mode):
    box = api.containers.run(lab.BASE_IMAGE, "ip -o link", network_mode=network_mode, detach=True)
    box.wait()
    out = box.logs().decode()
    box.remove()'''

ANSWERS = [
    # -- 1: engine_facts ---------------------------------------------------------------------
    Answer(1, "low-level-api", r'''
def engine_facts(api):
    low = api.api
    return {"version": low.version()["Version"], "go_version": low.version()["GoVersion"],
            "runtime": low.info()["DefaultRuntime"]}
'''),
    Answer(1, "docker-cli-templates", r'''
import subprocess


def engine_facts(api):
    def ask(*args):
        return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.strip()
    return {"version": ask("version", "--format", "{{.Server.Version}}"),
            "go_version": ask("version", "--format", "{{.Server.GoVersion}}"),
            "runtime": ask("info", "--format", "{{.DefaultRuntime}}")}
'''),
    Answer(1, "sdk-version", r'''
import docker as docker_sdk


def engine_facts(api):
    return {"version": docker_sdk.__version__, "go_version": api.version()["GoVersion"],
            "runtime": api.info()["DefaultRuntime"]}
''', feedback=r"that is the Python SDK version"),
    Answer(1, "runtimes-version-not-its-name", r'''
def engine_facts(api):
    v = api.version()
    runc = next(c for c in v["Components"] if c["Name"] == "runc")
    return {"version": v["Version"], "go_version": v["GoVersion"], "runtime": runc["Version"]}
''', feedback=r"runtime is .* but the engine's default runtime is"),
    Answer(1, "python-version-for-go", r'''
import platform


def engine_facts(api):
    return {"version": api.version()["Version"], "go_version": platform.python_version(),
            "runtime": api.info()["DefaultRuntime"]}
''', feedback=r"go_version is .*the engine reports something like"),
    # -- 2: start_sandbox --------------------------------------------------------------------
    Answer(2, "bytes-as-integers", r'''
def start_sandbox(api, hostname):
    limit = {{memory_mb}} * 1024 * 1024
    return api.containers.run(lab.BASE_IMAGE, ["sleep", "600"], detach=True, hostname=hostname,
                              mem_limit=limit, memswap_limit=limit)
'''),
    Answer(2, "create-then-start", r'''
def start_sandbox(api, hostname):
    box = api.containers.create(lab.BASE_IMAGE, "sleep 600", hostname=hostname, mem_limit="{{memory_mb}}M",
                                memswap_limit="{{memory_mb}}M")
    box.start()
    return box
'''),
    Answer(2, "docker-cli", r'''
import subprocess


def start_sandbox(api, hostname):
    cid = subprocess.run(["docker", "run", "-d", "--hostname", hostname, "--memory", "{{memory_mb}}m",
                          "--memory-swap", "{{memory_mb}}m", lab.BASE_IMAGE, "sleep", "600"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return api.containers.get(cid)
'''),
    # Reads the value instead of typing it: correct (and, honestly, it would survive being copied).
    Answer(2, "reads-its-own-value", r'''
from course.lab import variant


def start_sandbox(api, hostname):
    limit = f"{variant.value('containers', 'memory_mb')}m"
    return api.containers.run(lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname, mem_limit=limit,
                              memswap_limit=limit)
'''),
    Answer(2, "no-memswap-limit", r'''
def start_sandbox(api, hostname):
    return api.containers.run(lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname, mem_limit="{{memory_mb}}m")
''', feedback=r"no memswap_limit: Docker then lets the container use as much swap again"),
    Answer(2, "swap-as-much-again", r'''
def start_sandbox(api, hostname):
    return api.containers.run(lab.BASE_IMAGE, "sleep 600", detach=True, hostname=hostname,
                              mem_limit="{{memory_mb}}m", memswap_limit=f"{2 * {{memory_mb}}}m")
''', feedback=r"memory\+swap of (\d+) MiB with a (\d+) MiB memory limit: the container may swap \2 MiB more"),
    Answer(2, "command-that-ends", r'''
def start_sandbox(api, hostname):
    return api.containers.run(lab.BASE_IMAGE, "true", detach=True, hostname=hostname,
                              mem_limit="{{memory_mb}}m", memswap_limit="{{memory_mb}}m")
''', feedback=r"the container is not running"),
    # -- 3: pid_on_host ----------------------------------------------------------------------
    Answer(3, "top-lists-host-pids", r'''
def pid_on_host(container):
    return int(container.top()["Processes"][0][1])
'''),
    Answer(3, "low-level-inspect", r'''
def pid_on_host(container):
    return container.client.api.inspect_container(container.id)["State"]["Pid"]
'''),
    Answer(3, "pid-one", r'''
def pid_on_host(container):
    return 1
''', feedback=r"1 is the PID \*inside\* the container"),
    Answer(3, "stale-attributes", r'''
def pid_on_host(container):
    return container.attrs["State"]["Pid"]
''', feedback=r"call container.reload\(\) first"),
    # -- 4: interfaces -----------------------------------------------------------------------
    Answer(4, "ip-link-without-the-peer", IP_LINK + r'''
    return sorted(line.split(": ")[1].split("@")[0] for line in out.splitlines())
'''),
    Answer(4, "sys-class-net-as-a-set", r'''
def interfaces(api, network_mode):
    box = api.containers.create(lab.BASE_IMAGE, "ls /sys/class/net", network_mode=network_mode)
    box.start()
    box.wait()
    names = set(box.logs().decode().split())
    box.remove(force=True)
    return names
'''),
    Answer(4, "docker-cli", r'''
import subprocess


def interfaces(api, network_mode):
    out = subprocess.run(["docker", "run", "--rm", "--network", network_mode, lab.BASE_IMAGE,
                          "cat", "/proc/net/dev"], capture_output=True, text=True, check=True).stdout
    return sorted(line.split(":")[0].strip() for line in out.splitlines() if ":" in line)
'''),
    Answer(4, "the-notebooks-own", r'''
import socket


def interfaces(api, network_mode):
    return sorted(name for index, name in socket.if_nameindex())
''', feedback=r"the notebook's own network namespace"),
    Answer(4, "network-mode-not-passed", r'''
def interfaces(api, network_mode):
    box = api.containers.run(lab.BASE_IMAGE, "cat /proc/net/dev", detach=True)
    box.wait()
    lines = box.logs().decode().splitlines()[2:]
    box.remove()
    return sorted(line.split(":")[0].strip() for line in lines)
''', feedback=r"the same for every network_mode"),
    Answer(4, "header-lines-kept", r'''
def interfaces(api, network_mode):
    box = api.containers.run(lab.BASE_IMAGE, "cat /proc/net/dev", network_mode=network_mode, detach=True)
    box.wait()
    lines = box.logs().decode().splitlines()
    box.remove()
    return sorted(line.split()[0].rstrip(":") for line in lines)
''', feedback=r"two header lines of /proc/net/dev"),
    Answer(4, "ip-link-names-with-the-peer", IP_LINK + r'''
    return sorted(line.split(": ")[1] for line in out.splitlines())
''', feedback=r"index of its peer"),
    # -- 5: survives -------------------------------------------------------------------------
    Answer(5, "blocking-run-and-its-error", r'''
import docker as docker_sdk


def survives(api, limit_mb, alloc_mb):
    try:
        api.containers.run(lab.BASE_IMAGE, ["dd", "if=/dev/zero", "of=/dev/null", f"bs={alloc_mb}M", "count=1"],
                           mem_limit=limit_mb * 2**20, memswap_limit=limit_mb * 2**20, remove=True)
    except docker_sdk.errors.ContainerError:
        return False
    return True
'''),
    Answer(5, "oom-killed-flag", r'''
def survives(api, limit_mb, alloc_mb):
    c = api.containers.create(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                              mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m")
    c.start()
    c.wait()
    c.reload()
    killed = c.attrs["State"]["OOMKilled"]
    c.remove()
    return not killed
'''),
    Answer(5, "docker-cli-exit-status", r'''
import subprocess


def survives(api, limit_mb, alloc_mb):
    done = subprocess.run(["docker", "run", "--rm", "-m", f"{limit_mb}m", "--memory-swap", f"{limit_mb}m",
                           lab.BASE_IMAGE, "dd", "if=/dev/zero", "of=/dev/null", f"bs={alloc_mb}M", "count=1"],
                          capture_output=True)
    return done.returncode == 0
'''),
    Answer(5, "does-not-wait", r'''
def survives(api, limit_mb, alloc_mb):
    c = api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                           mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True)
    c.reload()
    fine = c.attrs["State"]["ExitCode"] == 0
    c.remove(force=True)
    return fine
''', feedback=r"did not wait for (its|the) container"),
    Answer(5, "no-memswap-limit", r'''
def survives(api, limit_mb, alloc_mb):
    c = api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                           mem_limit=f"{limit_mb}m", detach=True)
    try:
        return c.wait()["StatusCode"] == 0
    finally:
        c.remove(force=True)
''', feedback=r"no memswap_limit"),
    Answer(5, "leaves-its-containers", r'''
def survives(api, limit_mb, alloc_mb):
    c = api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                           mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True)
    return c.wait()["StatusCode"] == 0
''', feedback=r"left \d+ container\(s\) behind"),
    Answer(5, "returns-the-status-code", r'''
def survives(api, limit_mb, alloc_mb):
    c = api.containers.run(lab.BASE_IMAGE, f"dd if=/dev/zero of=/dev/null bs={alloc_mb}M count=1",
                           mem_limit=f"{limit_mb}m", memswap_limit=f"{limit_mb}m", detach=True)
    code = c.wait()["StatusCode"]
    c.remove()
    return code
''', feedback=r"not True/False"),
]
