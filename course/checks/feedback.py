"""Feedback for learners: what is wrong and what to try, instead of a bare AssertionError."""

from __future__ import annotations

import math
import numbers
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Frames from the course package (the checks, the lab, the VM runner) or from installed
#: libraries say nothing to a learner.
_NOT_THE_LEARNERS = (str(Path(__file__).resolve().parents[1]), sys.prefix, sys.base_prefix)


class Feedback(AssertionError):
    """A failed check, worded for the learner. Subclasses AssertionError so nbgrader counts it."""

    def __init__(self, problem: str, hint: str):
        super().__init__(f"{problem}\n  What to try: {hint}")
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
                lines.append("Your code, where it failed:")
                lines += [ln for chunk in traceback.format_list(frames) for ln in chunk.rstrip("\n").split("\n")]
        return [*lines, f"{type(self).__name__}: {self.problem}", f"  What to try: {self.hint}"]


def expect(condition: object, problem: str, hint: str) -> None:
    """Raise ``Feedback(problem, hint)`` unless ``condition`` holds."""
    if not condition:
        raise Feedback(problem, hint)


def boolean(value: object, name: str) -> bool:
    """``value`` as a bool, Python's or numpy's (what pandas' ``(...).all()`` gives); else feedback."""
    import numpy as np

    expect(isinstance(value, (bool, np.bool_)), f"`{name}` is {value!r}, not True or False.",
           "answer with a bool: True or False (a comparison gives one).")
    return bool(value)


def number(value: object, name: str, hint: str) -> float:
    """``value`` as a float if it is a finite real number (Python's or numpy's, not a bool); else feedback."""
    import numpy as np

    expect(isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value),
           f"`{name}` is {value!r}, not a number.", hint)
    return float(value)


def defined(namespace: dict[str, Any], name: str) -> Callable:
    """The learner's function ``name``, or feedback saying to define and run it."""
    fn = namespace.get(name)
    expect(
        callable(fn),
        f"`{name}` is not defined as a function in this notebook.",
        f"write `def {name}(...)` in the exercise cell above and run that cell before this test.",
    )
    return fn


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn a crash into feedback that names the call and the error."""
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise Feedback(
            f"`{fn.__name__}` is not written yet (it still raises NotImplementedError).",
            "replace `raise NotImplementedError()` with your code.",
        ) from None
    except Feedback:
        raise
    except Exception as exc:  # the learner's code may raise anything; explain it
        raise Feedback(
            f"`{fn.__name__}({shown})` raised {type(exc).__name__}: {exc}",
            "run the call yourself in a new cell and read the traceback.",
        ) from exc
