"""I/O timing in a container and in the VM, and the lesson's check of a learner's measurement."""

from __future__ import annotations

import pytest

from course import lab
from course.checks import why_docker as check
from course.checks.engine_state import removed_after
from course.checks.feedback import Feedback
from course.lab import iobench


def reference(run, path, mib):
    micros = int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync")))
    run(f"rm -f {path}")
    return mib / (micros / 1_000_000)


def test_timed_measures_inside_and_fails_loudly(session_api):
    container = session_api.containers.run(lab.BASE_IMAGE, "sleep 60", detach=True)
    with removed_after(container):
        run = iobench.container_runner(container)
        assert 0 < int(run(iobench.timed("true"))) < 1_000_000
        slept = int(run(iobench.timed("sleep 0.3")))
        assert 250_000 < slept < 2_000_000
        with pytest.raises(iobench.CommandFailed, match="exit status 1"):
            run(iobench.timed("false"))


def test_containers_measure_three_places(session_api):
    rows = iobench.in_containers(session_api, mib=8, repeat=1)
    assert [r["place"] for r in rows] == ["container/overlay2", "container/volume", "container/tmpfs"]
    assert all(r["write_mib_s"] > 0 and r["read_mib_s"] > 0 for r in rows)


def test_check_accepts_a_right_answer_and_explains_microseconds(session_api):
    check.timed_write(reference, session_api, mib=8)
    with pytest.raises(Feedback, match="microseconds"):
        check.timed_write(lambda run, path, mib: reference(run, path, mib) / 1_000_000, session_api, mib=8)


def test_check_explains_a_file_left_behind(session_api):
    def timed_write(run, path, mib):
        return mib / (int(run(iobench.timed(f"dd if=/dev/zero of={path} bs=1M count={mib}"))) / 1e6)

    with pytest.raises(Feedback, match="left /scratch/check.bin"):
        check.timed_write(timed_write, session_api, mib=8)


@pytest.mark.slow
def test_same_function_in_the_vm(session_api):
    """The hidden test: overlay2 in a container, then the VM's memory, with one function."""
    check.timed_write(reference, session_api, mib=8, vm=True)


@pytest.mark.slow
def test_vm_rows_add_the_virtio_disk_only_when_booted_with_one(session_api):
    from course.vm import boot

    with boot(boot_timeout=120) as vm:
        assert [r["place"] for r in iobench.in_vm(vm, mib=8, repeat=1)] == ["vm/ram"]
    with boot(disk_mib=16, boot_timeout=120) as vm:
        table = iobench.compare(session_api, vm, mib=8, repeat=1)
        assert vm.run("[ -b /dev/vda ]").exit_code == 0  # the device node is left in place
    assert list(table.index) == ["container/overlay2", "container/volume", "container/tmpfs",
                                 "vm/ram", "vm/virtio-disk"]
    assert list(table.columns) == ["kernel", "storage", "write_mib_s", "read_mib_s"]
    disk = table.loc["vm/virtio-disk"]
    assert disk["write_mib_s"] > 0 and disk["read_mib_s"] > 0
    assert "virtio-blk" in disk["storage"] and disk["kernel"] == table.loc["vm/ram", "kernel"]
