"""The guest's root filesystem: busybox and an /init that serves commands on the serial port.

Written by Python as a newc cpio archive (no root, no mknod needed), uncompressed by
default: under TCG the guest's gunzip of a 1 MB archive costs more than reading 2 MB,
measured ~70 ms slower with gzip. Rebuilt only when its inputs change (busybox, the
init script, the compression), named by the hash of those inputs.

A VM booted with a disk gets ``ensure_disk_initramfs()`` instead: the same archive
with a second, small cpio appended (the kernel unpacks concatenated archives in
turn) holding the virtio modules and ``/etc/disk.rc``, which /init runs if present.
The default archive stays byte-for-byte what it was plus one shell-builtin test, so
the default boot pays nothing for the disk; the disk archive is named by the hash of
both parts.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
from pathlib import Path

from course import config
from course.vm.errors import VMAssetsError

BUSYBOX = Path("/bin/busybox")

READY = "@@COURSE-VM-READY@@"
BEGIN = "@@COURSE-VM-BEGIN"
END = "@@COURSE-VM-END"
POWEROFF = "@@POWEROFF@@"
#: Sourced by /init (before the ready marker) when the disk archive is appended.
DISK_RC = "/etc/disk.rc"

#: PID 1. Commands arrive one per line as "<nonce> <base64 of the command>"; the
#: output is framed by BEGIN/END markers carrying the nonce (END also the exit status),
#: so nothing a command prints can be mistaken for the end of another.
INIT_SCRIPT = f"""#!/bin/sh
export PATH=/bin HOME=/root
mount -a
[ -f {DISK_RC} ] && . {DISK_RC}
echo course-vm >/proc/sys/kernel/hostname
exec </dev/ttyS0 >/dev/ttyS0 2>&1
stty raw -echo
echo 1 >/proc/sys/kernel/printk
read -r up idle </proc/uptime
echo "{READY} $up"
while read -r nonce b64; do
  case "$nonce" in {POWEROFF}) sync; poweroff -f;; esac
  cmd=$(echo "$b64" | base64 -d)
  echo "{BEGIN} $nonce@@"
  sh -c "$cmd" </dev/null 2>&1
  printf '\\n{END} %s %d@@\\n' "$nonce" "$?"
done
"""

#: ``mount -a`` mounts all three in one exec (each fork+exec costs tens of ms under TCG;
#: the rest of /init uses shell builtins for the same reason).
FSTAB = """proc /proc proc defaults 0 0
sysfs /sys sysfs defaults 0 0
devtmpfs /dev devtmpfs defaults 0 0
"""

DIRS = ("bin", "dev", "proc", "sys", "tmp", "root", "etc")


def disk_rc(modules: list[str]) -> str:
    """/etc/disk.rc: insmod each module (dependencies first), then wait for /dev/vda.

    virtio_mmio binds the transports microvm lists in its ACPI tables (this kernel
    ignores ``virtio_mmio.device=``); virtio_blk then registers vda and devtmpfs makes
    the node. The wait loop uses only builtins unless the node is late.
    """
    lines = [f"insmod /lib/modules/{m} || echo 'course-vm: insmod {m} failed'" for m in modules]
    lines += ["i=0",
              "while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do usleep 20000; i=$((i+1)); done",
              "[ -b /dev/vda ] || echo 'course-vm: no /dev/vda'"]
    return "\n".join(lines) + "\n"


def _entry(name: str, mode: int, data: bytes = b"", ino: int = 0, rdev: tuple[int, int] = (0, 0)) -> bytes:
    """One newc cpio record (header, name, data, each padded to 4 bytes)."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


def applets(busybox: Path = BUSYBOX) -> list[str]:
    """The applets this busybox provides (each becomes a symlink in /bin)."""
    res = subprocess.run([str(busybox), "--list"], check=False, capture_output=True, text=True)
    if res.returncode != 0:
        raise VMAssetsError(f"{busybox} --list failed; is busybox-static installed?")
    return sorted(a for a in res.stdout.split() if a and "/" not in a and a != "busybox")


