"""Assignment `vms`: a virtual machine is a computer made in software (seed point S1)."""

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

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
        ("explain what a virtual machine, a hypervisor and a guest OS are, tell type 1 from type 2 "
         "hypervisors (VMware ESXi, Hyper-V, KVM; VirtualBox, VMware Workstation), and say what QEMU and "
         "KVM each do and what hardware virtualization (VT-x, AMD-V) saves over emulation (TCG)"),
        ("boot a real VM with QEMU and show that the guest runs **its own kernel**, with its own "
         "uptime, memory size, CPUs and process table"),
        ("start VMs of different configurations side by side on one host, and explain what each "
         "costs the host's memory"),
    ),
    overview="""
Every cell here drives a real virtual machine: Debian's Linux kernel under QEMU.
""",
    keypoints=(
        ("A VM is a computer made in software: a hypervisor divides real hardware between guests, each "
         "with its own OS, installed on a virtual disk from an ISO or, as here, booted live into memory "
         "from a kernel and an initramfs."),
        ("Type 1 hypervisors run on the hardware (ESXi, Hyper-V, Xen); type 2 run on a host OS "
         "(VirtualBox, VMware Workstation). KVM makes the Linux kernel the hypervisor and QEMU gives "
         "the VM its devices."),
        ("With VT-x / AMD-V the guest's code runs on the real CPU; without them QEMU's TCG translates "
         "it, several to tens of times slower."),
        ("The guest has its **own kernel** (its own uptime, even when its release is the host's), "
         "memory size, CPUs and process table, kernel threads included; a VM costs the host only the "
         "memory its guest has touched."),
    ),
    episode=(
        md("""
## 1. Why virtualize?

One physical machine running one operating system is wasteful: most of the time its
CPU and memory sit idle, and everyone who uses it must agree on one OS and one
configuration. **Virtualization** adds a layer, the **hypervisor**, that divides the real
hardware into several *virtual* computers, each with its own CPUs, memory and devices.
Each runs an operating system of its own, the *guest OS*, which believes it owns a whole machine.

- **Type 1** (bare-metal) hypervisors run directly on the hardware, in place of an OS:
  VMware ESXi, Microsoft Hyper-V, Xen.
- **Type 2** (hosted) hypervisors are programs on an ordinary host OS: **VirtualBox**,
  **VMware** Workstation.
- **KVM** is a module of the Linux kernel that makes the kernel itself the hypervisor
  (so it is usually counted as type 1). A user-space program, most often **QEMU**, gives
  each VM its devices (disk, serial port, network card) and asks KVM to run the guest's
  CPUs: that pair is "QEMU/KVM". QEMU can also run alone, as a type 2 hypervisor.

Modern CPUs help: with Intel's **VT-x** or AMD's **AMD-V** the guest's instructions run
directly on the real CPU, which hands control to the hypervisor only when the guest does
something it must not do itself, such as touching a device (a *VM exit*). Where KVM is
missing or unusable (many cloud and nested machines, like the one that grades you), QEMU
falls back to **TCG**, its Tiny Code Generator: it translates each block of guest code
into host code before running it. That works on any CPU, but the guest's code runs
several to tens of times slower, its boot included.

A VM needs the virtualization software and the guest OS, usually as an **ISO** file (a
disc image). An installer ISO boots once to *install* the OS onto the VM's virtual disk,
and the VM boots from that disk ever after. This course installs nothing: QEMU loads a
Linux kernel and an **initramfs** (a small root filesystem: busybox and an init script)
straight into the VM's memory and boots them, as a *live* ISO does (it holds a kernel, an
initramfs and a boot loader, and most often a compressed root filesystem read from the
disc). Nothing is written to a disk, and nothing survives a power-off.

The figure shows both kinds of VM stack, and on the right the container stack that the
next lessons build.
""", "s1-concept"),
        code("""
from course import figures

figures.stacks();
""", "s1-live-stacks"),
        code("""
from course import lab, vm

assets = vm.ensure_assets(install=False)      # what the VM boots from, as from a live ISO
kernel, packed = assets.kernel.vmlinux, assets.kernel.vmlinuz
print("kernel:   ", kernel.name, f"({kernel.stat().st_size / 2**20:.1f} MiB; Debian ships it compressed, "
      f"{packed.stat().st_size / 2**20:.1f} MiB, but unpacking it is slow under TCG)")
print("initramfs:", assets.initramfs.name, f"({assets.initramfs.stat().st_size / 2**20:.1f} MiB)")
""", "s1-live-assets"),
        md("""
## 2. Boot one

`vm.boot()` starts QEMU with that kernel and waits until the guest's shell is ready.
It says whether it could use KVM (hardware virtualization) or fell back to TCG.

The two kernel releases below may differ, or be the same on a Debian 12 host that runs
the same kernel package as the guest: a release names a kernel *build*. They are still two
kernels, each booted on its own: the guest's a moment ago, the host's before it.
""", "s1-boot-text"),
        code("""
machine = vm.boot(memory_mb=256, cpus=1)
print(f"booted in {machine.boot_seconds:.2f} s with {machine.accel} ({machine.accel_reason})")
print("guest kernel:", machine.kernel_release(), f"up {machine.uptime_s():.1f} s")
print("host kernel: ", lab.host_kernel(), f"up {lab.host_uptime_s():.0f} s")
""", "s1-live-boot"),
        code("""
# The guest's own memory and CPUs: what the hypervisor gave it, not what the host has.
import psutil

print(f"guest: {machine.memory_kb() / 1024:.0f} MiB, {machine.cpus()} CPU(s)")
print(f"host:  {psutil.virtual_memory().total / 2**20:.0f} MiB, {psutil.cpu_count()} CPU(s)")
print(machine.run("dmesg | grep 'Memory:'").output)   # the guest kernel's own account, at boot
""", "s1-live-resources"),
        md("""
The guest was given 256 MiB and sees about 200: `MemTotal` counts only the memory its
kernel can hand out. The kernel's own image (code, read-only data, data and bss: some
40 MiB for Debian's general-purpose kernel) and what it reserved while booting (among it
a 64-byte `struct page` describing each 4 KiB page) are not in it.
""", "s1-memory-text"),
        code("""
# The guest's own process table: its PID 1 is its own init, and the host's processes are not there.
import pandas as pd

pd.DataFrame([p.__dict__ for p in machine.processes()]).head(10)
""", "s1-live-processes"),
        md("""
PID 1 is the course's init script. The rows in [brackets] are **kernel threads**: the
guest kernel's own workers (`kthreadd`, PID 2, starts them; `ksoftirqd`, `kworker`,
`kswapd`...), which run in kernel mode and have no program file. And `ps` lists itself:
every command you run in the guest is one of its processes while it runs.
""", "s1-processes-text"),
        Exercise(
            "ask the guest", points=3, covers=("S1",),
            text="""
Write `guest_facts(machine)` returning a dictionary read **from inside the guest** with
`machine.run(command)` (it returns a result whose `.output` is the command's output):
- `"kernel"`: the guest's kernel release (what `uname -r` prints there),
- `"memory_kb"`: the guest's total memory in kB (the `MemTotal` line of `/proc/meminfo`),
- `"cpus"`: how many CPUs the guest sees (`nproc`),
- `"uptime_s"`: how long the guest's kernel has been up, in seconds (the first number in
  its `/proc/uptime`): the proof that its own kernel answered, even where the host's
  release is the same.
""",
            solution="""
def guest_facts(machine):
    ### BEGIN SOLUTION
    kernel = machine.run("uname -r").output.strip()
    memory_kb = int(machine.run("grep MemTotal /proc/meminfo").output.split()[1])
    cpus = int(machine.run("nproc").output.strip())
    uptime_s = float(machine.run("cat /proc/uptime").output.split()[0])
    return {"kernel": kernel, "memory_kb": memory_kb, "cpus": cpus, "uptime_s": uptime_s}
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

What a VM costs the host is another matter. QEMU reserves the guest's memory as address
space, and the host kernel gives it a real page only when the guest first touches one:
a freshly booted guest has touched little beyond its kernel, so a 128 MiB and a 384 MiB
VM start at about the same cost (most of it QEMU's own: its program, the kernel file it
loaded, and under TCG its cache of translated code). Once the large guest fills 200 MiB,
its QEMU holds that much more, and keeps it after the guest frees it: the host cannot see
which guest pages are free again (a *balloon* driver in the guest can hand them back).
""", "s1-split-text"),
        code("""
small, large = vm.boot(memory_mb=128, cpus=1), vm.boot(memory_mb=384, cpus=2)
for name, guest in (("small", small), ("large", large)):
    print(f"{name}: {guest.memory_kb() / 1024:.0f} MiB, {guest.cpus()} CPU(s), "
          f"QEMU uses {guest.host_rss_bytes() / 2**20:.0f} MiB of the host's memory")
large.run("dd if=/dev/zero of=/dev/null bs=200M count=1")   # a 200 MiB buffer, touched once
print(f"large, after dd: QEMU uses {large.host_rss_bytes() / 2**20:.0f} MiB")
small.shutdown()
large.shutdown()
""", "s1-live-side-by-side"),
        Exercise(
            "a machine to order", points=3, covers=("S1",),
            text="""
Write `boot_configured(memory_mb, cpus)` that boots a VM with that much memory and that
many CPUs and returns it, running. Then use it to boot **your own machine**, `my_machine`,
with your own memory size, `vm_memory_mb` from the table under this text, and 2 CPUs.
(The tests check each guest's own view and shut it down.)
""",
            params=(Param("vm_memory_mb", "your machine's memory, in MiB", default=224, choices=(128, 224, 320)),),
            solution="""
def boot_configured(memory_mb, cpus):
    ### BEGIN SOLUTION
    return vm.boot(memory_mb=memory_mb, cpus=cpus)
    ### END SOLUTION

### BEGIN SOLUTION
my_machine = boot_configured({{vm_memory_mb}}, 2)
### END SOLUTION
""",
            tests="""
check.boot_configured(boot_configured, 160, 1)
check.my_machine(globals().get("my_machine"), cpus=2)
""",
        ),
        Exercise(
            "whose processes?", points=2, covers=("S1",),
            text="""
Write `guest_process_count(machine)` returning how many processes the **guest's** process
table holds, as `ps` run on its own lists them (hint: run `ps` in the guest and count the
lines after the header).
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
