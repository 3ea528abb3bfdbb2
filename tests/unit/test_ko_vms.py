"""The Korean edition of `vms`: its prose is Korean, its catalog keeps the markdown, its checks speak Korean.

What every lesson's Korean edition is held to (the prose, the English heuristic, the shape of a
translation, the ``common`` texts fenced off) is in ``korean.py``; here is what is `vms`'s own.
"""

from __future__ import annotations

import json

import korean as shared

from course.checks import vms as check
from course.lab import variant

DOMAIN = "vms"
#: The seed note's terms this lesson teaches, as the Korean edition writes them.
TERMS = ("가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "커널", "격리", "컨테이너")
#: What the Korean keeps in Latin letters: products and their parts, not English left over.
NAMES = ("VirtualBox", "VMware", "Workstation", "ESXi", "Microsoft", "Hyper-V", "Xen", "QEMU", "KVM",
         "VT-x", "AMD-V", "TCG", "Tiny Code Generator")


def test_the_korean_lesson_is_korean_with_the_seed_notes_terms():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    assert shared.english_in(DOMAIN, "ko", NAMES) == []


def test_the_heuristic_finds_the_english_it_is_meant_to_find():
    """Without the catalog every prose cell is English, and each is caught: the test above can fail."""
    cells = {cell for cell, _ in shared.prose_lines(DOMAIN, "en")}
    caught = {cell for cell, _ in shared.english_in(DOMAIN, "en", NAMES)}
    assert cells - caught == set()
    assert {"intro", "s1-concept", "ex1-text", "q1-answer", "keypoints"} <= cells


def test_every_korean_message_is_translated_and_keeps_the_english_shape():
    shared.check_catalog(DOMAIN, NAMES, wordless=("{said}.",))


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
        shared.assert_speaks_both(run, english, korean, monkeypatch)
