"""The `course` command: set-up, release, grading and the demo for instructors.

A command speaks the language ``course --lang`` (or ``COURSE_LANG``) names, else the ``--root`` course
directory's (Korean for ``--root ko``); a command's own ``--lang`` (build-source, release, demo, try, lab)
picks the edition it works on. click's own help and usage texts stay English.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from course import config
from course import i18n as languages  # not `i18n`: the `course i18n` group below has that name
from course.i18n import translator
from course.layout import Layout

console = Console(soft_wrap=True)  # tables are wide: never fold them
UNCONFINED_HELP = ("Grade without the allow-list view (where bwrap is missing): kernels keep the grader user, "
                   "the guard and the limits, but read every file other users may read.")
_ = translator("common")
_n = _.plural


def _lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--lang`` as the course has it, or a one-line error listing the languages (a COURSE_LANG the
    course has no catalogs for is ignored: it may be any locale)."""
    if value is None:
        return None
    try:
        return languages.checked(value)
    except languages.UnknownLanguage:
        if ctx.get_parameter_source(param.name) is click.core.ParameterSource.ENVIRONMENT:
            return None
        raise _no_language(value) from None


def _no_language(lang: str, given: str = "--lang") -> click.ClickException:
    """The one-line error for a language the course is not written in (``given``: where it was given)."""
    from course.apps import preflight

    return preflight.BadInput(_("{given}: no language {lang!r}; the course is written in {langs}").format(
        given=given, lang=lang, langs=", ".join(f"{k} ({v})" for k, v in languages.LANGS.items())))


@click.group()
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=None, envvar="COURSE_ROOT",
              help="The course directory (default: this repository).")
@click.option("--lang", default=None, envvar=languages.ENV, callback=_lang, metavar="LANG",
              help="The language of the command's messages: en or ko (also COURSE_LANG); default: the "
                   "edition's (Korean for --root ko).")
@click.pass_context
def main(ctx: click.Context, root: Path | None, lang: str | None) -> None:
    """VMs and Docker, by doing: the instructor's and the lab's command."""
    ctx.obj = Path(root).resolve() if root else config.ROOT
    ctx.with_resource(languages.using(lang or Layout(ctx.obj).language))


def _course(ctx: click.Context):
    """The course directory the command works on (checked: a clear error if it is not one)."""
    from course.apps import preflight

    return preflight.course_dir(ctx.obj)


def _edition(ctx: click.Context, lang: str | None) -> tuple[Path, str]:
    """The course directory and language of the edition a command's ``--lang`` picks (None: the --root
    one). It picks what the command works on; the messages' language stays the one ``main`` chose."""
    if lang is None:
        return ctx.obj, Layout(ctx.obj).language
    return Layout(ctx.obj).edition(lang), lang


def _shown(ctx: click.Context, path: Path) -> Path:
    """``path`` as a message shows it: from the course directory the editions are in, if it is there."""
    base = Layout(ctx.obj).english
    return path.relative_to(base) if path.is_relative_to(base) else path


@main.command()
@click.option("--vm/--no-vm", default=True, help="Also fetch the VM kernel and build the initramfs.")
def setup(vm: bool) -> None:
    """Everything the course needs, idempotently: engine, images (and VM assets)."""
    from course.apps import setup as course_setup

    for line in course_setup.ensure_all(vm=vm):
        console.print(line)


@main.group()
def engine() -> None:
    """Start, stop or show the Docker Engine."""


@engine.command("start")
def engine_start() -> None:
    """Start Debian's dockerd if no engine answers (installs docker.io if needed)."""
    from course.engine import bootstrap

    console.print(_("engine ready at {url}").format(url=bootstrap.ensure_engine()))


@engine.command("stop")
def engine_stop() -> None:
    """Stop the dockerd the course started (by its recorded pid); never another one."""
    from course.engine import bootstrap

    console.print(_("stopped") if bootstrap.stop_daemon() else _("the course did not start the running engine"))


@main.group()
def registry() -> None:
    """Start or stop the course's local registry (Debian's docker-registry behind its front on 127.0.0.1:5000)."""


@registry.command("start")
def registry_start() -> None:
    from course.services import registry as reg

    console.print(_("registry at {url}").format(url=reg.start_registry()))


@registry.command("stop")
def registry_stop() -> None:
    """Stop the registry the course started (by its recorded pid)."""
    from course.services import registry as reg

    console.print(_("stopped") if reg.stop_registry() else _("the course did not start a running registry"))


