"""Other answers to the `vms` exercises: each uses the lesson's own `machine` (or boots its own)."""

from answers import Answer

DEPENDS: dict[int, tuple[int, ...]] = {}

#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {2: r"the guest sees \d+ MiB; your exercise asks for \d+ MiB"}

ANSWERS = [
    # -- ex1: guest_facts(machine) --------------------------------------------------------------
    Answer(1, "proc-files-and-cut", '''
def guest_facts(machine):
    read = lambda command: machine.run(command).output.strip()
    return {
        "kernel": read("cat /proc/sys/kernel/osrelease"),
        "memory_kb": int(read("awk '/^MemTotal/ {print $2}' /proc/meminfo")),
        "cpus": int(read("grep -c ^processor /proc/cpuinfo")),
        "uptime_s": float(read("cut -d' ' -f1 /proc/uptime")),
    }
'''),
    Answer(1, "one-command-whole-seconds", '''
def guest_facts(machine):
    release, meminfo, cpus, uptime = machine.run(
        "uname -r; grep MemTotal /proc/meminfo; nproc; cat /proc/uptime").output.strip().splitlines()
    return {"kernel": release, "memory_kb": int(meminfo.split()[1]), "cpus": int(cpus),
            "uptime_s": int(float(uptime.split()[0]))}
'''),
    Answer(1, "the-machines-own-helpers", '''
def guest_facts(machine):
    return {"kernel": machine.kernel_release(), "memory_kb": machine.memory_kb(), "cpus": machine.cpus(),
            "uptime_s": machine.uptime_s()}
'''),
    Answer(1, "host-kernel-and-uptime", '''
import platform, time
import psutil

def guest_facts(machine):
    memory_kb = int(machine.run("grep MemTotal /proc/meminfo").output.split()[1])
    cpus = int(machine.run("nproc").output.strip())
    return {"kernel": platform.release(), "memory_kb": memory_kb, "cpus": cpus,
            "uptime_s": time.time() - psutil.boot_time()}
''', feedback=r"host's kernel"),
    Answer(1, "host-memory", '''
import psutil

def guest_facts(machine):
    return {"kernel": machine.run("uname -r").output.strip(), "memory_kb": psutil.virtual_memory().total // 1024,
            "cpus": int(machine.run("nproc").output), "uptime_s": float(machine.run("cat /proc/uptime").output.split()[0])}
''', feedback=r"the guest's MemTotal is \d+ kB"),
    Answer(1, "boot-seconds-as-uptime", '''
def guest_facts(machine):
    return {"kernel": machine.run("uname -r").output.strip(),
            "memory_kb": int(machine.run("grep MemTotal /proc/meminfo").output.split()[1]),
            "cpus": int(machine.run("nproc").output), "uptime_s": machine.boot_seconds}
''', feedback=r"that is how long the boot took"),
    Answer(1, "numbers-left-as-text", '''
def guest_facts(machine):
    return {"kernel": machine.run("uname -r").output.strip(),
            "memory_kb": machine.run("grep MemTotal /proc/meminfo").output.split()[1],
            "cpus": machine.run("nproc").output.strip(),
            "uptime_s": float(machine.run("cat /proc/uptime").output.split()[0])}
''', feedback=r"must be a whole number"),

    # -- ex2: boot_configured(memory_mb, cpus) --------------------------------------------------
    Answer(2, "positional", '''
def boot_configured(memory_mb, cpus):
    return vm.boot(memory_mb, cpus)


my_machine = boot_configured({{vm_memory_mb}}, 2)
'''),
    Answer(2, "keywords-reordered-longer-timeout", '''
from course.vm import boot

def boot_configured(memory_mb, cpus):
    machine = boot(cpus=cpus, memory_mb=memory_mb, boot_timeout=120)
    assert machine.alive
    return machine


my_machine = boot_configured({{vm_memory_mb}}, 2)
'''),
    Answer(2, "shut-down-by-the-with-block", '''
def boot_configured(memory_mb, cpus):
    with vm.boot(memory_mb=memory_mb, cpus=cpus) as machine:
        return machine


my_machine = boot_configured({{vm_memory_mb}}, 2)
''', feedback=r"not running any more"),
    Answer(2, "cpus-forgotten", '''
def boot_configured(memory_mb, cpus):
    return vm.boot(memory_mb=memory_mb)


my_machine = boot_configured({{vm_memory_mb}}, 2)
''', feedback=r"the guest sees 1 CPU\(s\); asked for 2"),

    # -- ex3: guest_process_count(machine) ------------------------------------------------------
    Answer(3, "processes-helper", '''
def guest_process_count(machine):
    return len(machine.processes())
'''),
    Answer(3, "proc-directories", '''
def guest_process_count(machine):
    return sum(name.isdigit() for name in machine.run("ls /proc").output.split())
'''),
    Answer(3, "ps-pid-column", '''
def guest_process_count(machine):
    pids = machine.run("ps -o pid").output.split()[1:]
    return len([p for p in pids if p.isdigit()])
'''),
    Answer(3, "header-counted", '''
def guest_process_count(machine):
    return len(machine.run("ps").output.strip().splitlines())
''', feedback=r"header line \(PID USER COMMAND\) is not a process"),
    Answer(3, "pipeline-wc-minus-header", '''
def guest_process_count(machine):
    return int(machine.run("ps | wc -l").output) - 1
''', feedback=r"'ps \| wc -l' is a pipeline: the guest's shell stays"),
    Answer(3, "the-hosts-table", '''
import os

def guest_process_count(machine):
    return len([d for d in os.listdir("/proc") if d.isdigit()])
''', feedback=r"about the number of processes on the host"),
]
