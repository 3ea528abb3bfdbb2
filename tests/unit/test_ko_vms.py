"""The Korean edition of `vms`: its prose is Korean, its catalog keeps the markdown, its checks speak Korean.

The lesson's generated headings and labels ("### Exercise 1 ...", "**Time:**") belong to the
``common`` catalog, translated on their own: here they are fenced off (every text the ``common``
translator gives is marked) so that what is checked is exactly what the `vms` catalog says.
"""

from __future__ import annotations

import json
import re
import string

import pytest

from course import i18n
from course.checks import vms as check
from course.checks.feedback import Feedback
from course.lab import variant
from course.material import lesson as lesson_module
from course.material import lessons, translations

#: The seed note's terms this lesson teaches, as the Korean edition writes them.
TERMS = ("가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "커널", "격리", "컨테이너")
_START, _END = "\x01", "\x02"
_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_SPAN = re.compile(r"`[^`\n]*`")
_COMMON = re.compile(f"{_START}[^{_END}]*{_END}")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
#: Words an English sentence cannot do without, and that no Korean sentence here needs.
_ENGLISH = {"the", "a", "an", "is", "are", "was", "of", "to", "and", "in", "it", "its", "that", "with",
            "for", "on", "as", "by", "be", "this", "what", "how", "your", "you", "not", "from", "which",
            "each", "one", "runs", "has"}


def _marked(message: str) -> str:
    """``message`` with each literal part between markers, its fields (filled in later) left out."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(message):
        if literal:
            parts.append(_START + literal.replace("{", "{{").replace("}", "}}") + _END)
        if name is not None:
            parts.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(parts)


@pytest.fixture
def common_marked(monkeypatch):
    """The lesson's ``common`` texts (headings, labels) marked, in whatever language they are now."""
    common = lesson_module._
    monkeypatch.setattr(lesson_module, "_", lambda message: _marked(common(message)))
    monkeypatch.setattr(lesson_module, "_n", lambda one, many, n: _marked(common.plural(one, many, n)))


def _prose_lines(lang: str) -> list[tuple[str, str]]:
    """(cell id, line) of every markdown line of the lesson in ``lang``, without code or ``common`` texts."""
    with i18n.using(lang):
        cells = lessons.get("vms").cells()
    out = []
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        text = _SPAN.sub(" ", _FENCE.sub("", _COMMON.sub(" ", cell.source)))
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
        out += [(grade_id, line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("|")]
    return out


def _english(line: str) -> bool:
    """A line that reads as English: mostly ASCII words, with English's function words among them."""
    words = [w.lower() for w in _WORD.findall(line)]
    glue = sum(w in _ENGLISH for w in words)
    return glue >= 2 or (len(words) >= 6 and not _HANGUL.search(line))


def test_the_korean_lesson_is_korean_with_the_seed_notes_terms(common_marked):
    lines = _prose_lines("ko")
    text = "\n".join(line for _, line in lines)
    assert [term for term in TERMS if term not in text] == []
    assert [(cell, line) for cell, line in lines if _english(line)] == []


def test_the_heuristic_finds_the_english_it_is_meant_to_find(common_marked):
    """Without the catalog every prose cell is English, and each is caught: the test above can fail."""
    lines = _prose_lines("en")
    cells = {cell for cell, _ in lines}
    caught = {cell for cell, line in lines if _english(line)}
    assert cells - caught == set()
    assert {"intro", "s1-concept", "ex1-text", "q1-answer", "keypoints"} <= cells


def _shape(text: str) -> dict[str, object]:
    """What a translation must keep of a markdown text: its structure, code, links and placeholders."""
    lines = text.splitlines()
    return {
        "headings": [re.match(r"#+", ln).group(0) for ln in lines if re.match(r"#+ ", ln)],
        "list items": sum(bool(re.match(r"\s*(?:[-*]|\d+\.) ", ln)) for ln in lines),
        "table columns": [ln.count("|") for ln in lines if ln.lstrip().startswith("|")],
        "code blocks": _FENCE.findall(text),
        "code spans": sorted(_SPAN.findall(_FENCE.sub("", text))),
        "link targets": sorted(re.findall(r"\]\(([^)]*)\)", text)),
        "placeholders": translations.fields(text),
    }


def test_every_korean_message_is_translated_and_keeps_the_english_shape():
    catalog = translations._read(i18n.catalog_path("vms", "ko"), "ko", "vms")
    messages = [m for m in catalog if m.id]
    assert len(messages) == len(translations.template("vms"))
    for message in messages:
        assert message.string and not message.fuzzy, message.id
        assert _shape(message.string) == _shape(message.id), message.id
        words = message.id
        for field in translations.fields(words):
            words = words.replace(field, "")
        if _WORD.search(words):  # not the English copied over ("{said}." has nothing to translate)
            assert _HANGUL.search(message.string), message.id


def test_the_checks_feedback_is_korean_under_ko_and_unchanged_english_otherwise(monkeypatch):
    """Failures found before any VM is asked anything: a function that forgot `return`, a missing or
    wrong `my_machine` (the learner's own memory size comes from their variant)."""
    monkeypatch.setenv(variant.ENV, json.dumps({"student": "s1", "values": {"vms": {"vm_memory_mb": 320}}}))

    def forgot_return(memory_mb, cpus):
        pass

    cases = [
        (lambda: check.boot_configured(forgot_return, 160, 1),
         ("what `boot_configured` returned is NoneType, not a booted VM.",
          "return what vm.boot(memory_mb=..., cpus=...) gives you."),
         ("`boot_configured`가 돌려준 값은 부팅된 가상 머신이 아니라 NoneType입니다.",
          "vm.boot(memory_mb=..., cpus=...)가 돌려주는 것을 그대로 돌려주세요.")),
        (lambda: check.my_machine(None),
         ("`my_machine` is not set.",
          "boot your own machine in the exercise's cell: my_machine = boot_configured(320, 2)."),
         ("`my_machine`에 값이 없습니다.",
          "연습 문제 셀에서 여러분의 머신을 부팅해 보세요: my_machine = boot_configured(320, 2).")),
        (lambda: check.my_machine("my machine"),
         ("`my_machine` is str, not a booted VM.", "return what vm.boot(memory_mb=..., cpus=...) gives you."),
         ("`my_machine`은 부팅된 가상 머신이 아니라 str입니다.",
          "vm.boot(memory_mb=..., cpus=...)가 돌려주는 것을 그대로 돌려주세요.")),
    ]
    for run, english, korean in cases:
        for lang, expected in (("en", english), ("ko", korean)):
            with i18n.using(lang), pytest.raises(Feedback) as caught:
                run()
            assert (caught.value.problem, caught.value.hint) == expected
        with pytest.raises(Feedback) as caught:  # no language chosen: COURSE_LANG unset, English
            run()
        assert (caught.value.problem, caught.value.hint) == english