@main.command()
def images() -> None:
    """Build the course images that are missing or whose inputs changed (offline)."""
    from course.engine import bootstrap, client
    from course.images import ensure_image

    bootstrap.ensure_engine()
    ref, built = ensure_image(client())
    console.print(_("{image}: built").format(image=ref) if built else _("{image}: up to date").format(image=ref))


@main.command()
def doctor() -> None:
    """Show what the course needs and what this machine has; exit 1 if it cannot run."""
    from course.apps import doctor as doc

    rows = doc.checks()
    table = Table(title="course doctor")
    for col in (_("check"), _("status"), _("found"), _("fix")):
        table.add_column(col, overflow="fold")
    for row in rows:
        status = ("[green]{}[/]".format(_("ok")) if row.ok else
                  "[red]{}[/]".format(_("MISSING")) if row.required else "[yellow]{}[/]".format(_("optional")))
        table.add_row(row.name, status, row.found, "" if row.ok else row.fix)
    console.print(table)
    sys.exit(0 if doc.healthy(rows) else 1)


LANG_OPTION = click.option("--lang", default=None, callback=_lang, metavar="LANG",
                           help="The edition: en, or ko (한국어판, its own course directory ko/); default: the "
                                "--root course directory's own.")


@main.command("build-source")
@LANG_OPTION
@click.pass_context
def build_source(ctx: click.Context, lang: str | None) -> None:
    """Write source/ and the course map from the lessons (course/material/lessons); with --lang, that
    language's edition (ko/)."""
    from course.material.build import build_source as build

    _root, lang = _edition(ctx, lang)
    for path in build(ctx.obj, lang):
        console.print(_("wrote {path}").format(path=_shown(ctx, path)))


def _known(assignments: tuple[str, ...]) -> list[str]:
    """The assignments asked for (all by default), each one the course has."""
    from course.material import lessons

    known = lessons.names()
    unknown = [a for a in assignments if a not in known]
    if unknown:
        raise click.BadParameter(_("no assignment {unknown}; the course has {known}").format(
            unknown=", ".join(unknown), known=", ".join(known)), param_hint="ASSIGNMENTS")
    return list(assignments) or known


def _require(outcome, what: str) -> None:
    if not outcome.ok:
        raise click.ClickException(_("{what} failed:").format(what=what) + f"\n{outcome.error or outcome.log}")


def _due(ctx: click.Context, param: click.Parameter, value: str | None):
    """``--due`` as nbgrader stores it (UTC), or a one-line error saying the format."""
    if value is None:
        return None
    from course.apps import preflight
    from course.grading import exchange

    try:
        return exchange.parse_due(value)
    except ValueError as exc:
        raise preflight.BadInput(f"--due: {exc}") from None


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--exchange/--no-exchange", default=False,
              help="Also release to nbgrader's exchange, for the students' Assignments tab (again: replaces it).")
@click.option("--due", default=None, metavar='"YYYY-MM-DD HH:MM [ZONE]"', callback=_due,
              help="The due date, recorded in the gradebook (UTC unless a zone follows, e.g. Asia/Seoul): "
                   "nbgrader flags later submissions late.")
@LANG_OPTION
@click.pass_context
def release(ctx: click.Context, assignments: tuple[str, ...], exchange: bool, due, lang: str | None) -> None:
    """Generate the student versions (release/) with nbgrader; all assignments by default.

    For a class: `course release ASSIGNMENT --exchange --due "2026-12-08 23:59 Asia/Seoul"`.
    `--lang ko`: the Korean edition (ko/release/), its source written first.
    """
    from course.grading import nbgrader_api
    from course.material.build import build_source as build

    _course(ctx)
    root, lang = _edition(ctx, lang)
    if lang != languages.DEFAULT:
        build(ctx.obj, lang)  # an edition's source is generated from the lessons and its catalogs first
    for name in _known(assignments):
        _require(nbgrader_api.generate(name, root), f"generate_assignment {name}")
        if due is not None:
            nbgrader_api.set_due(name, due, root)
        if exchange:
            _require(nbgrader_api.release_to_exchange(name, root), f"release_assignment {name}")
        line = _("released {name} to the exchange") if exchange else _("released {name}")
        console.print(line.format(name=name)
                      + (_(", due {due} UTC").format(due=f"{due:%Y-%m-%d %H:%M:%S}") if due else ""))


