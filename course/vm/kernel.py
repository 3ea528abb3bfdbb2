"""The guest kernel: Debian's own, fetched as a package and unpacked into the cache.

Never installed into /boot: ``apt-get download`` the real ``linux-image-<ver>-amd64``
behind the ``linux-image-amd64`` metapackage and unpack only its ``/boot`` with
``dpkg-deb``, with the few modules a virtual disk needs (``ensure_modules``). The compressed ``vmlinuz`` (a bzImage) is what a classic boot uses; the
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
#: What a virtio-blk disk on ``-M microvm`` needs that Debian builds as modules: the
#: virtio core, its ring, the virtio-mmio transport (microvm's devices, listed to the
#: guest in ACPI) and the block driver. Their dependencies are added from each module's
#: own ``depends=`` (what ``modinfo -F depends`` prints).
DISK_MODULES = ("virtio_blk", "virtio_mmio")
#: Where those live in the package (one extraction pass; a dependency elsewhere fails loudly).
DISK_MODULE_GLOBS = ("./lib/modules/*/kernel/drivers/virtio/*.ko",
                     "./lib/modules/*/kernel/drivers/block/virtio_blk.ko")
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


def _download(package: str, work: Path, version: str | None = None) -> Path:
    """``apt-get download`` the package (that exact version if given) into ``work``; the .deb."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.chmod(work, 0o777)  # lets apt's sandbox user write there (avoids its warning)
    _run(["apt-get", "download", "-q", f"{package}={version}" if version else package], cwd=work)
    debs = sorted(work.glob(f"{package}_*.deb"))
    if not debs:
        raise VMAssetsError(f"apt-get download {package} produced no .deb in {work}")
    return debs[-1]


def _unpack(deb: Path, dest: Path, patterns: tuple[str, ...]) -> None:
    """Extract the members matching ``patterns`` (tar wildcards) of the package's data into ``dest``."""
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    res = subprocess.run(["tar", "-x", "-C", str(dest), "--wildcards", *patterns],
                         stdin=tar.stdout, check=False, capture_output=True, text=True)
    tar.stdout.close()  # type: ignore[union-attr]
    if tar.wait() != 0 or res.returncode != 0:
        raise VMAssetsError(f"unpacking {deb.name} failed:\n{res.stderr[-1500:]}")


def module_name(ko: Path) -> str:
    """The kernel's name for a module file (``virtio_blk.ko`` -> ``virtio_blk``)."""
    return ko.name.removesuffix(".ko").replace("-", "_")


def module_depends(ko: Path) -> list[str]:
    """The modules ``ko`` needs loaded first: its ``.modinfo`` ``depends=`` (as ``modinfo -F depends``)."""
    data = ko.read_bytes()
    for field in data.split(b"\0"):
        if field.startswith(b"depends="):
            return [d for d in field[len(b"depends="):].decode().split(",") if d]
    raise VMAssetsError(f"{ko} has no depends= in its .modinfo: not a kernel module?")


def load_order(available: dict[str, Path], wanted: tuple[str, ...]) -> list[Path]:
    """``wanted`` and their dependencies, each after what it depends on."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise VMAssetsError(f"module dependency cycle: {' -> '.join((*path, name))}")
        if name not in available:
            raise VMAssetsError(f"module {name} (needed by {' -> '.join(path) or 'the disk'}) "
                                "was not unpacked; extend kernel.DISK_MODULE_GLOBS")
        for dep in module_depends(available[name]):
            visit(dep, (*path, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return [available[n] for n in order]


def modules_dir(release: str) -> Path:
    """Where the disk's modules of this kernel are unpacked."""
    return kernel_dir() / f"modules-{release}"


def _store_modules(unpacked: Path, kern_release: str, version: str,
                   wanted: tuple[str, ...] = DISK_MODULES) -> list[Path]:
    """Keep ``wanted`` and their dependencies from an unpacked package tree; stamp their load order."""
    found = {module_name(ko): ko for ko in (unpacked / "lib" / "modules").glob(f"{kern_release}/kernel/**/*.ko")}
    order = load_order(found, wanted)
    mdir = modules_dir(kern_release)
    shutil.rmtree(mdir, ignore_errors=True)
    mdir.mkdir(parents=True)
    for ko in order:
        shutil.copy2(ko, mdir / ko.name)
    (mdir / "modules.json").write_text(json.dumps({"version": version, "wanted": list(wanted),
                                                   "order": [ko.name for ko in order]}, indent=1) + "\n")
    return [mdir / ko.name for ko in order]


def installed_modules(kern: Kernel, wanted: tuple[str, ...] = DISK_MODULES) -> list[Path] | None:
    """The disk's modules of ``kern`` already in the cache, in load order, if complete."""
    mdir = modules_dir(kern.release)
    try:
        meta = json.loads((mdir / "modules.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("version") != kern.version or meta.get("wanted") != list(wanted):
        return None
    paths = [mdir / n for n in meta.get("order", [])]
    return paths if paths and all(p.is_file() for p in paths) else None


def ensure_modules(kern: Kernel, wanted: tuple[str, ...] = DISK_MODULES) -> list[Path]:
    """The ``.ko`` files of ``wanted`` and their dependencies, in load order.

    ``ensure_kernel`` unpacks them with the kernel (one download). A cache made before
    that fetches them again from the kernel's own package at its version (~70 MB, of
    which ~200 kB are kept). Debian 6.1 ships them uncompressed.
    """
    paths = installed_modules(kern, wanted)
    if paths is not None:
        return paths
    work = kernel_dir() / "download-modules"
    deb = _download(kern.package, work, kern.version)
    _unpack(deb, work, DISK_MODULE_GLOBS)
    try:
        return _store_modules(work, kern.release, kern.version, wanted)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_kernel() -> Kernel:
    """Fetch and unpack Debian's kernel once; later calls reuse the cached files."""
    kern = installed_kernel()
    if kern is not None:
        return kern
    package = resolve_package()
    kdir = kernel_dir()
    work = kdir / "download"
    deb = _download(package, work)
    version = _run(["dpkg-deb", "-f", str(deb), "Version"]).strip()
    # Only ./boot and the few modules a virtual disk needs: all the modules would add ~400 MB.
    _unpack(deb, work, ("./boot/*", *DISK_MODULE_GLOBS))
    vmlinuz_src = next((work / "boot").glob("vmlinuz-*"), None)
    if vmlinuz_src is None:
        raise VMAssetsError(f"{deb.name} holds no /boot/vmlinuz-*")
    release = vmlinuz_src.name.removeprefix("vmlinuz-")
    vmlinuz, vmlinux, cfg = kdir / f"vmlinuz-{release}", kdir / f"vmlinux-{release}", kdir / f"config-{release}"
    shutil.move(vmlinuz_src, vmlinuz)
    shutil.move(work / "boot" / f"config-{release}", cfg)
    _derive_vmlinux(vmlinuz, vmlinux)
    _store_modules(work, release, version)
    shutil.rmtree(work, ignore_errors=True)
    meta = {"package": package, "version": version, "release": release,
            "vmlinuz": str(vmlinuz), "vmlinux": str(vmlinux), "config": str(cfg),
            "vmlinux_format": VMLINUX_FORMAT}
    _stamp().write_text(json.dumps(meta, indent=1) + "\n")
    kern = installed_kernel()
    assert kern is not None
    return kern
