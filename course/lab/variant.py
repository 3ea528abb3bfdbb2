"""This learner's own values for the varied exercises, as the grader or the lab handed them over.

The kernel never sees the course's secret: whoever starts it (the grader, from the submission's
student id; a student's lab, from the login) puts that student's values in the environment
variable ``COURSE_VARIANT``. A kernel in its allow-list view reads them from a read-only file
instead (:data:`FILE`, made by the launcher, which removes the variable), so a cell cannot choose
its variant by setting the variable. A notebook opened without one (a plain ``make lab``) uses the
defaults its values cell declares, and says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from IPython.display import Markdown

from course import config
from course.i18n import translator

_ = translator("common")

#: ``{"student": id or null, "values": {assignment: {name: value}}}``, set by whoever starts the kernel.
ENV = config.VARIANT_ENV
#: The same, as a read-only file in a kernel's view (it wins over the variable: a cell can set that).
FILE = config.VARIANT_FILE

_declared: dict[str, dict[str, tuple[str, object]]] = {}


def handed() -> dict:
    """What the kernel was given: the view's read-only file if there is one (a cell cannot change it), else
    the environment (an unconfined kernel), else nothing (the default variant)."""
    try:
        text = FILE.read_text()
    except FileNotFoundError:
        text = os.environ.get(ENV, "")
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


def student() -> str | None:
    """The student whose variant this kernel has, or None (the default variant)."""
    return handed().get("student")


def values(assignment: str) -> dict[str, object]:
    """This kernel's values for ``assignment``: its student's, else the declared defaults."""
    given = handed().get("values", {}).get(assignment)
    if given is not None:
        return dict(given)
    if assignment not in _declared:
        raise LookupError(_("no values for {assignment!r}: run the notebook's cells from the top "
                            "(the cell under an exercise's text shows your values)").format(assignment=assignment))
    return {name: default for name, (_meaning, default) in _declared[assignment].items()}


def value(assignment: str, name: str) -> object:
    """One of this kernel's values for ``assignment``."""
    return values(assignment)[name]


def my_values(assignment: str, declared: Mapping[str, tuple[str, object]]) -> Markdown:
    """The learner's values for some of ``assignment``'s parameters, as a Markdown table.

    ``declared`` is name -> (what it means, the default value): the same in everyone's notebook.
    """
    _declared.setdefault(assignment, {}).update(declared)
    mine = values(assignment)
    rows = [f"| {meaning} | `{name}` | **{mine[name]}** |" for name, (meaning, _default) in declared.items()]
    who = student()
    note = (_("These are the values of **{who}**: the grader checks your answer against them.").format(who=who)
            if who and assignment in handed().get("values", {}) else
            _("This notebook was opened without a student identity, so it shows the **default** values; "
              "opened with your login (or graded as your submission) it shows and checks your own."))
    return Markdown("\n".join([_("| what | name | your value |"), "|---|---|---|", *rows, "", note]))
