"""The queue's pieces that need no engine: task ids, carried files, where the gradebook is, service configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.grading import distributed, gradebook, host
from course.layout import Layout
from course.services import broker


def _job(**change) -> dict:
    job = {"course": "c1", "assignment": "engine", "student": "ann", "files": {"a.ipynb": "AAA"},
           "source": {"a.ipynb": "SSS"}, "second_engine": False, "timeout": 600}
    return {**job, **change}


def test_the_task_id_is_the_digest_of_what_is_graded():
    base = distributed.task_id(_job())
    assert base == distributed.task_id(_job(timeout=30))  # how long it may take is not what is graded
    for change in ({"course": "c2"}, {"assignment": "vms"}, {"student": "bob"}, {"files": {"a.ipynb": "AAB"}},
                   {"source": {"a.ipynb": "SST"}}, {"files": {"b.ipynb": "AAA"}}):
        assert distributed.task_id(_job(**change)) != base, change


def test_files_travel_whole_and_never_outside_their_folder(tmp_path):
    src = tmp_path / "src"
    (src / "data").mkdir(parents=True)
    (src / "nb.ipynb").write_text("{}")
    (src / "data" / "x.bin").write_bytes(bytes(range(256)))
    files = host.encode(src)
    host.decode(files, tmp_path / "dst")
    assert (tmp_path / "dst" / "data" / "x.bin").read_bytes() == bytes(range(256))
    assert (tmp_path / "dst" / "nb.ipynb").read_text() == "{}"
    with pytest.raises(ValueError, match="outside"):
        host.decode({"../escape.txt": ""}, tmp_path / "dst2")
    assert not (tmp_path / "escape.txt").exists()


def test_the_gradebook_url_file_moves_the_gradebook_for_nbgrader_too(tmp_path):
    from course.grading.settings import course_config

    layout = Layout(tmp_path)
    assert layout.db_url.startswith("sqlite:///") and not layout.has_gradebook
    layout.gradebook_url.write_text("postgresql://course:pw@127.0.0.1:5439/gradebook\n")
    assert layout.has_gradebook
    assert course_config(tmp_path).CourseDirectory.db_url == "postgresql://course:pw@127.0.0.1:5439/gradebook"
    assert layout.gradebook_url in layout.private()


def test_messages_never_show_the_database_password():
    assert gradebook._safe("postgresql://course:s3cret@127.0.0.1:5439/g") == "postgresql://course:***@127.0.0.1:5439/g"


def test_results_go_back_through_redis_or_rabbitmq():
    assert host.backend_for("redis://:pw@127.0.0.1:6390/0") == "redis://:pw@127.0.0.1:6390/0"
    assert host.backend_for("amqp://guest:guest@127.0.0.1:5672//") == "rpc://"


def test_the_broker_listens_on_loopback_with_a_password_and_keeps_its_queue(tmp_path):
    b = broker.Broker(port=6399, state=tmp_path / "b")
    text = b.config_text()
    assert "bind 127.0.0.1\n" in text and f"requirepass {b.password()}\n" in text
    assert "appendonly yes\n" in text  # tasks survive a restart
    assert (tmp_path / "b" / "password").stat().st_mode & 0o077 == 0
    assert b.url == f"redis://:{b.password()}@127.0.0.1:6399/0"


def test_a_celery_app_acknowledges_late_and_never_unpickles():
    app = host.make_app("redis://:pw@127.0.0.1:6399/0", visibility_timeout=45)
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.accept_content == ["json"] and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] == 45
    assert host.TASK in app.tasks and app.tasks[host.TASK].max_retries == host.TRIES - 1


def test_record_reads_returned_notebooks_from_their_own_folder(tmp_path):
    returned = Layout(tmp_path).returned("ann", "engine")
    assert Path(tmp_path).resolve() in returned.parents and returned != Layout(tmp_path).autograded("ann", "engine")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A host's empty gradebook (made once: it runs nbgrader's `alembic heads` subprocess)."""
    return host.gradebook_template(tmp_path_factory.mktemp("cache"))


