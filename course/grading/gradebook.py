"""Moving a course's gradebook from SQLite to PostgreSQL, so that several processes can share it.

nbgrader's gradebook is SQLAlchemy over any ``db_url``; its FAQ warns against sharing the
SQLite file between writers. ``move(url)`` copies every nbgrader table (its own schema,
``nbgrader.api.Base``, and the alembic version) into the new database in one transaction,
so a failure leaves the new database as it was, then writes the URL into the course's
private ``gradebook.url``, which ``settings.apply`` (so ``nbgrader_config.py``, the
formgrader and every ``course`` command) reads. A database that already holds grades is
refused: moving onto it would mix two classes.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.api import Base
from sqlalchemy import Column, MetaData, Table, create_engine, inspect, select, text

from course import config
from course.layout import Layout


class GradebookError(RuntimeError):
    """The gradebook cannot be moved there."""


def holds_grades(url: str) -> int:
    """How many graded submissions the database at ``url`` holds (0 if it has no nbgrader tables)."""
    engine = create_engine(url)
    try:
        if "submitted_assignment" not in inspect(engine).get_table_names():
            return 0
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM submitted_assignment")).scalar_one()
    finally:
        engine.dispose()


def move(url: str, root: Path = config.ROOT) -> dict[str, int]:
    """Copy the course's gradebook into the database at ``url`` and use it from now on; rows per table."""
    layout = Layout(root)
    if layout.gradebook_url.exists() and layout.db_url == url:
        raise GradebookError(f"the course already uses {_safe(url)}")
    held = holds_grades(url)
    if held:
        raise GradebookError(f"{_safe(url)} already holds {held} graded submission(s); "
                             "give the course an empty database")
    source_url = layout.db_url
    source = create_engine(source_url.split("?")[0]) if _exists(source_url) else None
    target = create_engine(url)
    copied: dict[str, int] = {}
    try:
        with target.begin() as conn:  # one transaction: DDL too (PostgreSQL's is transactional)
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            Base.metadata.create_all(conn)
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            tables = [*Base.metadata.sorted_tables]
            if source is not None:
                version = Table("alembic_version", MetaData(), autoload_with=source)
                columns = [Column(c.name, c.type, nullable=c.nullable) for c in version.columns]
                tables.append(Table("alembic_version", MetaData(), *columns))
                with source.connect() as read:
                    for table in tables:
                        rows = [dict(r._mapping) for r in read.execute(select(table))]
                        if rows:
                            conn.execute(table.insert(), rows)
                        copied[table.name] = len(rows)
            else:
                from nbgrader.api import get_alembic_version

                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                             {"v": get_alembic_version()})
    finally:
        target.dispose()
        if source is not None:
            source.dispose()
    fd = os.open(layout.gradebook_url, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds a password
    with os.fdopen(fd, "w") as out:
        out.write(url + "\n")
    return copied


def _exists(url: str) -> bool:
    return not url.startswith("sqlite:///") or Path(url.split("?")[0].removeprefix("sqlite:///")).exists()


def _safe(url: str) -> str:
    """A database URL without its password, for messages."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':')[0]}:***@{tail}"
