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
