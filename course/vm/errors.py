"""Exceptions of the VM runner: each says what happened and what to look at next."""

from __future__ import annotations


class VMError(RuntimeError):
    """Base class: something went wrong with a course VM."""


class VMAssetsError(VMError):
    """The kernel, initramfs or QEMU could not be fetched or built."""


class VMBootTimeout(VMError):
    """The guest did not reach its ready shell in time; the QEMU process was killed."""


class VMCommandTimeout(VMError):
    """A guest command did not finish in time; the QEMU process was killed."""


class VMCommandFailed(VMError):
    """A guest command exited non-zero where success was required (``check=True``)."""


class VMCrashed(VMError):
    """QEMU exited (or the guest powered off) while the course still talked to it."""


class VMNotRunning(VMError):
    """The VM was already shut down when a command was sent to it."""
