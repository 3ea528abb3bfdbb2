"""The Korean edition of `containers`: its notebook reads in Korean, and its checks speak the learner's language.

No engine: the lesson is built from its data, and the checks are called with learners' functions that
answer wrongly before the engine is needed (``api`` is ``None``, never reached).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from course import i18n
from course.checks import containers as check
from course.checks.feedback import Feedback
from course.material import lessons, translations

DOMAIN = "containers"
#: The seed note's terms this lesson teaches, as the Korean notebook must write them.
TERMS = ("컨테이너", "가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "격리", "커널 공유", "도커 엔진")
#: Their English words, which the Korean prose must not leave untranslated.
ENGLISH_TERMS = ("hypervisor", "guest OS", "host OS", "isolat", "virtual machine", "Docker Engine")

HANGUL = re.compile(r"[\uac00-\ud7a3]")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)]*)\)")
WORD = re.compile(r"[A-Za-z]{2,}")


def _markdown(lang: str) -> list[str]:
    with i18n.using(lang):
        return [c.source for c in lessons.get(DOMAIN).cells() if c.cell_type == "markdown"]


def _prose_lines(text: str) -> list[str]:
    """The lines a learner reads as sentences: code blocks, code spans and link targets taken out."""
    text = LINK.sub("]", SPAN.sub(" ", FENCE.sub("", text)))
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("|")]  # a table holds values, not sentences


def _english(line: str) -> bool:
    """A heuristic: a line with no Korean and at least three English words is an English sentence."""
    return not HANGUL.search(line) and len(WORD.findall(line)) >= 3


def _common_lines(lang: str) -> list[re.Pattern]:
    """The lines the shared catalog (``common``) writes into every notebook: headings, the time line.

    They are the ``common`` translator's, so this lesson's test skips them, whatever language they are in.
    """
    with i18n.using(lang), i18n.recording() as seen:
        lessons.get(DOMAIN).cells()
    shared = i18n.translator("common")
    with i18n.using(lang):
        texts = {shared(m) for d, m in seen if d == "common"}
        texts |= {shared.plural(m, m, 2) for d, m in seen if d == "common"}
    patterns = []
    for text in texts:
        for line in text.splitlines():
            parts = re.split(r"\{[^{}]*\}", line.strip())
            if len(WORD.findall(" ".join(parts))) >= 2:  # "{title}" or "{points:g} point" would hide this lesson's
                patterns.append(re.compile(".*".join(map(re.escape, parts))))
    return patterns


def _left_in_english(lang: str) -> list[str]:
    common = _common_lines(lang)
    return [line for cell in _markdown(lang) for line in _prose_lines(cell)
            if _english(line) and not any(p.fullmatch(line) for p in common)]


def test_the_korean_notebook_uses_the_seed_notes_terms():
    text = "\n".join(_markdown("ko"))
    assert [t for t in TERMS if t not in text] == []
    assert [t for t in ENGLISH_TERMS if t.lower() in text.lower()] == []


def test_no_english_sentence_is_left_in_the_korean_notebook():
    assert _left_in_english("ko") == []
    # The heuristic sees English where there is some: the English notebook is full of it.
    assert len(_left_in_english("en")) > 30


def _shape(text: str) -> list[str]:
    """The markdown's structure: headings (by level), list items and tables' widths, in order."""
    out = []
    for line in FENCE.sub("", text).splitlines():
        if heading := re.match(r"#+ ", line):
            out.append(heading.group())
        elif re.match(r"\s*[-*] ", line):
            out.append("-")
        elif line.lstrip().startswith("|"):
            out.append(f"|{line.count('|')}")
    return out


def _catalog():
    with i18n.catalog_path(DOMAIN, "ko").open("rb") as source:
        return [m for m in read_po(source, locale="ko", domain=DOMAIN) if m.id]


def test_every_translation_is_korean_and_keeps_the_markdown_and_the_code():
    catalog = _catalog()
    assert len(catalog) > 100
    for m in catalog:
        english, korean = m.id, m.string
        assert korean and not m.fuzzy, english[:60]
        assert translations.fields(korean) == translations.fields(english), english[:60]
        assert HANGUL.search(korean), english[:60]
        assert not [line for line in _prose_lines(korean) if _english(line)], english[:60]
        assert FENCE.findall(korean) == FENCE.findall(english), english[:60]
        assert Counter(SPAN.findall(korean)) == Counter(SPAN.findall(english)), english[:60]
        assert LINK.findall(korean) == LINK.findall(english), english[:60]
        assert _shape(korean) == _shape(english), english[:60]


def _failure(run) -> Feedback:
    with pytest.raises(Feedback) as caught:
        run()
    return caught.value


def _twice(run) -> tuple[Feedback, Feedback]:
    """The same failure in English (the default) and in Korean."""
    english = _failure(run)
    with i18n.using("ko"):
        korean = _failure(run)
    return english, korean


def test_engine_facts_feedback_in_korean_and_unchanged_in_english():
    def engine_facts(api):
        return ["24.0.5", "go1.20.1", "runc"]

    english, korean = _twice(lambda: check.engine_facts(engine_facts, None))
    assert english.problem == "`engine_facts` returned list, not a dict."
    assert english.hint == 'return a dictionary like {"version": ..., "go_version": ..., "runtime": ...}.'
    assert HANGUL.search(korean.problem) and "`engine_facts`" in korean.problem and "list" in korean.problem
    assert HANGUL.search(korean.hint) and '{"version": ..., "go_version": ..., "runtime": ...}' in korean.hint

    def engine_facts(api):  # noqa: F811 - another learner's answer
        return {"version": "24.0.5", "go_version": "1.20.1", "runtime": "runc"}

    english, korean = _twice(lambda: check.engine_facts(engine_facts, None))
    assert english.problem == "go_version is '1.20.1'; the engine reports something like \"go1.19.8\"."
    assert english.hint == 'read it from api.version()["GoVersion"].'
    assert HANGUL.search(korean.problem) and "'1.20.1'" in korean.problem and '"go1.19.8"' in korean.problem
    assert HANGUL.search(korean.hint) and 'api.version()["GoVersion"]' in korean.hint


def test_interfaces_feedback_in_korean_and_unchanged_in_english():
    """The form of the answer is checked before a container of the check's own is started."""
    def interfaces(api, network_mode):
        return ["eth0@if12", "lo"]

    english, korean = _twice(lambda: check.interfaces(interfaces, None, ["bridge"]))
    assert english.problem == ("`interfaces(api, 'bridge')` returned ['eth0@if12', 'lo']: in `ip link`, 'eth0@if12' "
                               "is the interface eth0 and the index of its peer, the other end of the veth pair, "
                               "on the host.")
    assert english.hint == "keep the name before the '@'."
    assert HANGUL.search(korean.problem) and "`interfaces(api, 'bridge')`" in korean.problem
    assert "['eth0@if12', 'lo']" in korean.problem and "veth" in korean.problem
    assert HANGUL.search(korean.hint) and "'@'" in korean.hint

    def interfaces(api, network_mode):  # noqa: F811 - another learner's answer
        return "eth0 lo"

    english, korean = _twice(lambda: check.interfaces(interfaces, None, ["none"]))
    assert english.problem == "`interfaces(api, 'none')` returned one string ('eth0 lo'), not a list of names."
    assert HANGUL.search(korean.problem) and "('eth0 lo')" in korean.problem
    assert "['eth0', 'lo']" in korean.hint and HANGUL.search(korean.hint)


