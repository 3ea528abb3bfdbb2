"""The VM runner on a real QEMU: boot, commands, isolation, KVM fallback, cleanup.

One VM is shared by the module (each boot costs ~1.5 s under TCG); the tests that
must kill a VM boot their own.
"""

from __future__ import annotations

import os
import re
import time

import psutil
import pytest

from course.vm import VMBootTimeout, VMCommandTimeout, boot, disk_footprint_bytes, ensure_assets
from course.vm.accel import PROBE_CMD_ENV, choose_accel
from course.vm.machine import run_dir

pytestmark = pytest.mark.slow


def _children(name: str = "qemu") -> list[psutil.Process]:
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if name in child.name() and child.status() != psutil.STATUS_ZOMBIE:
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.fixture(scope="module")
def vm():
    ensure_assets()
    with boot(memory_mb=256, cpus=1, boot_timeout=120) as machine:
        yield machine
    assert not machine.alive


def test_boot_and_command_round_trip(vm):
    assert vm.alive and vm.accel in ("kvm", "tcg")
    assert 0 < vm.boot_seconds < 120
    res = vm.run("echo hello; echo oops >&2; exit 7")
    assert res.output == "hello\noops\n"
    assert res.exit_code == 7
    assert vm.run("printf 'no newline'").output == "no newline"
    tricky = "printf '%s \"%s\" %s\\n' '@@COURSE-VM-END x 0@@' quotes \"$((6*7))\""
    assert vm.run(tricky).output == '@@COURSE-VM-END x 0@@ "quotes" 42\n'
    assert "COURSE-VM-READY" in vm.console_log


def test_guest_kernel_is_not_the_host_kernel(vm):
    """Its release may be the host's (a Debian 12 host with the same kernel package); the
    running kernel is not: it booted after the host's, and drew a boot ID of its own."""
    from course import lab

    guest = vm.kernel_release()
    assert guest.endswith("-amd64")  # Debian's kernel, fetched by the course
    assert 0 < vm.uptime_s() < lab.host_uptime_s()
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", vm.boot_id())
    assert vm.boot_id() != lab.host_boot_id()


def test_guest_has_its_own_process_table(vm):
    procs = vm.processes()
    init = next(p for p in procs if p.pid == 1)
    assert "/init" in init.args
    host_pids = {p.pid for p in procs} & {os.getpid()}
    assert len(procs) < 200 and not host_pids - {1, 2}  # a small, separate table
    assert any(p.name == "kthreadd" and p.pid == 2 for p in procs)


def test_memory_and_cpus_as_asked(vm):
    mem = vm.memory_kb()
    assert 0.7 * 256 * 1024 < mem < 256 * 1024
    assert vm.cpus() == 1
    assert 20 * 2**20 < vm.host_rss_bytes() < 1024 * 2**20


def test_vm_facts_for_the_comparison(vm):
    from course.vm.measure import vm_facts

    facts = vm_facts(vm)
    assert facts["accel"] == vm.accel and facts["guest_cpus"] == 1
    assert facts["disk_footprint_bytes"] > 1_000_000 and facts["host_rss_bytes"] > 0


def test_default_boot_has_no_disk(vm):
    assert vm.disk is None
    assert vm.run("[ -e /dev/vda ]").exit_code == 1
    assert vm.run("lsmod | grep -c virtio").output.strip() == "0"  # no modules loaded by default


def test_vm_with_a_virtio_disk_round_trips():
    with boot(disk_mib=16, boot_timeout=120) as machine:
        image = machine.disk.path
        assert image.parent == run_dir() and image.stat().st_size == 16 * 2**20
        assert image.stat().st_blocks * 512 < 2**20  # sparse: nothing written yet
        assert machine.disk.cache in ("none", "writeback")
        assert str(ensure_assets(install=False).disk_initramfs) in machine.argv
        assert machine.run("[ -b /dev/vda ] && cat /sys/block/vda/size", check=True).output.strip() == str(16 * 2048)
        assert machine.run("blockdev --getsize64 /dev/vda", check=True).output.strip() == str(16 * 2**20)
        machine.run("printf 'course-vm-disk\\n' | dd of=/dev/vda bs=512 seek=2048 conv=sync,fsync", check=True)
        machine.run("echo 3 >/proc/sys/vm/drop_caches", check=True)
        back = machine.run("dd if=/dev/vda bs=512 skip=2048 count=1 iflag=direct 2>/dev/null | head -n 1",
                           check=True).output
        assert back == "course-vm-disk\n"
        with image.open("rb") as f:  # flushed by the guest: in the host's image file too
            f.seek(2048 * 512)
            assert f.read(15) == b"course-vm-disk\n"
    assert not machine.alive
    assert not image.exists()  # removed with the VM


def test_assets_are_built_by_setup_and_readable_by_grader_users():
    """A graded kernel runs as a grader user that may read the VM cache but not write it."""
    assets = ensure_assets(install=False)
    for path in (assets.kernel.vmlinux, assets.initramfs, assets.disk_initramfs):
        assert path.is_file() and path.stat().st_mode & 0o004, path


def test_disk_needs_the_fast_profile():
    with pytest.raises(ValueError, match="disk_mib"):
        boot(profile="naive", disk_mib=16)
    with pytest.raises(ValueError, match="disk_mib"):
        boot(disk_mib=0)


def test_disk_footprint_positive():
    assert disk_footprint_bytes() > 1_000_000
    assert disk_footprint_bytes("naive") > 1_000_000


def test_hanging_kvm_probe_falls_back_to_tcg(monkeypatch):
    monkeypatch.setenv(PROBE_CMD_ENV, "sleep 30")
    t0 = time.monotonic()
    choice = choose_accel(timeout=0.5, refresh=True)
    assert time.monotonic() - t0 < 5
    assert choice.name == "tcg" and "hung" in choice.reason
    assert not _children("sleep")  # the hanging probe was killed
    with boot(kvm_probe_timeout=0.5, boot_timeout=120) as other:
        assert other.accel == "tcg"
        assert other.run("echo ok").output == "ok\n"


def test_command_timeout_kills_the_vm():
    machine = boot(boot_timeout=120)
    pid = machine.pid
    with pytest.raises(VMCommandTimeout, match="was killed"):
        machine.run("sleep 30", timeout=1)
    assert not machine.alive
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (run_dir() / f"qemu-{pid}.pid").exists()


def test_boot_timeout_kills_qemu():
    before = {p.pid for p in _children()}
    with pytest.raises(VMBootTimeout, match="was killed"):
        boot(boot_timeout=0.2)
    assert {p.pid for p in _children()} == before


def test_nothing_left_behind(vm):
    vm.shutdown()
    assert not vm.alive
    assert not _children()
    ours = [f for f in run_dir().glob("qemu-*.pid") if f.read_text().split()[2:3] == [str(os.getpid())]]
    assert not ours  # other processes' VMs (a benchmark running alongside) are theirs
