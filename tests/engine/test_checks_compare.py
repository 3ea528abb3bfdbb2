"""The `compare` checks on real measurements (real VMs, real containers): other correct answers
pass, mistakes are named, and both hold on a host that runs the VM's own kernel release
(made so here: the host's ``os.uname()`` returns the guest's release)."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from tqdm.auto import tqdm

from course import lab
from course.checks import compare as check
from course.checks.feedback import Feedback
from course.lab import measure
from course.vm import ensure_assets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(engine):
    from course.engine import session_client

    return session_client()


@pytest.fixture(scope="module")
def data(api):
    return measure.compare(api, lab.BASE_IMAGE, repeats=3)


@pytest.fixture
def same_release(monkeypatch):
    """The host's uname says the guest's release, as on an up-to-date Debian 12 host."""
    real, release = os.uname(), ensure_assets(install=False).kernel.release
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((real.sysname, real.nodename, release,
                                                              real.version, real.machine)))
    assert lab.host_kernel() == release


def test_measurements_tell_the_kernels_apart_by_boot_id(data):
    assert list(data.columns) == measure.COLUMNS
    boxes, vms = data[data.kind == "container"], data[data.kind == "vm"]
    assert (boxes.boot_id == lab.host_boot_id()).all() and (boxes.kernel == os.uname().release).all()
    assert vms.boot_id.is_unique and not vms.boot_id.isin([lab.host_boot_id()]).any()
    assert (vms.kernel == ensure_assets(install=False).kernel.release).all()


def _collector(api, order, bar=tqdm):
    def collect(repeats):
        runs = bar(range(repeats), desc="measuring") if bar else range(repeats)
        rows = [row for run in runs for row in order(api, run)]
        return pd.DataFrame(rows, columns=measure.COLUMNS)
    return collect


def _vm_first(api, run):
    return [measure.vm_row(run), measure.container_row(api, lab.BASE_IMAGE, run)]


def _container_first(api, run):
    return [measure.container_row(api, lab.BASE_IMAGE, run), measure.vm_row(run)]


def test_other_ways_to_collect_pass(api):
    check.collected(_collector(api, _container_first), 2, kernels=True)
    check.collected(lambda repeats: measure.compare(api, lab.BASE_IMAGE, repeats), 2, kernels=True)


def test_collect_passes_where_the_host_runs_the_guests_release(api, same_release):
    check.collected(_collector(api, _vm_first), 2, kernels=True)


def test_all_vms_first_is_not_alternating(api):
    def collect(repeats):
        rows = [measure.vm_row(run) for run in tqdm(range(repeats))]
        rows += [measure.container_row(api, lab.BASE_IMAGE, run) for run in range(repeats)]
        return pd.DataFrame(rows, columns=measure.COLUMNS)

    def sorted_afterwards(repeats):  # the rows alternate, the measurements did not
        return collect(repeats).sort_values("run", kind="stable").reset_index(drop=True)

    for answer in (collect, sorted_afterwards):
        with pytest.raises(Feedback, match="order vm, vm, container, container: not alternating"):
            check.collected(answer, 2)


def test_no_progress_bar_is_named(api):
    with pytest.raises(Feedback, match="showed no progress bar"):
        check.collected(_collector(api, _vm_first, bar=None), 1)


def test_a_text_bar_passes_and_leaves_stderr_clean(api, capfd):
    """tqdm.tqdm draws on stderr, which would make nbgrader score the test cell 0."""
    from tqdm import std

    check.collected(_collector(api, _vm_first, bar=std.tqdm), 1)
    assert capfd.readouterr().err == ""


def reference_summary(df):
    return df.groupby("kind")[["start_s", "memory_mb", "disk_mb"]].median()


def test_other_summaries_pass(data):
    check.summarised(lambda df: df.pivot_table(index="kind", values=check.NUMBERS, aggfunc="median"), data,
                     strict=True, shuffled=True)
    check.summarised(lambda df: df.groupby("kind").median(numeric_only=True), data, strict=True, shuffled=True)


def test_mean_is_named(data):
    with pytest.raises(Feedback) as caught:
        check.summarised(lambda df: df.groupby("kind")[check.NUMBERS].mean(), data)
    assert re.fullmatch(r"\w+ for \w+ is [\d.]+: that is the mean; the median is [\d.]+\.", caught.value.problem)


def _conclude(data, **over) -> dict:
    summary = reference_summary(data)
    host = lab.host_boot_id()
    ns = {"data": data, "summary": summary,
          "container_kernel_is_host": bool((data[data.kind == "container"].boot_id == host).all()),
          "vm_kernel_is_host": bool((data[data.kind == "vm"].boot_id == host).all()),
          "start_ratio": summary.loc["vm", "start_s"] / summary.loc["container", "start_s"],
          "memory_ratio": summary.loc["vm", "memory_mb"] / summary.loc["container", "memory_mb"]}
    return {**ns, **over}


def test_numpy_bools_and_numbers_pass(data):
    host = lab.host_boot_id()
    ns = _conclude(data, container_kernel_is_host=(data[data.kind == "container"].boot_id == host).all(),
                   vm_kernel_is_host=np.bool_(False))
    assert isinstance(ns["container_kernel_is_host"], np.bool_)
    ns["start_ratio"] = np.float32(ns["start_ratio"])
    check.conclusions(ns, strict=True)


def test_conclusions_hold_where_the_host_runs_the_guests_release(data, same_release):
    check.conclusions(_conclude(data), strict=True)
    by_release = (data[data.kind == "vm"].kernel == lab.host_kernel()).all()
    with pytest.raises(Feedback, match="the VM's release is the host's .* a boot ID of its own"):
        check.conclusions(_conclude(data, vm_kernel_is_host=by_release))


def test_wrong_numpy_bool_is_shown_as_a_bool(data):
    host = lab.host_boot_id()
    with pytest.raises(Feedback) as caught:
        check.conclusions(_conclude(data, container_kernel_is_host=(data[data.kind == "container"].boot_id
                                                                    != host).all()))
    assert caught.value.problem == "container_kernel_is_host is False; your data says True."


def test_inverse_ratio_is_named(data):
    ns = _conclude(data)
    with pytest.raises(Feedback, match="the inverse"):
        check.conclusions({**ns, "start_ratio": 1 / ns["start_ratio"]})