@main.command()
@click.argument("assignments", nargs=-1)
@click.pass_context
def collect(ctx: click.Context, assignments: tuple[str, ...]) -> None:
    """Collect each student's latest submission of ASSIGNMENTS (default: all released) from the exchange.

    nbgrader's collect: into submitted/, with the submission's timestamp (late ones are flagged
    against the due date when graded).
    """
    from course.apps import preflight
    from course.grading import nbgrader_api

    layout = _course(ctx)
    chosen = _known(assignments)
    if assignments:
        preflight.released(layout, chosen)
    else:
        chosen = [a for a in chosen if layout.exchange_release(a).is_dir()]
        if not chosen:
            raise preflight.BadInput(_("nothing is released to the exchange: run `course release ASSIGNMENT "
                                       "--exchange` first"))
    for name in chosen:
        before = set(layout.students(name))
        outcome = nbgrader_api.collect(name, layout.root)
        _require(outcome, f"collect {name}")
        for line in outcome.log.splitlines():
            if line.startswith("[WARNING]"):  # e.g. a submission under another student's id, not collected
                console.print(line, markup=False, highlight=False)
        now = layout.students(name)
        console.print(_n("collected {name}: {count} submission ({new} new)",
                         "collected {name}: {count} submissions ({new} new)", len(now)).format(
            name=name, count=len(now), new=len(set(now) - before)))


@main.command()
@click.argument("assignment")
@click.option("--student", default=None, help="Only this student.")
@click.option("--release", "release_", is_flag=True,
              help="Also release it to the exchange: each student fetches their own (Assignments tab, or "
                   "`nbgrader fetch_feedback`).")
@click.pass_context
def feedback(ctx: click.Context, assignment: str, student: str | None, release_: bool) -> None:
    """Generate HTML feedback (hidden tests and their code stay hidden)."""
    from course.apps import preflight
    from course.grading import nbgrader_api

    layout = _course(ctx)
    preflight.released(layout, _known((assignment,)))
    preflight.graded(layout)
    if student:
        preflight.submitted(layout, [assignment], [student])
    left = nbgrader_api.not_from_exchange(assignment, layout.root) if release_ else []
    if student and student in left:
        raise preflight.BadInput(_("{student}'s submission of {assignment} did not come through the exchange, so "
                                   "they have nothing to fetch feedback by: drop --release and give them "
                                   "feedback/").format(student=student, assignment=assignment))
    _require(nbgrader_api.generate_feedback(assignment, student, layout.root), f"generate_feedback {assignment}")
    console.print(_("feedback written to feedback/*/{assignment}/").format(assignment=assignment))
    if release_:
        _require(nbgrader_api.release_feedback(assignment, student, layout.root), f"release_feedback {assignment}")
        console.print(_("feedback of {assignment} released to the exchange").format(assignment=assignment)
                      + (_("; not for {students} (their submissions did not come through it)").format(
                          students=", ".join(left)) if left else ""))


@main.group()
def roster() -> None:
    """The class's students."""


