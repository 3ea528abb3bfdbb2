"""nbgrader's exchange for a class: where it is, its permissions, and each student's view of it.

The exchange is a folder the course owns (``.cache/exchange`` of the course directory, named
in ``nbgrader_config.py`` as ``Exchange.root``). Students reach it as their own Unix users,
so it is not among the course's private paths; nbgrader's own modes keep it safe: the root
is world-writable with the sticky bit (nobody removes another's course folder),
``<course>/outbound`` (the released student versions) is readable by all, ``inbound`` is
writable but not listable (a student cannot see, read or replace another's submission without
its random name) and ``feedback`` is passable but not listable (each feedback file is named by
a hash of its submission's secret, which only that student's private cache and the instructor
hold).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect

from course import config
from course.layout import Layout

#: World-writable with the sticky bit: what nbgrader requires of the exchange's root.
ROOT_MODE = 0o1777
#: Inside a student's own (0700) workspace: the record of their submissions, with each one's secret.
CACHE = ".nbgrader-cache"


def ensure(root: Path | str = config.ROOT) -> Path:
    """The course's exchange root, created with nbgrader's mode and reachable (o+x) by every user.

    Students then pass through the course directory, so its private paths (solutions and hidden
    tests, the gradebook, submissions) are closed to other users first.
    """
    from course.grading import sandbox

    sandbox.protect(root)
    exchange = Layout(root).exchange
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(ROOT_MODE)
    sandbox.open_traversal(exchange)
    return exchange


#: A due date as instructors write it: date, time (seconds optional), then optionally a zone.
DUE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?)(?: (\S+))?")
OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_due(text: str) -> datetime:
    """A due date "YYYY-MM-DD HH:MM[:SS] [ZONE]" as nbgrader stores it (UTC, naive).

    Without a zone the time is UTC, as in nbgrader; a zone is a name (``Asia/Seoul``) or an
    offset (``+09:00``). ``ValueError`` says what was expected.
    """
    from dateutil.tz import gettz

    text = " ".join(text.split())
    found = DUE.fullmatch(text)
    zone = None
    if found and found[2]:
        offset = OFFSET.fullmatch(found[2])
        zone = (timezone((1 if offset[1] == "+" else -1) * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
                if offset else gettz(found[2]))
    if not found or (found[2] and zone is None):
        raise ValueError(f"due date {text!r} is not \"YYYY-MM-DD HH:MM\" (seconds and a zone may follow, "
                         "e.g. \"2026-12-08 23:59 Asia/Seoul\"; without a zone it is UTC)")
    try:
        due = datetime.fromisoformat(found[1])
    except ValueError as exc:
        raise ValueError(f"due date {text!r}: {exc}") from None
    return due if zone is None else due.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def student_config(course_root: Path | str, workspace: Path | str, student: str | None = None) -> str:
    """The nbgrader settings of a student's own commands and Assignments tab (``nbgrader_config.py`` lines).

    ``workspace`` is where assignments are fetched to and submitted from. With ``student`` (a
    roster id) submissions carry that id whatever Unix user makes them (``vmd-student-<id>``),
    and the student's cache of submission secrets lives in their workspace, private to them.
    """
    lines = [
        f"c.CourseDirectory.course_id = {Layout(course_root).course_id!r}",
        f"c.Exchange.root = {str(Layout(course_root).exchange)!r}",
        f"c.Exchange.assignment_dir = {str(workspace)!r}",
    ]
    if student:
        lines += [f"c.CourseDirectory.student_id = {student!r}",
                  f"c.Exchange.cache = {str(Path(workspace) / CACHE)!r}"]
    return "\n".join(lines) + "\n"


def accounts(student: str) -> set[str]:
    """The Unix users whose submissions may carry ``student``'s id: their course account (``vmd-student-<id>``),
    an account named by the id itself, and whoever collects (the instructor, root)."""
    import getpass

    from course.grading import sandbox

    return {sandbox.student_user(student), student, getpass.getuser(), "root"}


def _owner(path: str) -> str:
    import pwd

    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class CourseExchangeCollect(ExchangeCollect):
    """nbgrader's collect, which takes a submission only from the student it names.

    The inbound folder is world-writable, so anyone can submit under another's id; nbgrader
    only warns ("cheating attempt?") and would collect the newest. Here a submission whose
    owner is not one of :func:`accounts` of the id it claims is set apart (it never hides that
    student's own, older one) and left uncollected, with a warning naming who made it.
    """

    def _path_to_record(self, path: str) -> dict:
        record = super()._path_to_record(path)
        owner = _owner(path)
        if owner not in accounts(record["username"]):
            record["forged_by"] = owner
            record["username"] += f"\0{owner}"  # a group of its own: the student's own records are chosen apart
        return record

    def copy_files(self) -> None:
        for record in self.src_records:
            if "forged_by" in record:
                self.log.warning("Not collecting %s: it claims to be %s's but was submitted by %s", record["filename"],
                                 record["username"].split("\0")[0], record["forged_by"])
        self.src_records = [r for r in self.src_records if "forged_by" not in r]
        super().copy_files()


def prepare_student(student: str, home: Path, course_root: Path | str = config.ROOT,
                    workspace: Path | None = None) -> Path:
    """``student``'s home for the class, as root: their account (``vmd-student-<id>``, made if missing) owns it,
    mode 0700, with ``~/.jupyter/nbgrader_config.py`` from :func:`student_config` (``workspace``: the home).

    Plain ``nbgrader fetch_assignment/submit/fetch_feedback`` run as that account with this HOME, and
    a single-user server's Assignments tab, then use the course's exchange under the student's id.
    Returns the config file.
    """
    from course.grading import sandbox

    entry = sandbox.ensure_account(sandbox.student_user(student))
    settings = home / ".jupyter" / "nbgrader_config.py"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("c = get_config()  # noqa: F821\n" + student_config(course_root, workspace or home, student))
    for path in (home, settings.parent, settings):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    return settings