def test_a_message_defined_at_import_is_translated_where_it_is_shown():
    """``WAIT`` is marked (``N_``) when the module loads, in whatever language, and translated when shown."""
    assert check.WAIT.startswith("wait for the container to end")
    with i18n.using("ko"):
        shown = check._(check.WAIT)
    assert HANGUL.search(shown) and "container.wait()" in shown


def test_swap_feedback_in_korean_and_unchanged_in_english():
    def start_sandbox(api, hostname):
        raise AssertionError("not called: the check reads what it asked for")

    english, korean = _twice(lambda: check._expect_no_swap(start_sandbox, 64 * 2**20, 0))
    assert english.problem.startswith("`start_sandbox` set a memory limit of 64 MiB but no memswap_limit: Docker "
                                      "then lets the container use as much swap again (memory+swap = 128 MiB)")
    assert english.problem.endswith("(The course's guard sets swap equal to memory on every container it lets "
                                    "through; a plain engine does not.)")
    assert english.hint == 'pass memswap_limit equal to mem_limit (memswap_limit="64m"): memory plus swap, no more.'
    assert HANGUL.search(korean.problem) and "64 MiB" in korean.problem and "128 MiB" in korean.problem
    assert '(memswap_limit="64m")' in korean.hint and HANGUL.search(korean.hint)
