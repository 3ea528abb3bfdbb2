"""The Korean edition of `containers`: its notebook reads in Korean, and its checks speak the learner's language.

No engine: the lesson is built from its data, and the checks are called with learners' functions that
answer wrongly before the engine is needed (``api`` is ``None``, never reached). What every lesson's
Korean edition is held to (the prose, the English heuristic, the shape of a translation, the ``common``
texts fenced off) is in ``korean.py``; here is what is `containers`'s own.
"""

from __future__ import annotations

import korean as shared

from course import i18n
from course.checks import containers as check

DOMAIN = "containers"
#: The seed note's terms this lesson teaches, as the Korean notebook must write them.
TERMS = ("컨테이너", "가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "격리", "커널 공유", "도커 엔진")
#: Their English words, which the Korean prose must not leave untranslated.
ENGLISH_TERMS = ("hypervisor", "guest OS", "host OS", "isolat", "virtual machine", "Docker Engine")
#: What the Korean keeps in Latin letters: projects, kernel features and their terms, not English left over.
NAMES = ("LXC", "Linux Containers", "libcontainer", "runc", "rootless Docker", "capability", "seccomp",
         "AppArmor", "SELinux")


def test_the_korean_notebook_uses_the_seed_notes_terms():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    text = "\n".join(shared.markdown(DOMAIN, "ko"))
    assert [t for t in ENGLISH_TERMS if t.lower() in text.lower()] == []


def test_no_english_sentence_is_left_in_the_korean_notebook():
    assert shared.english_in(DOMAIN, "ko", NAMES) == []
    # The heuristic sees English where there is some: the English notebook is full of it.
    assert len(shared.english_in(DOMAIN, "en", NAMES)) > 30


def test_every_translation_is_korean_and_keeps_the_markdown_and_the_code():
    assert len(shared.check_catalog(DOMAIN, NAMES)) > 100


def test_engine_facts_feedback_in_korean_and_unchanged_in_english():
    def engine_facts(api):
        return ["24.0.5", "go1.20.1", "runc"]

    english, korean = shared.both(lambda: check.engine_facts(engine_facts, None))
    assert english.problem == "`engine_facts` returned list, not a dict."
    assert english.hint == 'return a dictionary like {"version": ..., "go_version": ..., "runtime": ...}.'
    assert shared.HANGUL.search(korean.problem) and "`engine_facts`" in korean.problem and "list" in korean.problem
    assert shared.HANGUL.search(korean.hint) and '{"version": ..., "go_version": ..., "runtime": ...}' in korean.hint

    def engine_facts(api):  # noqa: F811 - another learner's answer
        return {"version": "24.0.5", "go_version": "1.20.1", "runtime": "runc"}

    english, korean = shared.both(lambda: check.engine_facts(engine_facts, None))
    assert english.problem == "go_version is '1.20.1'; the engine reports something like \"go1.19.8\"."
    assert english.hint == 'read it from api.version()["GoVersion"].'
    assert shared.HANGUL.search(korean.problem) and "'1.20.1'" in korean.problem and '"go1.19.8"' in korean.problem
    assert shared.HANGUL.search(korean.hint) and 'api.version()["GoVersion"]' in korean.hint


def test_interfaces_feedback_in_korean_and_unchanged_in_english():
    """The form of the answer is checked before a container of the check's own is started."""
    def interfaces(api, network_mode):
        return ["eth0@if12", "lo"]

    english, korean = shared.both(lambda: check.interfaces(interfaces, None, ["bridge"]))
    assert english.problem == ("`interfaces(api, 'bridge')` returned ['eth0@if12', 'lo']: in `ip link`, 'eth0@if12' "
                               "is the interface eth0 and the index of its peer, the other end of the veth pair, "
                               "on the host.")
    assert english.hint == "keep the name before the '@'."
    assert shared.HANGUL.search(korean.problem) and "`interfaces(api, 'bridge')`" in korean.problem
    assert "['eth0@if12', 'lo']" in korean.problem and "veth" in korean.problem
    assert shared.HANGUL.search(korean.hint) and "'@'" in korean.hint

    def interfaces(api, network_mode):  # noqa: F811 - another learner's answer
        return "eth0 lo"

    english, korean = shared.both(lambda: check.interfaces(interfaces, None, ["none"]))
    assert english.problem == "`interfaces(api, 'none')` returned one string ('eth0 lo'), not a list of names."
    assert shared.HANGUL.search(korean.problem) and "('eth0 lo')" in korean.problem
    assert "['eth0', 'lo']" in korean.hint and shared.HANGUL.search(korean.hint)


def test_a_message_defined_at_import_is_translated_where_it_is_shown():
    """``WAIT`` is marked (``N_``) when the module loads, in whatever language, and translated when shown."""
    assert check.WAIT.startswith("wait for the container to end")
    with i18n.using("ko"):
        shown = check._(check.WAIT)
    assert shared.HANGUL.search(shown) and "container.wait()" in shown


def test_swap_feedback_in_korean_and_unchanged_in_english():
    def start_sandbox(api, hostname):
        raise AssertionError("not called: the check reads what it asked for")

    english, korean = shared.both(lambda: check._expect_no_swap(start_sandbox, 64 * 2**20, 0))
    assert english.problem.startswith("`start_sandbox` set a memory limit of 64 MiB but no memswap_limit: Docker "
                                      "then lets the container use as much swap again (memory+swap = 128 MiB)")
    assert english.problem.endswith("(The course's guard sets swap equal to memory on every container it lets "
                                    "through; a plain engine does not.)")
    assert english.hint == 'pass memswap_limit equal to mem_limit (memswap_limit="64m"): memory plus swap, no more.'
    assert shared.HANGUL.search(korean.problem) and "64 MiB" in korean.problem and "128 MiB" in korean.problem
    assert '(memswap_limit="64m")' in korean.hint and shared.HANGUL.search(korean.hint)
