"""The guest kernel: Debian's own, fetched as a package and unpacked into the cache.

Never installed into /boot: ``apt-get download`` the real ``linux-image-<ver>-amd64``
behind the ``linux-image-amd64`` metapackage and unpack only its ``/boot`` with
``dpkg-deb``. The compressed ``vmlinuz`` (a bzImage) is what a classic boot uses; the
fast boot wants the uncompressed ELF ``vmlinux`` inside it, so QEMU can jump to its
PVH entry point and skip both firmware and in-guest decompression.
"""

from __future__ import annotations

import bz2
import json
import lzma
import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from course import config
from course.vm.errors import VMAssetsError

METAPACKAGE = "linux-image-amd64"
#: Bumped when the way vmlinux is derived from vmlinuz changes (the cache then re-derives it).
VMLINUX_FORMAT = 2


def kernel_dir() -> Path:
    """Where the unpacked kernel lives (``config.CACHE / "vm" / "kernel"``)."""
    return config.CACHE / "vm" / "kernel"


@dataclass(frozen=True)
class Kernel:
    """An unpacked Debian kernel: its package, release and files."""

    package: str
    version: str
    release: str
    vmlinuz: Path
    vmlinux: Path
    config: Path

    def option(self, name: str) -> str | None:
        """The value of ``CONFIG_<name>`` in the kernel's build config (``y``, ``m``, ...), or None."""
        key = f"CONFIG_{name}="
        for line in self.config.read_text().splitlines():
            if line.startswith(key):
                return line[len(key):]
        return None


def _run(argv: list[str], cwd: Path | None = None) -> str:
    res = subprocess.run(argv, check=False, cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        raise VMAssetsError(f"`{' '.join(argv)}` failed:\n{res.stderr[-1500:]}")
    return res.stdout


def resolve_package(metapackage: str = METAPACKAGE) -> str:
    """The real kernel package the metapackage depends on, e.g. ``linux-image-6.1.0-57-amd64``."""
    for attempt in range(2):
        res = subprocess.run(["apt-cache", "depends", metapackage], check=False,
                             capture_output=True, text=True)
        for line in res.stdout.splitlines():
            dep = line.strip().removeprefix("|")
            if dep.startswith("Depends:"):
                name = dep.split(":", 1)[1].strip()
                if name.startswith("linux-image-") and not name.startswith("<"):
                    return name
        if attempt == 0:  # empty or stale package lists: refresh once
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
    raise VMAssetsError(f"apt-cache found no kernel package behind {metapackage}; is apt configured?")


def extract_vmlinux(bzimage: bytes) -> bytes:
    """The ELF kernel inside a bzImage, like the kernel tree's scripts/extract-vmlinux.

    The setup header says where the compressed payload starts (``payload_offset``);
    if that fails, scan for the magic of each compressor Python can undo.
    """
    candidates: list[int] = []
    if bzimage[0x202:0x206] == b"HdrS":
        setup_sects = bzimage[0x1F1] or 4
        payload_offset, _ = struct.unpack_from("<II", bzimage, 0x248)
        candidates.append((setup_sects + 1) * 512 + payload_offset)
    for magic in (b"\xfd7zXZ\x00", b"\x1f\x8b\x08", b"BZh", b"\x5d\x00\x00"):
        pos = bzimage.find(magic)
        while pos != -1 and len(candidates) < 64:
            candidates.append(pos)
            pos = bzimage.find(magic, pos + 1)
    for pos in candidates:
        elf = _decompress(bzimage[pos:])
        if elf and elf[:4] == b"\x7fELF":
            return elf
    raise VMAssetsError("no ELF vmlinux found inside the bzImage (unknown compression?)")


def trim_vmlinux(elf: bytes) -> bytes:
    """The same ELF without its section headers and the zeros ending each loadable segment.

    The kernel's BSS sits inside a file-backed segment (a scratch section follows it),
    so the file carries ~24 MB of zeros; with ``p_filesz`` trimmed QEMU zero-fills them
    instead of reading them. Halves the file and its load time; the guest sees the same memory.
    """
    if elf[:5] != b"\x7fELF\x02":
        raise VMAssetsError("vmlinux is not a 64-bit ELF")
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    phdrs = [list(struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize)) for i in range(phnum)]
    pos, moved, chunks = 64 + phnum * 56, [], []
    for ph in phdrs:
        if ph[0] != 1:  # PT_LOAD
            continue
        data = elf[ph[2]:ph[2] + ph[5]].rstrip(b"\0")
        pos += (ph[3] - pos) % 4096  # keep offset congruent to the address, page-wise
        moved.append((ph[2], ph[5], pos))
        chunks.append((pos, data))
        ph[2], ph[5], ph[7] = pos, len(data), 4096
        pos += len(data)
    for ph in phdrs:  # notes (the PVH entry) live inside a loaded segment: follow it
        if ph[0] != 1:
            old, _size, new = next(m for m in moved if m[0] <= ph[2] < m[0] + m[1])
            ph[2] = new + ph[2] - old
    out = bytearray(pos)
    out[:64] = elf[:64]
    struct.pack_into("<Q", out, 0x28, 0)  # e_shoff: no section headers
    struct.pack_into("<HHHH", out, 0x36, 56, phnum, 0, 0)  # e_phentsize, e_phnum, e_shentsize/num
    struct.pack_into("<H", out, 0x3E, 0)  # e_shstrndx
    struct.pack_into("<Q", out, 0x20, 64)  # e_phoff
    for i, ph in enumerate(phdrs):
        struct.pack_into("<IIQQQQQQ", out, 64 + i * 56, *ph)
    for at, data in chunks:
        out[at:at + len(data)] = data
    return bytes(out)


