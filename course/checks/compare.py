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
from course.i18n import translator
from course.lab import measure, variant

_ = translator("compare")

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
    # Translators: {type} is a Python type's name (list, dict, ...).
    expect(isinstance(df, pd.DataFrame), _("`collect` returned {type}, not a DataFrame.").format(
        type=type(df).__name__), _("build a list of row dicts and return pd.DataFrame(rows, columns=[...])."))
    # Translators: {columns} is a Python list of column names, e.g. ['kind', 'run', ...].
    expect(list(df.columns) == COLUMNS, _("the columns are {columns}.").format(columns=list(df.columns)),
           _("use exactly {columns}.").format(columns=COLUMNS))
    # Translators: {repeats} is the argument collect was called with; {rows} and {expected} count rows.
    expect(len(df) == 2 * repeats, _("collect({repeats}) has {rows} rows; expected {expected}.").format(
        repeats=repeats, rows=len(df), expected=2 * repeats), _("one VM row and one container row per run."))
    counts = df["kind"].value_counts().to_dict()
    # Translators: {counts} is a Python dict, kind -> number of rows, e.g. {'vm': 2}.
    expect(counts == {"vm": repeats, "container": repeats}, _("kinds per row: {counts}.").format(counts=counts),
           _('each run adds one row of kind "vm" and one of kind "container".'))
    runs = sorted(df["run"])
    # Translators: {runs} is the sorted list of the run column's values, e.g. [0, 0, 1, 1].
    expect(runs == sorted(list(range(repeats)) * 2), _("runs are {runs}.").format(runs=runs),
           _("number the runs 0..repeats-1, each with a VM and a container."))
    for col in NUMBERS:
        expect(pd.api.types.is_numeric_dtype(df[col]) and (df[col] > 0).all(),
               # Translators: {column} is a column's name (start_s, memory_mb, disk_mb); {values} its values.
               _("column {column} has values that are not positive numbers: {values}.").format(
                   column=col, values=df[col].tolist()),
               _("use the numbers measure.vm_row / measure.container_row return."))
    # The order they were measured in (rows made elsewhere: the order of the rows).
    order = [kind for kind, _run in measure.taken[mark:]] or list(df["kind"])
    expect(all(a != b for a, b in itertools.pairwise(order)),
           # Translators: {order} lists the kinds as measured, e.g. "vm, vm, container, container".
           _("the measurements were taken in the order {order}: not alternating, so a change in "
             "the machine's load during the loop weighs on one kind more than on the other.").format(
               order=", ".join(order)),
           _("in one loop over the runs, measure a VM and then a container."))
    expect(any(bars),
           _("`collect` showed no progress bar."), _("loop over tqdm(range(repeats)) (from tqdm.auto import tqdm)."))
    if kernels:
        host_boot = lab.host_boot_id()
        boxes, vms = df[df.kind == "container"], df[df.kind == "vm"]
        expect((boxes.boot_id == host_boot).all(),
               _("a container row's kernel is not the host's running kernel: was it measured in a container?"),
               _("use measure.container_row for the container rows."))
        expect((vms.kernel == _guest_release()).all() and (vms.boot_id != host_boot).all()
               and vms.boot_id.is_unique,
               _("a VM row's kernel is not a kernel booted for it (each VM boot draws a new boot ID): "
                 "was it measured in a VM?"), _("use measure.vm_row for the VM rows."))


def summarised(fn, data, strict: bool = False, shuffled: bool = False) -> None:
    """`summarise(df)` gives the medians per kind of the learner's own data (in any row order)."""
    _need_data(data)
    got = call(fn, data.sample(frac=1, random_state=1) if shuffled else data)
    truth = data.groupby("kind")[NUMBERS].median()
    # Translators: {type} is a Python type's name (list, Series, ...).
    expect(isinstance(got, pd.DataFrame), _("`summarise` returned {type}.").format(type=type(got).__name__),
           _('return df.groupby("kind")[[...]].median().'))
    # Translators: {index} is a Python list of the returned table's index labels.
    expect(set(got.index) == {"vm", "container"}, _("the index is {index}.").format(index=list(got.index)),
           _('group by the "kind" column, so the index is the kinds.'))
    missing = [c for c in NUMBERS if c not in got.columns]
    # Translators: {columns} is a Python list of column names.
    expect(not missing, _("missing columns {columns}.").format(columns=missing),
           _("keep the columns {columns}.").format(columns=NUMBERS))
    for col in NUMBERS:
        for kind in ("vm", "container"):
            mean = data[data.kind == kind][col].mean()
            value, want = float(got.loc[kind, col]), float(truth.loc[kind, col])
            if math.isclose(value, want, rel_tol=1e-9):
                continue
            if math.isclose(value, mean, rel_tol=1e-9):
                # Translators: {column} is a column's name (start_s, ...), {kind} "vm" or "container";
                # {value} is the learner's number, {want} the median of their data.
                raise Feedback(_("{column} for {kind} is {value:.4g}: that is the mean; the median is {want:.4g}.")
                               .format(column=col, kind=kind, value=value, want=want),
                               _("use .median(), not .mean()."))
            # Translators: as above: {column} start_s..., {kind} vm or container, {value} theirs, {want} the median.
            raise Feedback(_("{column} for {kind} is {value:.4g}; the median of your data is {want:.4g}.").format(
                column=col, kind=kind, value=value, want=want), _("compute the median of each column per kind."))
    if strict:
        # Translators: {rows} is a number of rows.
        expect(len(got) == 2, _("summarise returned {rows} rows.").format(rows=len(got)), _("one row per kind."))


