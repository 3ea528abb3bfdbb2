"""nbgrader's *Validate*, off the event loop: a Jupyter Server extension for the course's lab.

*Validate* is nbgrader's own (its lab button, its handler's ``validate_notebook``), but it
runs in a subprocess: nbgrader 0.9.6's handler is synchronous and freezes the whole server
while the notebook runs (10-30 s on a real engine), long enough for JupyterLab to show
"Server Connection Error" and hold back the result. :mod:`course.apps.labserver` enables
this extension in place of nbgrader's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _validate_handler() -> type:
    """nbgrader's validate handler with ``post`` made asynchronous: the work runs in a subprocess."""
    import asyncio
    import tempfile

    from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler
    from tornado import web

    class BackgroundValidateHandler(ValidateAssignmentHandler):
        @web.authenticated
        async def post(self) -> None:
            try:
                path = self.get_argument("path")
            except web.MissingArgumentError:
                path = self.get_json_body()["path"]
            self.log.info("Validating %r in a subprocess", path)
            with tempfile.TemporaryDirectory(prefix="course-validate-") as tmp:
                out = Path(tmp) / "result.json"
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", __name__, str(self.root_dir), path, str(out),
                    cwd=self.settings["course_validate_cwd"], stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                _, err = await proc.communicate()
                try:
                    result = json.loads(out.read_text())
                except (OSError, ValueError):
                    result = {"success": False, "value": f"the validation process exited with status "
                              f"{proc.returncode}:\n{err.decode(errors='replace')[-3000:]}"}
            self.finish(json.dumps(result))

    return BackgroundValidateHandler


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter Server finds this module's extension here (enabled per mode by ``write_config``)."""
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Serve nbgrader's Validate URLs (the lab button is unchanged) with the non-blocking handler."""
    from jupyter_server.utils import url_path_join
    from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler

    webapp = serverapp.web_app
    webapp.settings["root_dir"] = serverapp.root_dir  # nbgrader's handler confines paths to it
    # nbgrader reads nbgrader_config.py from the working directory, which its Assignments handler
    # changes for moments: pin the one the server started in.
    webapp.settings["course_validate_cwd"] = os.getcwd()
    base = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [(url_path_join(base, "assignments/validate"), _validate_handler()),
                                (url_path_join(base, "nbgrader_version"), NbGraderVersionHandler)])
    serverapp.log.info(f"{__name__}: nbgrader Validate runs in a subprocess")


def _validate_in_process(root_dir: str, path: str, out: str) -> None:
    """The subprocess: nbgrader's own ``validate_notebook`` (config, checks, messages), result to ``out``.

    The result goes to a file, not stdout: the kernel it starts inherits stdout and may write to it.
    """
    import logging

    from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler as H

    class Offline:  # what nbgrader's handler methods use, without tornado
        root_dir = property(H.root_dir.fget)
        load_config = H.load_config
        validate_notebook = H.validate_notebook

        def __init__(self, root: str):
            self.settings = {"root_dir": root}
            self.log = logging.getLogger("course.validate")

    logging.basicConfig(level=logging.INFO, format="[validate] %(message)s")
    Path(out).write_text(json.dumps(Offline(root_dir).validate_notebook(path)))


if __name__ == "__main__":
    _validate_in_process(*sys.argv[1:4])