def _decompress(data: bytes) -> bytes | None:
    if data[:6] == b"\xfd7zXZ\x00":
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    elif data[:2] == b"\x1f\x8b":
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif data[:3] == b"BZh":
        dec = bz2.BZ2Decompressor()
    elif data[:3] == b"\x5d\x00\x00":
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
    else:
        return None
    try:
        return dec.decompress(data)  # trailing bytes after the stream are ignored
    except (lzma.LZMAError, zlib.error, OSError, EOFError):
        return None


def _stamp() -> Path:
    return kernel_dir() / "kernel.json"


def installed_kernel() -> Kernel | None:
    """The kernel already unpacked in the cache, if complete (vmlinux re-derived if outdated)."""
    try:
        meta = json.loads(_stamp().read_text())
        kern = Kernel(meta["package"], meta["version"], meta["release"],
                      Path(meta["vmlinuz"]), Path(meta["vmlinux"]), Path(meta["config"]))
    except (OSError, ValueError, KeyError):
        return None
    if not (kern.vmlinuz.is_file() and kern.config.is_file()):
        return None
    if meta.get("vmlinux_format") != VMLINUX_FORMAT or not kern.vmlinux.is_file():
        _derive_vmlinux(kern.vmlinuz, kern.vmlinux)
        _stamp().write_text(json.dumps({**meta, "vmlinux_format": VMLINUX_FORMAT}, indent=1) + "\n")
    return kern


def _derive_vmlinux(vmlinuz: Path, vmlinux: Path) -> None:
    tmp = vmlinux.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(trim_vmlinux(extract_vmlinux(vmlinuz.read_bytes())))
    tmp.replace(vmlinux)


def ensure_kernel() -> Kernel:
    """Fetch and unpack Debian's kernel once; later calls reuse the cached files."""
    kern = installed_kernel()
    if kern is not None:
        return kern
    package = resolve_package()
    kdir = kernel_dir()
    work = kdir / "download"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.chmod(work, 0o777)  # lets apt's sandbox user write there (avoids its warning)
    _run(["apt-get", "download", "-q", package], cwd=work)
    debs = sorted(work.glob(f"{package}_*.deb"))
    if not debs:
        raise VMAssetsError(f"apt-get download {package} produced no .deb in {work}")
    deb = debs[-1]
    version = _run(["dpkg-deb", "-f", str(deb), "Version"]).strip()
    # Only ./boot is needed: the modules would add ~400 MB the course never loads.
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    res = subprocess.run(["tar", "-x", "-C", str(work), "--wildcards", "./boot/*"],
                         stdin=tar.stdout, check=False, capture_output=True, text=True)
    tar.stdout.close()  # type: ignore[union-attr]
    if tar.wait() != 0 or res.returncode != 0:
        raise VMAssetsError(f"unpacking {deb.name} failed:\n{res.stderr[-1500:]}")
    vmlinuz_src = next((work / "boot").glob("vmlinuz-*"), None)
    if vmlinuz_src is None:
        raise VMAssetsError(f"{deb.name} holds no /boot/vmlinuz-*")
    release = vmlinuz_src.name.removeprefix("vmlinuz-")
    vmlinuz, vmlinux, cfg = kdir / f"vmlinuz-{release}", kdir / f"vmlinux-{release}", kdir / f"config-{release}"
    shutil.move(vmlinuz_src, vmlinuz)
    shutil.move(work / "boot" / f"config-{release}", cfg)
    _derive_vmlinux(vmlinuz, vmlinux)
    shutil.rmtree(work, ignore_errors=True)
    meta = {"package": package, "version": version, "release": release,
            "vmlinuz": str(vmlinuz), "vmlinux": str(vmlinux), "config": str(cfg),
            "vmlinux_format": VMLINUX_FORMAT}
    _stamp().write_text(json.dumps(meta, indent=1) + "\n")
    kern = installed_kernel()
    assert kern is not None
    return kern