@roster.command("import")
@click.argument("csv_file", metavar="ROSTER.CSV", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def roster_import(ctx: click.Context, csv_file: Path) -> None:
    """Add the roster's students (id, first_name, last_name, email) to the gradebook (each edition's, ko/ too);
    update known ones.

    Idempotent; nobody is removed (a student who left keeps their grades). The formgrader shows the names.
    Each new student also gets a class-server login with an initial password (`course class start`).
    """
    from course.grading import roster as class_roster

    layout = _course(ctx)
    try:
        students = class_roster.read(csv_file)
    except class_roster.RosterError as exc:
        raise click.ClickException(str(exc)) from None
    done = class_roster.import_roster(students, layout.root)
    for lang in layout.languages():  # one class, every edition's formgrader names its students
        if (edition := layout.edition(lang)) != layout.root:
            class_roster.import_roster(students, edition)
    console.print(_("roster {file}: {summary}").format(file=csv_file.name, summary=done.summary()))
    from course.services import hub

    served = hub.Hub(course_root=layout.root)
    logins = hub.add_students(students, served)
    console.print(_("class server logins: {count} new, initial passwords in {file} (root only)").format(
        count=len(logins), file=served.accounts_file))


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--student", "students", multiple=True, help="Only these students (default: all submitted).")
@click.option("--force", is_flag=True, help="Regrade submissions already graded.")
@click.option("--workers", type=int, default=None, help="Parallel graders (default: CPU count, more while the CPU idles).")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds per submission.")
@click.option("--unconfined", is_flag=True, help=UNCONFINED_HELP)
@click.option("--queue", "queue", default=None, metavar="URL",
              help="Grade on the grader hosts reading this broker (redis://... or amqp://...; `course`: the "
                   "course's own redis) instead of the local pool.")
@click.pass_context
def autograde(ctx: click.Context, assignments: tuple[str, ...], students: tuple[str, ...], force: bool,
              workers: int | None, timeout: float, unconfined: bool, queue: str | None) -> None:
    """Autograde the submissions of ASSIGNMENTS (default: all) into the gradebook, in parallel; resumable.

    Several assignments share one pool of workers (or the grader hosts, with --queue), longest
    submissions first. Each kernel runs in its allow-list view (bubblewrap); without it grading
    refuses unless --unconfined.
    """
    from course.apps import preflight
    from course.grading import parallel, report

    layout = _course(ctx)
    chosen = _known(assignments)
    # Named assignments must be released; by default, those that have submissions.
    preflight.released(layout, chosen if assignments else [a for a in chosen if layout.students(a)])
    if students:
        preflight.submitted(layout, chosen, list(students))
    if queue:
        from course.grading import distributed

        results = distributed.autograde(chosen, _broker(queue), list(students) or None, layout.root, force=force,
                                        timeout=timeout)
    else:
        preflight.engine()
        if not unconfined:
            preflight.view()
        results = parallel.autograde(chosen, list(students) or None, layout.root, force=force,
                                     workers=workers, timeout=timeout, unconfined=unconfined)
    from course.grading import sandbox

    sandbox.protect(layout.root)  # what grading created (autograded/): closed to the students on this machine
    console.print(report.outcome_table(results))
    if any(not r.ok for r in results):
        sys.exit(1)


def _broker(queue: str) -> str:
    """A broker URL: as given, or the course's own redis-server (started if needed) for ``course``."""
    if queue != "course":
        return queue
    from course.services import broker

    return broker.start_broker()


@main.command("grade-worker")
@click.option("--queue", "queue", default="course", show_default=True, metavar="URL", envvar="COURSE_QUEUE",
              help="The broker to take tasks from (`course`: the course's own redis on this machine); "
                   "or COURSE_QUEUE, which keeps its password off the command line other users can read.")
@click.option("--concurrency", type=int, default=None, help="Submissions graded at once (default: CPU count).")
@click.option("--hostname", default=None, help="This host's name in the queue (default: Celery's).")
@click.option("--visibility-timeout", type=float, default=3600.0, show_default=True,
              help="Seconds before the broker gives an unacknowledged task (its host died) to another host.")
def grade_worker(queue: str, concurrency: int | None, hostname: str | None, visibility_timeout: float) -> None:
    """Run a grader host: grade submissions from the queue with the sandboxed path, on this machine's engine."""
    import os

    from course.apps import setup as course_setup
    from course.grading import host

    for line in course_setup.ensure_all():
        console.print(line)
    host.run(_broker(queue), concurrency or os.cpu_count() or 1, hostname, visibility_timeout)


@main.group()
def gradebook() -> None:
    """Where the course's gradebook lives."""


@gradebook.command("init")
@click.option("--db", "db", required=True, metavar="URL",
              help="postgresql://user:password@host:port/database, or `course` for the course's own PostgreSQL.")
@click.pass_context
def gradebook_init(ctx: click.Context, db: str) -> None:
    """Move the gradebook to a database several processes share (nbgrader and the formgrader follow)."""
    from course.grading import gradebook as book

    layout = _course(ctx)
    if db == "course":
        from course.services import database

        db = database.start_database()
    try:
        copied = book.move(db, layout.root)
    except book.GradebookError as exc:
        raise click.ClickException(str(exc)) from exc
    console.print(_("gradebook moved ({rows} rows); {file} names it").format(
        rows=sum(copied.values()), file=layout.gradebook_url.name))


@main.group()
def services() -> None:
    """Start or stop the grading queue's broker and the gradebook's PostgreSQL (the course's own)."""


@services.command("start")
def services_start() -> None:
    from course.services import broker, database

    console.print(_("broker at 127.0.0.1:{port}: {ok}").format(port=broker.DEFAULT.port, ok=bool(broker.start_broker())))
    console.print(_("database at 127.0.0.1:{port}: {ok}").format(port=database.DEFAULT.port,
                                                               ok=bool(database.start_database())))


@services.command("stop")
def services_stop() -> None:
    """Stop them by their recorded pids."""
    from course.services import broker, database

    console.print(_("broker stopped: {broker}; database stopped: {database}").format(
        broker=broker.stop_broker(), database=database.stop_database()))


@main.group("class")
def class_() -> None:
    """The class server: JupyterHub on 127.0.0.1 where students log in, fetch, work and submit."""


@class_.command("start")
@click.pass_context
def class_start(ctx: click.Context) -> None:
    """Start the hub (and its proxy) if it does not answer; print its URL and the instructor's login."""
    from course.apps import classhub, preflight
    from course.services import hub

    root = _course(ctx).root
    preflight.engine()
    preflight.view()
    served = hub.Hub(course_root=root)
    try:
        url = classhub.serve(served)
    except hub.HubUnavailable as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(1)
    me = served.instructor()
    console.print(_("class server: {url}").format(url=url))
    console.print(_("instructor's login: {name} / {password} (change it under {url}hub/change-password)").format(
        name=me.name, password=me.password, url=url))
    console.print(_("students' initial passwords: {file} (root only); "
                    "`course roster import roster.csv` adds students").format(file=served.accounts_file))


@class_.command("stop")
def class_stop() -> None:
    """Stop the hub by its recorded pid: the students' servers and guards stop with it."""
    from course.services import hub

    console.print(_("class server stopped: {stopped}").format(stopped=hub.stop_hub()))


@main.command()
@click.option("--html", is_flag=True, help="Also write reports/report.html, one page to open in a browser.")
@click.pass_context
def grades(ctx: click.Context, html: bool) -> None:
    """The grade report: scores, summary, item analysis; CSVs and a histogram in reports/."""
    from course.apps import preflight
    from course.grading import report as rep

    layout = _course(ctx)
    preflight.graded(layout)
    rep.show(console, layout.root, html=html)


@main.group()
def variants() -> None:
    """Each student's own values for the varied exercises (derived from the course's private secret)."""


@variants.command("show")
@click.argument("student")
@click.argument("assignment", required=False)
@click.pass_context
def variants_show(ctx: click.Context, student: str, assignment: str | None) -> None:
    """STUDENT's values for ASSIGNMENT (default: every assignment that varies some)."""
    from course.grading import variants as var

    layout = _course(ctx)
    table = Table(_("assignment"), _("name"), _("what"), _("value"), title=_("variant of {student}").format(
        student=student))
    for name in _known((assignment,) if assignment else ()):
        for param, meaning, value in var.describe(student, name, layout.root):
            table.add_row(name, param, meaning, str(value))
    console.print(table)


@main.command()
@click.argument("assignment")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="List pairs where at least this share of one student's answer text is also in the "
                   "other's (default 0.5).")
