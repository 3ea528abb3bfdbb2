"""Feedback for learners: what is wrong and what to try, instead of a bare AssertionError."""

from __future__ import annotations

import math
import numbers
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from course.i18n import translator

_ = translator("common")

#: Frames from the course package (the checks, the lab, the VM runner) or from installed
#: libraries say nothing to a learner.
_NOT_THE_LEARNERS = (str(Path(__file__).resolve().parents[1]), sys.prefix, sys.base_prefix)


class Feedback(AssertionError):
    """A failed check, worded for the learner. Subclasses AssertionError so nbgrader counts it."""

    def __init__(self, problem: str, hint: str):
        self.try_label = _("What to try:")  # in the learner's language, as the problem and hint are
        super().__init__(f"{problem}\n  {self.try_label} {hint}")
        self.problem = problem
        self.hint = hint

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback through the checker's own frames.

        The problem and what to try; if the learner's code raised, the lines of *their*
        code it went through.
        """
        lines = []
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            frames = [f for f in traceback.extract_tb(cause.__traceback__)
                      if not str(Path(f.filename).resolve()).startswith(_NOT_THE_LEARNERS)]
            if frames:
                lines.append(_("Your code, where it failed:"))
                lines += [ln for chunk in traceback.format_list(frames) for ln in chunk.rstrip("\n").split("\n")]
        return [*lines, f"{type(self).__name__}: {self.problem}", f"  {self.try_label} {self.hint}"]


def expect(condition: object, problem: str, hint: str) -> None:
    """Raise ``Feedback(problem, hint)`` unless ``condition`` holds."""
    if not condition:
        raise Feedback(problem, hint)


def boolean(value: object, name: str) -> bool:
    """``value`` as a bool, Python's or numpy's (what pandas' ``(...).all()`` gives); else feedback."""
    import numpy as np

    expect(isinstance(value, (bool, np.bool_)), _("`{name}` is {value}, not True or False.").format(
        name=name, value=repr(value)), _("answer with a bool: True or False (a comparison gives one)."))
    return bool(value)


def number(value: object, name: str, hint: str) -> float:
    """``value`` as a float if it is a finite real number (Python's or numpy's, not a bool); else feedback."""
    import numpy as np

    expect(isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value),
           _("`{name}` is {value}, not a number.").format(name=name, value=repr(value)), hint)
    return float(value)


def defined(namespace: dict[str, Any], name: str) -> Callable:
    """The learner's function ``name``, or feedback saying to define and run it."""
    fn = namespace.get(name)
    expect(
        callable(fn),
        _("`{name}` is not defined as a function in this notebook.").format(name=name),
        _("write `def {name}(...)` in the exercise cell above and run that cell before this test.").format(name=name),
    )
    return fn


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn a crash into feedback that names the call and the error."""
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise Feedback(
            _("`{name}` is not written yet (it still raises NotImplementedError).").format(name=fn.__name__),
            _("replace `raise NotImplementedError()` with your code."),
        ) from None
    except Feedback:
        raise
    except Exception as exc:  # the learner's code may raise anything; explain it
        raise Feedback(
            # Translators: {call} is the learner's call, e.g. `boot(128)`; {error} the exception's type.
            _("`{call}` raised {error}: {message}").format(call=f"{fn.__name__}({shown})",
                                                         error=type(exc).__name__, message=exc),
            _("run the call yourself in a new cell and read the traceback."),
        ) from exc
