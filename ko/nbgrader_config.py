"""nbgrader configuration: the course directory is this folder. Plain `nbgrader` commands,
the formgrader and `course` all read it."""

import os

from course.grading.settings import apply

apply(get_config(), os.path.dirname(os.path.abspath(__file__)))  # noqa: F821 (get_config is nbgrader's)
