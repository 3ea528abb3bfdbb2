"""Checks for the `compare` assignment (S4, S5): against the learner's own measurements.

Whose kernel a row ran on is judged by its boot ID, never by the release alone: on a host
that runs the same Debian kernel package as the VM, both print the same release.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
from collections.abc import Iterator

import pandas as pd

from course import lab
from course.checks.feedback import Feedback, boolean, call, expect, number
from course.lab import measure, variant

COLUMNS = measure.COLUMNS
NUMBERS = ["start_s", "memory_mb", "disk_mb"]


@contextlib.contextmanager
def _progress_bars() -> Iterator[list[bool]]:
    """For every tqdm bar made meanwhile, whether it was shown (not disabled), whichever front end
    (tqdm.auto, notebook, std, trange): all of them run the base class's ``__init__``, patched
    here for the duration only. (A closed bar reads disabled, hence the record at its start.)"""
    from tqdm import std

    made: list[bool] = []
    init = std.tqdm.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(not self.disable)

    std.tqdm.__init__ = recording
    try:
        yield made
    finally:
        std.tqdm.__init__ = init


def _guest_release() -> str:
    from course import vm

    return vm.ensure_assets(install=False).kernel.release


def collected(fn, repeats: int, kernels: bool = False) -> None:
    """`collect(repeats)` returns the tidy table of real measurements, taken alternately, with a progress bar."""
    mark = len(measure.taken)
    # A text bar (tqdm.tqdm rather than tqdm.auto's widget) goes to stderr, and nbgrader scores
    # a test cell that wrote to stderr 0: the bar is seen here, not printed.
    with _progress_bars() as bars, contextlib.redirect_stderr(io.StringIO()):
        df = call(fn, repeats)
    expect(isinstance(df, pd.DataFrame), f"`collect` returned {type(df).__name__}, not a DataFrame.",
           "build a list of row dicts and return pd.DataFrame(rows, columns=[...]).")
    expect(list(df.columns) == COLUMNS, f"the columns are {list(df.columns)}.", f"use exactly {COLUMNS}.")
    expect(len(df) == 2 * repeats, f"collect({repeats}) has {len(df)} rows; expected {2 * repeats}.",
           "one VM row and one container row per run.")
    counts = df["kind"].value_counts().to_dict()
    expect(counts == {"vm": repeats, "container": repeats}, f"kinds per row: {counts}.",
           'each run adds one row of kind "vm" and one of kind "container".')
    expect(sorted(df["run"]) == sorted(list(range(repeats)) * 2), f"runs are {sorted(df['run'])}.",
           "number the runs 0..repeats-1, each with a VM and a container.")
    for col in NUMBERS:
        expect(pd.api.types.is_numeric_dtype(df[col]) and (df[col] > 0).all(),
               f"column {col} has values that are not positive numbers: {df[col].tolist()}.",
               "use the numbers measure.vm_row / measure.container_row return.")
    # The order they were measured in (rows made elsewhere: the order of the rows).
    order = [kind for kind, _ in measure.taken[mark:]] or list(df["kind"])
    expect(all(a != b for a, b in itertools.pairwise(order)),
           f"the measurements were taken in the order {', '.join(order)}: not alternating, so a change in "
           "the machine's load during the loop weighs on one kind more than on the other.",
           "in one loop over the runs, measure a VM and then a container.")
    expect(any(bars),
           "`collect` showed no progress bar.", "loop over tqdm(range(repeats)) (from tqdm.auto import tqdm).")
    if kernels:
        host_boot = lab.host_boot_id()
        boxes, vms = df[df.kind == "container"], df[df.kind == "vm"]
        expect((boxes.boot_id == host_boot).all(),
               "a container row's kernel is not the host's running kernel: was it measured in a container?",
               "use measure.container_row for the container rows.")
        expect((vms.kernel == _guest_release()).all() and (vms.boot_id != host_boot).all()
               and vms.boot_id.is_unique,
               "a VM row's kernel is not a kernel booted for it (each VM boot draws a new boot ID): "
               "was it measured in a VM?", "use measure.vm_row for the VM rows.")


def summarised(fn, data, strict: bool = False, shuffled: bool = False) -> None:
    """`summarise(df)` gives the medians per kind of the learner's own data (in any row order)."""
    _need_data(data)
    got = call(fn, data.sample(frac=1, random_state=1) if shuffled else data)
    truth = data.groupby("kind")[NUMBERS].median()
    expect(isinstance(got, pd.DataFrame), f"`summarise` returned {type(got).__name__}.",
           'return df.groupby("kind")[[...]].median().')
    expect(set(got.index) == {"vm", "container"}, f"the index is {list(got.index)}.",
           'group by the "kind" column, so the index is the kinds.')
    missing = [c for c in NUMBERS if c not in got.columns]
    expect(not missing, f"missing columns {missing}.", f"keep the columns {NUMBERS}.")
    for col in NUMBERS:
        for kind in ("vm", "container"):
            mean = data[data.kind == kind][col].mean()
            value, want = float(got.loc[kind, col]), float(truth.loc[kind, col])
            if math.isclose(value, want, rel_tol=1e-9):
                continue
            if math.isclose(value, mean, rel_tol=1e-9):
                raise Feedback(f"{col} for {kind} is {value:.4g}: that is the mean; the median is {want:.4g}.",
                               "use .median(), not .mean().")
            raise Feedback(f"{col} for {kind} is {value:.4g}; the median of your data is {want:.4g}.",
                           "compute the median of each column per kind.")
    if strict:
        expect(len(got) == 2, f"summarise returned {len(got)} rows.", "one row per kind.")


