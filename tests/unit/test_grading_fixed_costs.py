"""What the pool does once instead of per submission gives the same answers as doing it each time.

- nbgrader's cell-metadata checks with the schema compiled once (the grading worker's): the same
  outcome, error class and message as stock ``jsonschema.validate``, on valid and broken metadata;
- the font list copied into an emptied kernel home: made only there, never through a planted link;
- what a grading process imports builds no parsers: jsonschema 4.24+ would import rfc3987-syntax,
  which builds some forty Earley parsers at import (2.5 s a process on a 2-core machine).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat import common as nbgrader_format

from course import config
from course.grading import kernel_home
from course.grading.worker import CompiledSchemas

RELEASED = Path(__file__).resolve().parents[2] / "release" / "containers" / "containers.ipynb"

BREAKAGES = {
    "valid": lambda meta: None,
    "points not a number": lambda meta: meta.update(points="x"),
    "grade_id not a string": lambda meta: meta.update(grade_id=5),
    "extra key": lambda meta: meta.update(extra=1),
    "missing key": lambda meta: meta.pop("locked"),
    "solution not a boolean": lambda meta: meta.update(solution="no"),
    "old schema": lambda meta: meta.update(schema_version=2),
}


def _outcome(nb: nbformat.NotebookNode) -> str:
    try:
        MetadataValidator().validate_nb(copy.deepcopy(nb))
    except Exception as exc:  # noqa: BLE001 (the outcome is what is compared)
        return f"{type(exc).__name__}: {exc}"
    return "ok"


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_compiled_schemas_validate_as_nbgrader_does(breakage, monkeypatch):
    nb = nbformat.read(RELEASED, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    BREAKAGES[breakage](cell.metadata["nbgrader"])
    stock = _outcome(nb)
    monkeypatch.setattr(nbgrader_format, "jsonschema", CompiledSchemas())
    assert _outcome(nb) == stock
    assert _outcome(nb) == stock  # and again, from the compiled validator
    assert (stock == "ok") == (breakage == "valid")


def test_compiled_schemas_still_check_the_schema():
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        CompiledSchemas().validate({}, {"type": 12})


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    """A font list in a course cache of its own."""
    monkeypatch.setattr(config, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(kernel_home, "fingerprint", lambda: "k")
    seed = tmp_path / "cache" / "kernel-home" / "k"
    seed.mkdir(parents=True)
    (seed / "fontlist-v1.json").write_text('{"_version": "1"}')
    home = tmp_path / "home"
    home.mkdir()
    return home


def test_the_font_list_is_copied_into_an_emptied_home(seeded):
    assert kernel_home.fill(seeded, os.getuid(), os.getgid())
    assert (seeded / kernel_home.MATPLOTLIB_DIR / "fontlist-v1.json").read_text() == '{"_version": "1"}'


def test_a_folder_already_there_is_left_alone(seeded, tmp_path):
    """A process that outlived the last submission and planted a link: nothing is written through it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (seeded / kernel_home.MATPLOTLIB_DIR).symlink_to(elsewhere)
    assert not kernel_home.fill(seeded, os.getuid(), os.getgid())
    assert list(elsewhere.iterdir()) == []


def test_a_home_that_is_a_link_is_left_alone(seeded, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(seeded)
    assert not kernel_home.fill(link, os.getuid(), os.getgid())
    assert list(seeded.iterdir()) == []


def test_no_font_list_yet_means_no_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE", tmp_path / "cache")
    assert kernel_home.seed() is None
    assert not kernel_home.fill(tmp_path, os.getuid(), os.getgid())
    assert not (tmp_path / kernel_home.MATPLOTLIB_DIR).exists()


def test_grading_imports_build_no_iri_parsers():
    probe = ("import sys, nbformat.validator, nbgrader.preprocessors, jsonschema._format; "
             "print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", "pin jsonschema below 4.24 in requirements.txt (see the comment there)"