def _no_alembic(monkeypatch) -> None:
    """nbgrader runs `alembic heads` (a subprocess) only to make a new gradebook: make that fail."""
    import nbgrader.api

    def refuse() -> str:
        raise AssertionError("a new gradebook was made (nbgrader's alembic subprocess)")

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", refuse)


def test_a_host_makes_its_empty_gradebook_once(template):
    made = template.stat().st_mtime_ns
    assert host.gradebook_template(template.parent.parent) == template == host.template_path(template.parent.parent)
    assert template.stat().st_mtime_ns == made
    assert not list(template.parent.glob(".*"))  # nothing half-made left beside it


def test_a_hosts_task_generates_into_a_copy_of_its_empty_gradebook(template, tmp_path, monkeypatch):
    """A fresh course directory on a host: the assignment is generated without nbgrader making a gradebook."""
    from nbgrader.api import Gradebook

    from course import config
    from course.grading import sandbox

    monkeypatch.setattr(config, "CACHE", template.parent.parent)
    monkeypatch.setattr(sandbox, "available", lambda: False)  # no grader users here: only the generating
    _no_alembic(monkeypatch)
    with pytest.raises(AssertionError, match="alembic"):  # the check bites where a gradebook is made
        Gradebook(f"sqlite:///{tmp_path / 'new.db'}")
    grader = host.Host()
    grader.root = tmp_path / "host-course"
    grader.root.mkdir()
    source = host.encode(Layout(config.ROOT).source("engine"))
    grader.generate({"assignment": "engine", "source": source})
    with Gradebook(Layout(grader.root).db_url) as gb:
        assert gb.find_assignment("engine").notebooks
    assert template.read_bytes() != Layout(grader.root).gradebook.read_bytes()  # the template stays empty


def test_the_writers_gradebooks_share_one_engine_per_database(template, tmp_path):
    import shutil

    from nbgrader.api import Gradebook

    urls = []
    for name in ("a.db", "b.db"):
        shutil.copy(template, tmp_path / name)
        urls.append(f"sqlite:///{tmp_path / name}")
    with distributed.one_engine_per_database():
        first, again, other = Gradebook(urls[0]), Gradebook(urls[0]), Gradebook(urls[1])
        assert first.engine is again.engine and other.engine is not first.engine
        first.close()  # closes its connections, not the engine the others use
        again.add_student("ann")
        assert [s.id for s in again.students] == ["ann"]
        again.close()
        other.close()
    first, again = Gradebook(urls[0]), Gradebook(urls[0])
    assert first.engine is not again.engine  # nbgrader's own way again outside
    assert [s.id for s in first.students] == ["ann"]
    first.close()
    again.close()


def test_ready_answers_come_in_one_round_trip_from_a_key_value_backend(monkeypatch):
    from celery import Celery

    app = Celery("t", broker="memory://", backend="cache+memory://", set_as_current=False)
    backend = app.backend
    done, failed, retrying, pending = (f"task-{i}-{id(app)}" for i in range(4))
    backend.store_result(done, {"graded": {"student": "ann"}, "notebooks": {}}, "SUCCESS")
    backend.store_result(failed, ValueError("boom"), "FAILURE")
    backend.store_result(retrying, None, "RETRY")
    waiting = {tid: ("engine", "ann", app.AsyncResult(tid)) for tid in (done, failed, retrying, pending)}
    calls = []
    monkeypatch.setattr(backend, "mget", lambda keys, mget=backend.mget: calls.append(keys) or mget(keys))
    monkeypatch.setattr(backend, "get", lambda key: pytest.fail("a GET per task"))
    ready = distributed._ready(app, waiting)
    assert ready == {done: {"graded": {"student": "ann"}, "notebooks": {}},
                     failed: {"graded": {}, "failure": "ValueError: boom"}}
    assert len(calls) == 1 and len(calls[0]) == 4
    monkeypatch.setattr(backend, "mget", lambda keys: (_ for _ in ()).throw(ConnectionError("restarting")))
    assert distributed._ready(app, waiting) == {}  # the backend restarting: nothing this round
