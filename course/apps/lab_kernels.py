"""The kernel manager of a confined student's lab: Jupyter Server's own, started through the sandbox launcher.

Named by ``course lab --student`` (``MultiKernelManager.kernel_manager_class``); a module of its own
so that graded kernels never import Jupyter Server.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from course.grading.execute import SandboxCommand


class SandboxServerKernelManager(SandboxCommand, ServerKernelManager):
    """A student's lab kernels: as the student's user, in the allow-list view of their workspace."""
