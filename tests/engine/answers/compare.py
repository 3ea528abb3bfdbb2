"""Other answers to the `compare` exercises, measured for real: VMs booted, containers started."""

from answers import Answer

# ex2's tests read `data`, which collect (ex1) made; ex3's read `data` and `summary` (ex2).
DEPENDS = {2: (1,), 3: (1, 2)}
#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {1: r"your data has \d VM run\(s\) and \d container run\(s\); your exercise asks for \d of each"}

ANSWERS = [
    # -- ex1: collect(repeats) ------------------------------------------------------------------
    Answer(1, "the-lab-helper", '''
def collect(repeats):
    return measure.compare(docker, lab.BASE_IMAGE, repeats)


data = collect({{repeats}})
'''),
    Answer(1, "container-first-trange-records", '''
from tqdm.auto import trange

def collect(repeats):
    rows = []
    for run in trange(repeats):
        rows += [measure.container_row(docker, lab.BASE_IMAGE, run), measure.vm_row(run)]
    return pd.DataFrame.from_records(rows)[measure.COLUMNS]


data = collect({{repeats}})
'''),
    Answer(1, "manual-bar", '''
import tqdm

def collect(repeats):
    rows = []
    with tqdm.tqdm(total=2 * repeats, desc="VM, container, ...") as bar:
        for run in range(repeats):
            for measure_one in (measure.vm_row, lambda r: measure.container_row(docker, lab.BASE_IMAGE, r)):
                rows.append(measure_one(run))
                bar.update()
    return pd.DataFrame(rows, columns=["kind", "run", "start_s", "memory_mb", "disk_mb", "kernel", "boot_id"])


data = collect({{repeats}})
'''),
    Answer(1, "all-vms-first", '''
from tqdm.auto import tqdm

def collect(repeats):
    rows = [measure.vm_row(run) for run in tqdm(range(repeats), desc="VMs")]
    rows += [measure.container_row(docker, lab.BASE_IMAGE, run) for run in tqdm(range(repeats), desc="containers")]
    return pd.DataFrame(rows, columns=measure.COLUMNS)


data = collect({{repeats}})
''', feedback=r"order vm, vm, container, container: not alternating"),
    Answer(1, "all-vms-first-rows-sorted-after", '''
from tqdm.auto import tqdm

def collect(repeats):
    vms = [measure.vm_row(run) for run in tqdm(range(repeats))]
    boxes = [measure.container_row(docker, lab.BASE_IMAGE, run) for run in range(repeats)]
    return pd.DataFrame(vms + boxes, columns=measure.COLUMNS).sort_values("run", kind="stable").reset_index(drop=True)


data = collect({{repeats}})
''', feedback=r"not alternating"),
    Answer(1, "no-progress-bar", '''
def collect(repeats):
    rows = []
    for run in range(repeats):
        rows.append(measure.vm_row(run))
        rows.append(measure.container_row(docker, lab.BASE_IMAGE, run))
    return pd.DataFrame(rows, columns=measure.COLUMNS)


data = collect({{repeats}})
''', feedback=r"showed no progress bar"),

    # -- ex2: summarise(df) ---------------------------------------------------------------------
    Answer(2, "pivot-table", '''
def summarise(df):
    return df.pivot_table(index="kind", values=["start_s", "memory_mb", "disk_mb"], aggfunc="median")
'''),
    Answer(2, "python-statistics", '''
import statistics

def summarise(df):
    table = {kind: {col: statistics.median(group[col].tolist()) for col in ("start_s", "memory_mb", "disk_mb")}
             for kind, group in df.groupby("kind")}
    return pd.DataFrame.from_dict(table, orient="index")
'''),
    Answer(2, "mean", '''
def summarise(df):
    return df.groupby("kind")[["start_s", "memory_mb", "disk_mb"]].mean()
''', feedback=r"is [\d.]+: that is the mean; the median is [\d.]+\."),
    Answer(2, "not-grouped", '''
def summarise(df):
    return df[["start_s", "memory_mb", "disk_mb"]].median()
''', feedback=r"`summarise` returned Series"),

    # -- ex3: the conclusions -------------------------------------------------------------------
    Answer(3, "numpy-bools-and-own-medians", '''
host = lab.host_boot_id()
container_kernel_is_host = (data[data.kind == "container"].boot_id == host).all()
vm_kernel_is_host = (data.loc[data.kind == "vm", "boot_id"] == host).all()
medians = data.groupby("kind").median(numeric_only=True)
start_ratio = medians.start_s["vm"] / medians.start_s["container"]
memory_ratio = medians.memory_mb.vm / medians.memory_mb.container
print(f"a container starts {start_ratio:.0f}x faster and costs {memory_ratio:.0f}x less memory")
'''),
    Answer(3, "sets-of-boot-ids", '''
kernels = data.groupby("kind").boot_id.agg(set)
container_kernel_is_host = kernels["container"] == {lab.host_boot_id()}
vm_kernel_is_host = lab.host_boot_id() in kernels["vm"]
start_ratio, memory_ratio = (summary.loc["vm"] / summary.loc["container"])[["start_s", "memory_mb"]].tolist()
'''),
    Answer(3, "kernels-swapped", '''
host = lab.host_boot_id()
container_kernel_is_host = bool((data[data.kind == "container"].boot_id != host).all())
vm_kernel_is_host = bool((data[data.kind == "vm"].boot_id != host).all())
start_ratio = summary.loc["vm", "start_s"] / summary.loc["container", "start_s"]
memory_ratio = summary.loc["vm", "memory_mb"] / summary.loc["container", "memory_mb"]
''', feedback=r"container_kernel_is_host is False; your data says True"),
    Answer(3, "ratio-inverted", '''
host = lab.host_boot_id()
container_kernel_is_host = bool((data[data.kind == "container"].boot_id == host).all())
vm_kernel_is_host = bool((data[data.kind == "vm"].boot_id == host).all())
start_ratio = summary.loc["container", "start_s"] / summary.loc["vm", "start_s"]
memory_ratio = summary.loc["vm", "memory_mb"] / summary.loc["container", "memory_mb"]
''', feedback=r"start_ratio is [\d.]+: that is container / VM, the inverse"),
    Answer(3, "yes-and-no-as-text", '''
container_kernel_is_host, vm_kernel_is_host = "yes", "no"
start_ratio = summary.loc["vm", "start_s"] / summary.loc["container", "start_s"]
memory_ratio = summary.loc["vm", "memory_mb"] / summary.loc["container", "memory_mb"]
''', feedback=r"`container_kernel_is_host` is 'yes', not True or False"),
]
