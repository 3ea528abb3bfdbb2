"""Checks for the `compare` assignment (S4, S5): against the learner's own measurements."""

from __future__ import annotations

import math
import os

import pandas as pd

from course.checks.feedback import Feedback, call, expect

COLUMNS = ["kind", "run", "start_s", "memory_mb", "disk_mb", "kernel"]
NUMBERS = ["start_s", "memory_mb", "disk_mb"]


def collected(fn, repeats: int, kernels: bool = False) -> None:
    """`collect(repeats)` returns the tidy table of real measurements."""
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
    if kernels:
        host = os.uname().release
        expect((df[df.kind == "container"].kernel == host).all(),
               "a container row's kernel is not the host's: was it measured in a container?",
               "use measure.container_row for the container rows.")
        expect((df[df.kind == "vm"].kernel != host).all(),
               "a VM row's kernel is the host's: was it measured in a VM?", "use measure.vm_row for the VM rows.")


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
            if not math.isclose(value, want, rel_tol=1e-9):
                hint = "that is the mean; the median is what", "use .median(), not .mean()"
                if not math.isclose(value, mean, rel_tol=1e-9):
                    hint = ("the median of your data is", "compute the median per kind")
                raise Feedback(f"{col} for {kind} is {value:.4g}; {hint[0]} {want:.4g}.", hint[1] + ".")
    if strict:
        expect(len(got) == 2, f"summarise returned {len(got)} rows.", "one row per kind.")


def conclusions(ns: dict, strict: bool = False) -> None:
    """The conclusion variables agree with the learner's own measurements."""
    data = ns.get("data")
    _need_data(data)
    for name in ("container_kernel_is_host", "vm_kernel_is_host", "start_ratio", "memory_ratio"):
        expect(name in ns, f"`{name}` is not set.", "assign it in the exercise cell and run that cell.")
    host = os.uname().release
    container_host = bool((data[data.kind == "container"].kernel == host).all())
    vm_host = bool((data[data.kind == "vm"].kernel == host).all())
    expect(ns["container_kernel_is_host"] is container_host,
           f"container_kernel_is_host is {ns['container_kernel_is_host']!r}; your data says {container_host}.",
           "compare the container rows' kernel column with lab.host_kernel().")
    expect(ns["vm_kernel_is_host"] is vm_host,
           f"vm_kernel_is_host is {ns['vm_kernel_is_host']!r}; your data says {vm_host}.",
           "compare the VM rows' kernel column with lab.host_kernel(): a VM boots its own kernel.")
    med = data.groupby("kind")[NUMBERS].median()
    for name, col in (("start_ratio", "start_s"), ("memory_ratio", "memory_mb")):
        want = med.loc["vm", col] / med.loc["container", col]
        got = ns[name]
        expect(isinstance(got, (int, float)) and not isinstance(got, bool), f"{name} is {got!r}, not a number.",
               "compute it from summary.")
        if math.isclose(got, 1 / want, rel_tol=0.01):
            raise Feedback(f"{name} is {got:.3g}: that is container / VM, the inverse.",
                           "divide the VM's median by the container's.")
        expect(math.isclose(got, want, rel_tol=0.01 if strict else 0.05),
               f"{name} is {got:.3g}, but your data's VM median / container median is {want:.3g}.",
               f'use summary.loc["vm", "{col}"] / summary.loc["container", "{col}"].')


def _need_data(data) -> None:
    expect(isinstance(data, pd.DataFrame) and not data.empty,
           "there are no measurements in `data`.", "finish Exercise 1, then run the cell `data = collect(3)`.")
