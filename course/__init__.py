"""VMs and Docker, by doing: an autograded Jupyter course on a real Docker Engine and a real VM.

The package, top to bottom (each part imports only those on its line and below)::

    apps/       the commands: `course` CLI, setup, doctor, demo, the JupyterLab server, Validate, the class hub
    grading/    on nbgrader: settings, generate/autograde, the sandboxed parallel pool, report
    material/   authoring: lessons/ (the lessons as data), the Lesson model, source/, course map, catalogs' upkeep
    checks/     what test cells call: behaviour and state checks, feedback in the learner's terms
    lab/        what notebook cells import: the engine session, raw API, measurements, figures
    services/   beside the engine, by recorded pid: the course registry, the second engine, broker, database, hub
    guard/      the allow-list Docker API proxy graded kernels reach the engine through
    engine/ images/ vm/ layout.py   the engine and its labels; offline images; QEMU; the course dir
    system/ config.py   Debian packages, processes, the venv, the browser; paths and labels
    i18n/       the languages: gettext catalogs (course/locale), the language of the moment
"""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"

#: Modules notebooks import as ``from course import X``, from before course/lab/ and services/.
_MOVED = {
    "dockerfiles": "course.lab.dockerfiles", "figures": "course.lab.figures", "iobench": "course.lab.iobench",
    "measure": "course.lab.measure", "portability": "course.lab.portability", "rawapi": "course.lab.rawapi",
    "scaleout": "course.lab.scaleout", "registry": "course.services.registry",
}


def __getattr__(name: str) -> ModuleType:
    """``from course import figures`` and the like keep working (a thin re-export, loaded on use)."""
    if name in _MOVED:
        return importlib.import_module(_MOVED[name])
    raise AttributeError(f"module 'course' has no attribute {name!r}")