def conclusions(ns: dict, strict: bool = False) -> None:
    """The conclusion variables agree with the learner's own measurements."""
    data = ns.get("data")
    _need_data(data)
    for name in ("container_kernel_is_host", "vm_kernel_is_host", "start_ratio", "memory_ratio"):
        # Translators: {name} is a variable's name (start_ratio, ...).
        expect(name in ns, _("`{name}` is not set.").format(name=name),
               _("assign it in the exercise cell and run that cell."))
    host = lab.host_boot_id()
    truth = {kind: bool((data[data.kind == kind].boot_id == host).all()) for kind in ("container", "vm")}
    container_host = boolean(ns["container_kernel_is_host"], "container_kernel_is_host")
    vm_host = boolean(ns["vm_kernel_is_host"], "vm_kernel_is_host")
    expect(container_host == truth["container"],
           # Translators: {given} is the learner's answer and {truth} what their data says: True or False.
           _("container_kernel_is_host is {given}; your data says {truth}.").format(
               given=container_host, truth=truth["container"]),
           _("compare the container rows' boot_id column with lab.host_boot_id()."))
    same_release = (data[data.kind == "vm"].kernel == lab.host_kernel()).all()
    # Translators: {given} is the learner's answer and {truth} what their data says: True or False (keep them).
    wrong_vm = (_("vm_kernel_is_host is {given}; your data says {truth}: the VM's release is the host's (the same "
                  "kernel package), but each VM booted a kernel of its own, with a boot ID of its own.")
                # Translators: {given} is the learner's answer and {truth} what their data says: True or False.
                if same_release and vm_host else _("vm_kernel_is_host is {given}; your data says {truth}."))
    expect(vm_host == truth["vm"], wrong_vm.format(given=vm_host, truth=truth["vm"]),
           _("compare the VM rows' boot_id column with lab.host_boot_id(): a VM boots its own kernel."))
    med = data.groupby("kind")[NUMBERS].median()
    for name, col in (("start_ratio", "start_s"), ("memory_ratio", "memory_mb")):
        want = med.loc["vm", col] / med.loc["container", col]
        got = number(ns[name], name, _("compute it from summary."))
        if math.isclose(got, want, rel_tol=0.01 if strict else 0.05):
            continue
        if math.isclose(got, 1 / want, rel_tol=0.01):
            # Translators: {name} is start_ratio or memory_ratio, {got} the learner's value.
            raise Feedback(_("{name} is {got:.3g}: that is container / VM, the inverse.").format(name=name, got=got),
                           _("divide the VM's median by the container's."))
        # Translators: {name} is start_ratio or memory_ratio, {got} the learner's value, {want} their data's.
        raise Feedback(_("{name} is {got:.3g}, but your data's VM median / container median is {want:.3g}.").format(
                           name=name, got=got, want=want),
                       # Translators: {column} is start_s or memory_mb; the hint is code, keep it as it is.
                       _('use summary.loc["vm", "{column}"] / summary.loc["container", "{column}"].').format(
                           column=col))


def _need_data(data) -> None:
    expect(isinstance(data, pd.DataFrame) and not data.empty and set(COLUMNS) <= set(data.columns),
           _("there are no measurements in `data`."), _("finish Exercise 1, whose cell sets `data = collect(...)`."))


def your_data(data) -> None:
    """`data` holds the learner's own number of runs of each kind (their variant's ``repeats``)."""
    _need_data(data)
    want = int(variant.value("compare", "repeats"))
    counts = data["kind"].value_counts().to_dict()
    expect(counts == {"vm": want, "container": want},
           # Translators: {vms} and {containers} count the runs of each kind in the data, {want} the learner's repeats.
           _("your data has {vms} VM run(s) and {containers} container run(s); your exercise asks for {want} "
             "of each.").format(vms=counts.get("vm", 0), containers=counts.get("container", 0), want=want),
           _("set data = collect({want}), your own number of repeats.").format(want=want))