@click.pass_context
def similarity(ctx: click.Context, assignment: str, threshold: float | None) -> None:
    """Pairs of students whose answer cells (code and written) are suspiciously alike; a page in reports/."""
    from course.apps import preflight
    from course.grading import report as rep

    layout = _course(ctx)
    preflight.comparable(layout, _known((assignment,))[0])
    rep.show_similarity(console, assignment, layout.root, threshold)


@main.command()
def cleanup() -> None:
    """Remove every container, network and volume the course created on the engine."""
    from course.engine import client, remove_labelled

    console.print(dict(remove_labelled(client())))


@main.group()
def i18n() -> None:
    """The translations: gettext catalogs in course/locale (one domain per lesson, and common)."""


@i18n.command("update")
@click.argument("domains", nargs=-1)
def i18n_update(domains: tuple[str, ...]) -> None:
    """Extract every English text into the templates and merge them into each language's .po
    (DOMAINS: only those catalogs, e.g. `containers common`)."""
    from course.material import translations as catalogs

    try:
        written = catalogs.update(only=list(domains) or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DOMAINS") from None
    for path in written:
        console.print(_("wrote {path}").format(path=path.relative_to(config.ROOT)))


@i18n.command("check")
@click.argument("lang", default="ko")
def i18n_check(lang: str) -> None:
    """Say which texts of LANG are untranslated or stale (exit 1 if any)."""
    from course.material import translations as catalogs

    try:
        lang = languages.checked(lang)
    except languages.UnknownLanguage:
        raise _no_language(lang, "LANG") from None
    found = catalogs.problems(lang)
    for line in found:
        console.print(line, markup=False)
    console.print(_("{lang}: {count} problem(s)").format(lang=lang, count=len(found)) if found
                  else _("{lang}: every text is translated and current").format(lang=lang))
    sys.exit(1 if found else 0)


@main.command()
@click.option("--unconfined", is_flag=True, help=UNCONFINED_HELP)
@click.option("--queue", is_flag=True, help="Grade through the queue: the course's broker and a grader host.")
@LANG_OPTION
@click.pass_context
def demo(ctx: click.Context, unconfined: bool, queue: bool, lang: str | None) -> None:
    """The whole course loop: set-up, release, three simulated students, autograde, report
    (`--lang ko`: on the Korean edition, ko/, graded with Korean feedback)."""
    from course.apps import demo as run_demo
    from course.apps import preflight
    from course.material.build import build_source as build

    root, lang = _edition(ctx, lang)
    if not unconfined:
        preflight.view()
    if lang != languages.DEFAULT:
        build(ctx.obj, lang)
    sys.exit(run_demo.run(console, root=root, unconfined=unconfined, queue=queue))


@main.command("try")
@click.argument("assignments", nargs=-1, required=True)
@click.option("--unconfined", is_flag=True, help=UNCONFINED_HELP)
@LANG_OPTION
@click.pass_context
def try_(ctx: click.Context, assignments: tuple[str, ...], unconfined: bool, lang: str | None) -> None:
    """Grade the three simulated students of ASSIGNMENTS in a scratch course (for lesson authors);
    `--lang ko`: a scratch copy of the Korean edition, graded in Korean."""
    from course.apps import demo as run_demo
    from course.apps import preflight

    _root, lang = _edition(ctx, lang)
    names = tuple(_known(assignments))
    if not unconfined:
        preflight.view()
    sys.exit(run_demo.trial(console, names, unconfined=unconfined, lang=lang))


@main.command()
@click.option("--port", default=8888, show_default=True)
@click.option("--token", default=None, help="Access token (default: a random one, printed).")
@click.option("--ip", default="127.0.0.1", show_default=True)
@click.option("--mode", type=click.Choice(["student", "instructor"]), default="student", show_default=True,
              help="student: the released notebooks; instructor: the course directory with the formgrader.")
@click.option("--student", default=None,
              help="Student mode on a shared machine: kernels run as this student's own user in an "
                   "allow-list view of their own notebooks, reach the engine only through their guard, and "
                   "see only their own containers, networks and volumes.")
@click.option("--unconfined", is_flag=True, help="With --student: no allow-list view (where bwrap is missing).")
@LANG_OPTION
@click.pass_context
def lab(ctx: click.Context, port: int, token: str | None, ip: str, mode: str, student: str | None,
        unconfined: bool, lang: str | None) -> None:
    """Start JupyterLab on a student copy of the released notebooks (or the instructor's course);
    `--lang ko` (or `--root ko`): the Korean edition, JupyterLab's menus in Korean, feedback in Korean."""
    from course.apps import labserver, preflight

    _course(ctx)
    root, lang = _edition(ctx, lang)
    if not (Layout(root).release() / "index.ipynb").exists():
        raise preflight.BadInput(_("the {lang} edition is not released yet: run `course release --lang {lang}` "
                                   "first").format(lang=lang))
    preflight.port_free(ip, port)
    if not student:
        sys.exit(labserver.run(port=port, token=token, ip=ip, mode=mode, course_root=root, lang=lang))
    from course.grading import sandbox
    from course.guard import start_guard

    preflight.engine()
    confined = mode == "student" and not unconfined
    if confined:
        preflight.view()
    # Its pushes and pulls are in the registry namespace of the user the student's kernels run as.
    guard = start_guard(student, mode=0o600, registry_user=sandbox.student_user(student) if confined else None)
    try:
        console.print(_("engine access through {student}'s guard: {url}").format(student=student, url=guard.url)
                      + (_(", kernels in their allow-list view") if confined else ""))
        code = labserver.run(port=port, token=token, ip=ip, mode=mode, docker_host=guard.url, course_root=root,
                             student=student if confined else None, lang=lang)
    finally:
        guard.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