def conclusions(ns: dict, strict: bool = False) -> None:
    """The conclusion variables agree with the learner's own measurements."""
    data = ns.get("data")
    _need_data(data)
    for name in ("container_kernel_is_host", "vm_kernel_is_host", "start_ratio", "memory_ratio"):
        expect(name in ns, f"`{name}` is not set.", "assign it in the exercise cell and run that cell.")
    host = lab.host_boot_id()
    truth = {kind: bool((data[data.kind == kind].boot_id == host).all()) for kind in ("container", "vm")}
    container_host = boolean(ns["container_kernel_is_host"], "container_kernel_is_host")
    vm_host = boolean(ns["vm_kernel_is_host"], "vm_kernel_is_host")
    expect(container_host == truth["container"],
           f"container_kernel_is_host is {container_host}; your data says {truth['container']}.",
           "compare the container rows' boot_id column with lab.host_boot_id().")
    same_release = (data[data.kind == "vm"].kernel == lab.host_kernel()).all()
    expect(vm_host == truth["vm"],
           f"vm_kernel_is_host is {vm_host}; your data says {truth['vm']}"
           + (": the VM's release is the host's (the same kernel package), but each VM booted a kernel of its "
              "own, with a boot ID of its own." if same_release and vm_host else "."),
           "compare the VM rows' boot_id column with lab.host_boot_id(): a VM boots its own kernel.")
    med = data.groupby("kind")[NUMBERS].median()
    for name, col in (("start_ratio", "start_s"), ("memory_ratio", "memory_mb")):
        want = med.loc["vm", col] / med.loc["container", col]
        got = number(ns[name], name, "compute it from summary.")
        if math.isclose(got, want, rel_tol=0.01 if strict else 0.05):
            continue
        if math.isclose(got, 1 / want, rel_tol=0.01):
            raise Feedback(f"{name} is {got:.3g}: that is container / VM, the inverse.",
                           "divide the VM's median by the container's.")
        raise Feedback(f"{name} is {got:.3g}, but your data's VM median / container median is {want:.3g}.",
                       f'use summary.loc["vm", "{col}"] / summary.loc["container", "{col}"].')


def _need_data(data) -> None:
    expect(isinstance(data, pd.DataFrame) and not data.empty and set(COLUMNS) <= set(data.columns),
           "there are no measurements in `data`.", "finish Exercise 1, whose cell sets `data = collect(...)`.")


def your_data(data) -> None:
    """`data` holds the learner's own number of runs of each kind (their variant's ``repeats``)."""
    _need_data(data)
    want = int(variant.value("compare", "repeats"))
    counts = data["kind"].value_counts().to_dict()
    expect(counts == {"vm": want, "container": want},
           f"your data has {counts.get('vm', 0)} VM run(s) and {counts.get('container', 0)} container run(s); your "
           f"exercise asks for {want} of each.", f"set data = collect({want}), your own number of repeats.")
