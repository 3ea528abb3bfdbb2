"""The Korean edition in a real browser: JupyterLab's own menus in Korean (its language pack), a
Korean lesson, and the checks' feedback in Korean for a wrong answer, live and on *Validate*.

The same scenario as the English student's first steps in test_browser.py, on ``ko/release``.
Screenshots go to ``test-artifacts/browser-ko-*.png``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from test_browser import (  # noqa: F401 (the browser's fixtures, shared)
    RUN,
    WRONG,
    chromium,
    close_dialog,
    code_cell,
    lesson,
    notebook,
    open_lab,
    page,
    shot,
    student_server,
    type_answer,
    validate,
    wait_kernel_idle,
    wait_settled,
)

from course import i18n
from course.apps import labserver
from course.layout import Layout

pytestmark = pytest.mark.browser

KO = "ko"


def korean(domain: str, message: str) -> str:
    """``message`` as the Korean catalog has it (the test fails first if it is not translated)."""
    with i18n.using(KO):
        text = i18n.translator(domain)(message)
    assert text != message, f"{domain}: {message!r} has no Korean translation"
    return text


@pytest.fixture(scope="module")
def korean_lab(tmp_path_factory, engine) -> Iterator[labserver.LabServer]:
    """A student's JupyterLab on the Korean edition, in Korean (see ``student_server``)."""
    tmp = tmp_path_factory.mktemp("korean-lab")
    edition = Layout().edition(KO)
    ws = tmp / "student"
    shutil.copytree(Layout(edition).release(lesson.assignment), ws / lesson.assignment)
    with student_server(f"browser-ko-{os.getpid()}", course_root=edition, workspace=ws, state=tmp / "state",
                        lang=KO) as server:
        yield server


def test_korean_menus_lesson_and_feedback(page, korean_lab):  # noqa: F811 (the shared fixture)
    from playwright.sync_api import expect

    open_lab(page, korean_lab)
    menus = page.locator(".lm-MenuBar-itemLabel")
    for label in ("편집", "실행", "설정"):  # JupyterLab's own menus, from jupyterlab-language-pack-ko-KR
        expect(menus.filter(has_text=re.compile(f"^{label}"))).to_have_count(1)
    expect(menus.filter(has_text=re.compile(r"^Edit$"))).to_have_count(0)
    shot(page, "ko-1-menus")

    page.locator(".jp-DirListing-item", has_text=lesson.assignment).dblclick()
    page.locator(".jp-DirListing-item", has_text=f"{lesson.notebook}.ipynb").dblclick()
    wait_kernel_idle(page)
    panel = notebook(page)
    expect(panel.locator(".jp-MarkdownOutput h1").first).to_contain_text(korean(lesson.assignment, lesson.title))
    expect(panel.locator(".jp-MarkdownOutput h2", has_text=korean("common", "## Key points")[3:])).to_have_count(1)

    answer = code_cell(page, "def engine_facts(api):")
    tests = code_cell(page, "check.engine_facts(engine_facts, docker)")
    type_answer(page, answer, WRONG)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    try_line = korean("common", "What to try:")
    output = tests.locator(".jp-OutputArea-output")
    expect(output).to_contain_text(try_line, timeout=RUN)
    expect(output).not_to_contain_text("What to try:")
    wait_settled(page)
    output.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(page, "ko-2-feedback")
    message = validate(page)
    expect(message).to_have_class(re.compile("validation-failed"))
    expect(message).to_contain_text(try_line)
    shot(page, "ko-3-validate")
    close_dialog(page)
