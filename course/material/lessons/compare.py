"""Assignment `compare`: a VM beside a container, measured (seed points S4, and S5's performance)."""

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

LESSON = Lesson(
    assignment="compare",
    position=40,
    title="VM vs container: measure both",
    minutes=35,
    seed_points=("S4",),
    checks="compare",
    grading_seconds=15,
    opening="""
It also puts S5's performance claim (why use Docker) to the test, with numbers you measure yourself.
""",
    questions=(
        "What is the difference between a VM's stack and a container's?",
        "How much faster does a container start, and how much less does it cost, measured here?",
        "Whose kernel does each of them run?",
    ),
    objectives=(
        ("draw the two stacks, a VM's (hardware, hypervisor, guest OS, bins/libs, app; on a host OS "
         "for type 2) and a container's (hardware, host OS kernel, bins/libs, app, with the Docker engine "
         "beside them), and say what the difference means, for speed and for isolation"),
        ("measure, with repeats, the start time, memory, disk footprint and kernel of a real VM and a "
         "real container, collect them in a tidy pandas DataFrame, and say what each number includes"),
        ("draw conclusions from **your own data**: whose kernel each one runs, and how many times "
         "faster a container starts"),
    ),
    keypoints=(
        ("A VM stack has a hypervisor and a **guest OS with its own kernel** per VM; a container has only "
         "its **bins/libs and app**, on the **host's kernel**; the Docker engine sets it up and stands aside."),
        ("Measured here: a container starts in a fraction of a second and costs megabytes; a VM boots "
         "a kernel in seconds and costs a hundred megabytes or more. Under TCG the VM's side is slower "
         "still than with KVM."),
        ("Because the kernel is shared, a container's I/O is the host kernel's own: no emulated device "
         "in between. The price: it runs only software for the host's kernel, and a kernel flaw "
         "exposes every container on it; microVMs (Kata, Firecracker) and gVisor sit between."),
    ),
    episode=(
        md("""
## 1. Two stacks

On the left, each VM carries a whole **guest OS with its own kernel**, on a hypervisor
that runs on the hardware (type 1) or as a program on a host OS (type 2). On the right,
containers hold **only the binaries and libraries their application needs**, and
**share the host's kernel**. The Docker engine is drawn beside them, not beneath: it is
a process that sets each container up (namespaces, cgroups, a root filesystem, through
containerd and runc) and then stands aside, so a container's system calls go straight to
the host's kernel. Sharing the kernel means no second kernel to boot and no emulated
device in the way of I/O.
""", "s4-concept"),
        code("""
from course import figures, lab, measure, vm

docker = lab.client()
figures.stacks();
""", "s4-live-stacks"),
        md("""
The shared kernel is also the price. A VM's guest can only reach the host through the
hypervisor's small interface (virtual devices, VM exits); a container talks to the host's
whole kernel, several hundred system calls, so one kernel flaw can let a process out of
every container on that host, and a container can run only software made for the host's
kernel (a Linux one). Between the two sit **Kata Containers** (each container in a
lightweight VM of its own), **Firecracker** microVMs (a minimal KVM hypervisor that boots
a kernel in a fraction of a second, used by AWS Lambda) and **gVisor** (a kernel written as
a user-space program, answering the container's system calls itself). Docker Desktop on
macOS and Windows runs the engine inside a small Linux VM for the same reason: its
containers need a Linux kernel, and the host does not have one.
""", "s4-isolation-text"),
        md("""
## 2. One of each, measured

`measure.vm_row(run)` boots a VM, runs `uname -r` in it and shuts it down;
`measure.container_row(docker, image, run)` does the same with a container. Each returns
one row:
- `kind`, `run`, and `start_s`: seconds until the first command answered;
- `memory_mb`, what it costs the host: for the VM, QEMU's resident memory (the guest pages
  it has touched, QEMU itself, and under TCG its cache of translated code); for the
  container, its memory cgroup (its processes and the files they cached), which leaves
  out its `containerd-shim`, a process outside the cgroup (some 10 MiB resident, much of
  it the shim's program, shared by every shim);
- `disk_mb`, what it starts from: for the VM, the kernel and initramfs it boots live (an
  installed VM would boot from a disk image of gigabytes); for the container, its image,
  here a busybox one of 2 MiB (a Debian base image is about 120 MB);
- `kernel`, the release it runs on, and `boot_id`, the boot ID of that running kernel: a
  random ID each kernel draws when it boots. A release names a build, so a VM and its host
  may share one; a boot ID names one boot, and a container reads its host's.

Which accelerator the VMs use decides what the start times say; the cell below prints
it. Under TCG (wherever KVM is missing, and in graded notebooks, whose user may not open
`/dev/kvm`) the guest's boot is emulated, so the VM's side is several times slower than
with KVM, and the start ratio larger.
""", "s4-measure-text"),
        code("""
import pandas as pd

accel = vm.choose_accel()
print(f"the VMs here run under {accel.name.upper()} ({accel.reason})")
pd.DataFrame([measure.vm_row(0), measure.container_row(docker, lab.BASE_IMAGE, 0)])
""", "s4-live-one-each"),
        Exercise(
            "collect the data", points=3, covers=("S4",),
            text="""
Write `collect(repeats)` returning a DataFrame with **exactly** the columns
`kind, run, start_s, memory_mb, disk_mb, kernel, boot_id` and `2 * repeats` rows: for
each `run` in `range(repeats)`, one VM row and one container row. Measure them
alternately (VM, container, VM, ...) so that the machine's load affects both alike, and
show progress with `tqdm` (`from tqdm.auto import tqdm`).

Then collect **your data**, `data`, with your own number of repeats, `repeats` in the table
under this text: everything below is computed from it.
""",
            params=(Param("repeats", "how many runs of each your data holds", default=3, choices=(3, 4)),),
            solution="""
from tqdm.auto import tqdm

def collect(repeats):
    ### BEGIN SOLUTION
    rows = []
    for run in tqdm(range(repeats), desc="measuring"):
        rows.append(measure.vm_row(run))
        rows.append(measure.container_row(docker, lab.BASE_IMAGE, run))
    return pd.DataFrame(rows, columns=["kind", "run", "start_s", "memory_mb", "disk_mb", "kernel", "boot_id"])
    ### END SOLUTION

### BEGIN SOLUTION
data = collect({{repeats}})
### END SOLUTION
""",
            tests="""
check.collected(collect, 1)
### BEGIN HIDDEN TESTS
check.collected(collect, 2, kernels=True)
check.your_data(globals().get("data"))
### END HIDDEN TESTS
""",
        ),
        code("""
data     # your measurements (Exercise 1): everything below is computed from them
""", "s4-live-collect"),
        Exercise(
            "summarise", points=3, covers=("S4", "S5"),
            text="""
Write `summarise(df)` returning one row per `kind` (the index: `"container"` and `"vm"`)
with the **median** of `start_s`, `memory_mb` and `disk_mb`.
""",
            solution="""
def summarise(df):
    ### BEGIN SOLUTION
    return df.groupby("kind")[["start_s", "memory_mb", "disk_mb"]].median()
    ### END SOLUTION
""",
            tests="""
check.summarised(summarise, globals().get("data"))
### BEGIN HIDDEN TESTS
check.summarised(summarise, globals().get("data"), strict=True, shuffled=True)
### END HIDDEN TESTS
""",
        ),
        code("""
summary = summarise(data)
figures.medians_chart(summary);
""", "s4-live-chart"),
        Exercise(
            "conclusions from your data", points=3, covers=("S4", "S5"),
            text="""
Set these from `data` and `summary` (compute them; do not type numbers in):
- `container_kernel_is_host`: does the container run on the host's running kernel? (Compare
  the `boot_id` column with `lab.host_boot_id()`: the release alone cannot tell two boots
  of one kernel build apart.)
- `vm_kernel_is_host`: does the VM?
- `start_ratio`: how many times longer the VM's median start takes than the container's.
- `memory_ratio`: the same for memory.
""",
            solution="""
### BEGIN SOLUTION
host = lab.host_boot_id()
container_kernel_is_host = bool((data[data.kind == "container"].boot_id == host).all())
vm_kernel_is_host = bool((data[data.kind == "vm"].boot_id == host).all())
start_ratio = summary.loc["vm", "start_s"] / summary.loc["container", "start_s"]
memory_ratio = summary.loc["vm", "memory_mb"] / summary.loc["container", "memory_mb"]
### END SOLUTION
print(f"a container starts {start_ratio:.0f}x faster and costs {memory_ratio:.0f}x less memory")
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
The note says that sharing the kernel "makes I/O simple, which improves performance".
Using the two stacks: what does a disk write from an application go through in a VM,
and in a container?
""",
            answer="""
In a VM the write goes through the guest kernel's file system and a virtual disk driver,
is trapped by the hypervisor, emulated as a device, and written again by the host kernel:
two kernels and an emulation layer. In a container it is one system call into the host's
kernel (through an overlay file system or a volume): no second kernel, no emulated device.
""",
        ),
    ),
    cleanup="""
lab.cleanup()
""",
    #Exercises 1 and 2 right; the start ratio inverted (container / VM), kernels swapped.
    partial={
    "ex1-solution": None,
    "ex2-solution": None,
    "ex3-solution": """
container_kernel_is_host = False
vm_kernel_is_host = True
start_ratio = summary.loc["container", "start_s"] / summary.loc["vm", "start_s"]
memory_ratio = summary.loc["container", "memory_mb"] / summary.loc["vm", "memory_mb"]
print(f"a container starts {start_ratio:.0f}x faster and costs {memory_ratio:.0f}x less memory")
""".strip(),
},
)
