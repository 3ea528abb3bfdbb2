"""nbgrader's Execute, with the course's two additions (configured in settings.py).

- Sandbox: when the grading worker sets ``COURSE_SANDBOX_USER``, the kernel is started
  through :mod:`course.grading.sandbox_launch` (unprivileged, limited, guarded).
- Output cap: a flood of output cannot exhaust the grader's memory; past the cap a cell's
  further output is dropped and one line says so.
"""

from __future__ import annotations

import os
import sys

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from course.grading.sandbox import ENV_USER


class SandboxCommand:
    """Starts kernels through the sandbox launcher when the process's environment asks for it."""

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if os.environ.get(ENV_USER):
            return [sys.executable, "-m", "course.grading.sandbox_launch", *cmd]
        return cmd


class SandboxKernelManager(SandboxCommand, AsyncKernelManager):
    """Graded kernels (and Validate's): nbgrader's Execute starts them with this class."""


class CourseExecute(Execute):
    """Execute with sandboxed kernels and a cap on output per notebook."""

    max_output_bytes = Integer(4 << 20, help="Output a notebook may produce before it is dropped").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)
        self._output_bytes = 0
        self._capped: set = set()

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += len(str(msg.get("content", "")))
        if self._output_bytes <= self.max_output_bytes or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)  # errors always count: never drop them
        if cell_index not in self._capped:
            self._capped.add(cell_index)
            outs.append(new_output("stream", name="stdout",
                                   text=f"[output cut: more than {self.max_output_bytes} bytes]\n"))
        if msg["msg_type"] == "stream" and msg["content"].get("name") == "stderr" and (cell_index, "err") not in self._capped:
            # stderr scores a test cell 0 in nbgrader: keep (a little of) it so a flood cannot hide it
            self._capped.add((cell_index, "err"))
            outs.append(new_output("stream", name="stderr", text=msg["content"].get("text", "")[:200]))
        return None