def build_cpio(busybox: Path = BUSYBOX, init: str = INIT_SCRIPT) -> bytes:
    """The archive's bytes: directories, /dev/console, busybox, its applet links, /init."""
    out = io.BytesIO()
    ino = iter(range(1, 1 << 20))
    for d in DIRS:
        out.write(_entry(d, 0o040755, ino=next(ino)))
    out.write(_entry("dev/console", 0o020600, ino=next(ino), rdev=(5, 1)))
    out.write(_entry("bin/busybox", 0o100755, busybox.read_bytes(), ino=next(ino)))
    for name in applets(busybox):
        out.write(_entry(f"bin/{name}", 0o120777, b"busybox", ino=next(ino)))
    out.write(_entry("etc/fstab", 0o100644, FSTAB.encode(), ino=next(ino)))
    out.write(_entry("init", 0o100755, init.encode(), ino=next(ino)))
    out.write(_entry("TRAILER!!!", 0))
    return out.getvalue()


def build_disk_cpio(modules: list[Path]) -> bytes:
    """The archive appended for a disk boot: /lib/modules/*.ko and /etc/disk.rc."""
    out = io.BytesIO()
    ino = iter(range(1 << 20, 1 << 21))  # distinct from the first archive's inodes
    for d in ("lib", "lib/modules"):
        out.write(_entry(d, 0o040755, ino=next(ino)))
    for ko in modules:
        out.write(_entry(f"lib/modules/{ko.name}", 0o100644, ko.read_bytes(), ino=next(ino)))
    out.write(_entry(DISK_RC.lstrip("/"), 0o100644, disk_rc([ko.name for ko in modules]).encode(), ino=next(ino)))
    out.write(_entry("TRAILER!!!", 0))
    return out.getvalue()


def _inputs_hash(busybox: Path, init: str, compression: str) -> str:
    h = hashlib.sha256()
    h.update(busybox.read_bytes())
    h.update(init.encode())
    h.update(FSTAB.encode())
    h.update(compression.encode())
    return h.hexdigest()[:16]


def ensure_initramfs(compression: str = "none", busybox: Path = BUSYBOX, init: str = INIT_SCRIPT) -> Path:
    """The initramfs for these inputs, built only if no archive with their hash exists."""
    if compression not in ("none", "gzip"):
        raise ValueError("compression must be 'none' or 'gzip'")
    if not busybox.is_file():
        raise VMAssetsError(f"{busybox} missing: install busybox-static")
    out_dir = config.CACHE / "vm" / "initramfs"
    suffix = ".cpio.gz" if compression == "gzip" else ".cpio"
    path = out_dir / f"initramfs-{_inputs_hash(busybox, init, compression)}{suffix}"
    if path.is_file():
        return path
    out_dir.mkdir(parents=True, exist_ok=True)
    data = build_cpio(busybox, init)
    if compression == "gzip":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    for old in out_dir.glob(f"initramfs-*{suffix}"):
        old.unlink(missing_ok=True)  # one archive per compression is enough
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def ensure_disk_initramfs(modules: list[Path], busybox: Path = BUSYBOX, init: str = INIT_SCRIPT) -> Path:
    """The default initramfs with the disk's modules appended (uncompressed), built once per inputs."""
    base = ensure_initramfs("none", busybox, init)
    extra = build_disk_cpio(modules)
    h = hashlib.sha256(base.name.encode() + extra).hexdigest()[:16]
    out_dir = config.CACHE / "vm" / "initramfs"
    path = out_dir / f"disk-initramfs-{h}.cpio"  # not matched by ensure_initramfs's clean-up glob
    if path.is_file():
        return path
    for old in out_dir.glob("disk-initramfs-*.cpio"):
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(base.read_bytes() + extra)
    tmp.replace(path)
    return path
