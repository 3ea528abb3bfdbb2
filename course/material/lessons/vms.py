"""Assignment `vms`: a virtual machine is a computer made in software (seed point S1)."""

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question

LESSON = Lesson(
    assignment="vms",
    position=10,
    title="Virtual machines: a computer made in software",
    minutes=30,
    seed_points=("S1",),
    checks="vms",
    grading_seconds=12,
    questions=(
        "What is a virtual machine, and what does a hypervisor do?",
        "How does a guest OS differ from the host's, if both run on one computer?",
        "How can one host run several machines of different sizes at once?",
    ),
    objectives=(
        ("explain what a virtual machine, a hypervisor and a guest OS are, and tell type 1 from type 2 "
         "hypervisors (VMware ESXi, KVM; VirtualBox, VMware Workstation, QEMU)"),
        ("boot a real VM with QEMU and show that the guest runs **its own kernel**, with its own "
         "memory size, CPUs and process table"),
        "start VMs of different configurations side by side on one host",
    ),
    overview="""
Every cell here drives a real virtual machine: Debian's Linux kernel under QEMU.
""",
    keypoints=(
        ("A VM is a computer made in software: a hypervisor divides real hardware, and a new guest OS "
         "is installed on each VM from an installer image (an ISO; here a kernel and an initramfs)."),
        ("Type 1 hypervisors run on the hardware (ESXi, Hyper-V, KVM); type 2 run on a host OS "
         "(VirtualBox, VMware Workstation, QEMU)."),
        ("The guest has its **own kernel**, memory size, CPUs and process table; several VMs with "
         "different configurations share one host."),
    ),
    episode=(
        md("""
## 1. Why virtualize?

One physical machine running one operating system is wasteful: most of the time its
CPU and memory sit idle, and everyone who uses it must agree on one OS and one
configuration. **Virtualization** adds a layer, the **hypervisor**, that divides the real
hardware into several *virtual* computers. On each one a **new operating system is
installed**, the *guest OS*, which believes it owns a whole machine.

- **Type 1** (bare-metal) hypervisors run directly on the hardware: VMware ESXi,
  Microsoft Hyper-V, Xen; Linux's KVM turns the Linux kernel itself into one.
- **Type 2** (hosted) hypervisors are programs on an ordinary host OS: **VirtualBox**,
  **VMware** Workstation, and **QEMU** (which uses KVM when the CPU and kernel allow it,
  and emulates the CPU in software, "TCG", when not).

To make a VM you need the virtualization software and the guest OS's **installer image**,
usually an **ISO** file (a disc image). In this course a Linux kernel and a small
initramfs (a root filesystem in memory) play the role of that installer image.
""", "s1-concept"),
        code("""
from course import lab, vm

assets = vm.ensure_assets(install=False)      # what the VM boots from: our "installer image"
print("kernel:   ", assets.kernel.vmlinuz.name, f"({assets.kernel.vmlinuz.stat().st_size / 2**20:.1f} MiB)")
print("initramfs:", assets.initramfs.name, f"({assets.initramfs.stat().st_size / 2**20:.1f} MiB)")
""", "s1-live-assets"),
        md("""
## 2. Boot one

`vm.boot()` starts QEMU with that kernel and waits until the guest's shell is ready.
It says whether it could use KVM (hardware virtualization) or fell back to TCG.
""", "s1-boot-text"),
        code("""
machine = vm.boot(memory_mb=256, cpus=1)
print(f"booted in {machine.boot_seconds:.2f} s with {machine.accel} ({machine.accel_reason})")
print("guest kernel:", machine.kernel_release())
print("host kernel: ", lab.host_kernel())
""", "s1-live-boot"),
        code("""
# The guest's own memory and CPUs: what the hypervisor gave it, not what the host has.
import psutil

print(f"guest: {machine.memory_kb() / 1024:.0f} MiB, {machine.cpus()} CPU(s)")
print(f"host:  {psutil.virtual_memory().total / 2**20:.0f} MiB, {psutil.cpu_count()} CPU(s)")
""", "s1-live-resources"),
        code("""
# The guest's own process table: its PID 1 is its own init, and the host's processes are not there.
import pandas as pd

pd.DataFrame([p.__dict__ for p in machine.processes()]).head(10)
""", "s1-live-processes"),
        Exercise(
            "ask the guest", points=3, covers=("S1",),
            text="""
Write `guest_facts(machine)` returning a dictionary read **from inside the guest** with
`machine.run(command)` (it returns a result whose `.output` is the command's output):
- `"kernel"`: the guest's kernel release (what `uname -r` prints there),
- `"memory_kb"`: the guest's total memory in kB (the `MemTotal` line of `/proc/meminfo`),
- `"cpus"`: how many CPUs the guest sees (`nproc`).
""",
            solution="""
def guest_facts(machine):
    ### BEGIN SOLUTION
    kernel = machine.run("uname -r").output.strip()
    memory_kb = int(machine.run("grep MemTotal /proc/meminfo").output.split()[1])
    cpus = int(machine.run("nproc").output.strip())
    return {"kernel": kernel, "memory_kb": memory_kb, "cpus": cpus}
    ### END SOLUTION
""",
            tests="""
check.guest_facts(guest_facts, machine)
### BEGIN HIDDEN TESTS
check.guest_facts(guest_facts, machine, exact=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 3. Several machines, several configurations

One host can run several VMs at once, each with the memory and CPUs it was given:
that is how one computer is split between users, or runs different OS configurations
side by side.
""", "s1-split-text"),
        code("""
small, large = vm.boot(memory_mb=128, cpus=1), vm.boot(memory_mb=384, cpus=2)
for name, guest in (("small", small), ("large", large)):
    print(f"{name}: {guest.memory_kb() / 1024:.0f} MiB, {guest.cpus()} CPU(s), "
          f"QEMU uses {guest.host_rss_bytes() / 2**20:.0f} MiB of the host's memory")
small.shutdown()
large.shutdown()
""", "s1-live-side-by-side"),
        Exercise(
            "a machine to order", points=3, covers=("S1",),
            text="""
Write `boot_configured(memory_mb, cpus)` that boots a VM with that much memory and that
many CPUs and returns it, running. (The tests check the guest's own view and shut it down.)
""",
            solution="""
def boot_configured(memory_mb, cpus):
    ### BEGIN SOLUTION
    return vm.boot(memory_mb=memory_mb, cpus=cpus)
    ### END SOLUTION
""",
            tests="""
check.boot_configured(boot_configured, 160, 1)
### BEGIN HIDDEN TESTS
check.boot_configured(boot_configured, 320, 2)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "whose processes?", points=2, covers=("S1",),
            text="""
Write `guest_process_count(machine)` returning how many processes the **guest's** process
table holds (hint: run `ps` in the guest and count the lines after the header).
""",
            solution="""
def guest_process_count(machine):
    ### BEGIN SOLUTION
    lines = machine.run("ps").output.strip().splitlines()
    return len(lines) - 1
    ### END SOLUTION
""",
            tests="""
check.process_count(guest_process_count, machine)
### BEGIN HIDDEN TESTS
check.process_count(guest_process_count, machine, against_host=True)
### END HIDDEN TESTS
""",
        ),
        Question(
            2, text="""
VirtualBox runs as an application on your laptop's OS; VMware ESXi is installed on a
server instead of an OS. Which type of hypervisor is each, and what does the difference
mean for the overhead and for what the host is used for?
""",
            answer="""
VirtualBox is a type 2 (hosted) hypervisor: it runs on a host OS, so guests pay for the
host OS's scheduling and drivers too, but the machine remains an ordinary desktop. ESXi
is type 1 (bare metal): the hypervisor is the OS, with less overhead and stronger
isolation, and the machine exists only to run VMs.
""",
        ),
    ),
    cleanup="""
machine.shutdown()
lab.cleanup()
""",
    #Exercises 1 and 2 right; exercise 3 counts the host's processes (a classic mix-up).
    partial={
    "ex1-solution": None,
    "ex2-solution": None,
    "ex3-solution": """
def guest_process_count(machine):
    import psutil
    return len(psutil.pids())
""".strip(),
},
)
