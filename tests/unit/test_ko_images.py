"""The Korean edition of `images`: Korean prose with the seed note's terms, the markdown kept, Korean feedback.

No engine. The lesson is built from its data; the checks are given learners' answers that fail before the
engine is asked anything (``api`` is never reached, so it is ``None``). What every lesson's Korean edition
is held to (the prose, the English heuristic, the shape of a translation, the ``common`` texts fenced off)
is in ``korean.py``; here is what is `images`'s own.
"""

from __future__ import annotations

import docker.errors
import korean as shared

from course import i18n
from course.checks import images as check

DOMAIN = "images"
#: The seed note's terms and this lesson's own, as the Korean edition writes them.
TERMS = ("이미지", "도커 허브", "도커 파일", "도커 엔진", "컨테이너", "레지스트리", "레이어", "태그",
         "다이제스트", "빌드 캐시", "빌드 컨텍스트", "매니페스트", "작업 디렉터리")
#: What the Korean keeps in Latin letters: Dockerfile instructions and files, not English left over.
NAMES = ("ENTRYPOINT", "ARG", ".dockerignore")


def test_the_korean_catalog_is_complete_and_current():
    assert shared.problems(DOMAIN) == []


def test_the_korean_lesson_uses_the_seed_notes_terms_and_leaves_no_english():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    assert shared.english_in(DOMAIN, "ko", NAMES) == []
    cells = shared.cells(DOMAIN, "ko")
    assert "'이미지의 작업 디렉터리'" in cells["ex1-values"]  # the parameter's meaning, in the learner's table
    assert cells["s7-concept"].count("\n| ") == 11 and "| `ARG NAME=default` |" in cells["s7-concept"]


def test_the_english_heuristic_catches_every_english_prose_cell():
    """Built in English, every prose cell has a line the heuristic calls English: the test above can fail."""
    cells = {cell for cell, _ in shared.prose_lines(DOMAIN, "en")}
    assert cells - {cell for cell, _ in shared.english_in(DOMAIN, "en", NAMES)} == set()
    assert {"s6-concept", "s7-concept", "s7-multistage-cli-text", "ex1-text", "ex2-text", "q1-text",
            "q1-answer", "keypoints"} <= cells


def test_every_translation_keeps_the_english_shape():
    shared.check_catalog(DOMAIN, NAMES)


def test_the_shape_check_can_fail():
    english = "## 2. Two\n\n- `FROM` a base {tag}\n- then `COPY`\n\n| a | b |\n|---|---|\n\n```sh\necho hi\n```"
    korean = "## 2. 둘\n\n- 기본 이미지에서 `FROM` {tag}\n- 그다음 `COPY`\n\n| 가 | 나 |\n|---|---|\n\n```sh\necho hi\n```"
    assert shared.shape(korean) == shared.shape(english)
    for broken in (korean.replace("## 2.", "### 2."),                   # another heading level
                   korean.replace("\n- 그다음", " 그다음"),             # a list item lost
                   korean.replace("| 가 | 나 |", "| 가 나 |"),           # a column lost
                   korean.replace("echo hi", "echo 안녕"),               # code translated
                   korean.replace("`COPY`", "`복사`"),                   # a code span translated
                   korean.replace("{tag}", "{태그}")):                   # a placeholder lost
        assert shared.shape(broken) != shared.shape(english), broken


def test_greeter_feedback_in_korean_and_unchanged_english():
    english, korean = shared.both(lambda: check.greeter(lambda name: 42, None, "Ada"))
    assert english == ("`greeter_dockerfile('Ada')` returned int, not a str.",
                       'return the Dockerfile as text, e.g. f"""FROM vmdocker/base\\n..."""')
    assert korean == ("`greeter_dockerfile('Ada')`의 반환값이 str이 아니라 int입니다.",
                      '도커 파일을 텍스트로 반환해 보세요. 예: f"""FROM vmdocker/base\\n..."""')

    english, korean = shared.both(lambda: check.greeter(lambda name: "CMD echo hi\n", None, "Ada"))
    assert english == ("the text has no FROM instruction: every Dockerfile starts from an image.",
                       "begin with FROM vmdocker/base (lab.BASE_IMAGE).")
    assert korean == ("텍스트에 FROM 명령어가 없습니다. 모든 도커 파일은 어떤 이미지에서 출발합니다.",
                      "FROM vmdocker/base(lab.BASE_IMAGE)로 시작해 보세요.")


def test_reading_feedback_in_korean_and_unchanged_english():
    english, korean = shared.both(lambda: check.reading(None, None))
    assert english == ("`ANSWERS` is not defined.", "fill in the ANSWERS dictionary in the cell above and run it.")
    assert korean == ("`ANSWERS`가 정의되어 있지 않습니다.", "위 셀의 ANSWERS 딕셔너리를 채우고 그 셀을 실행해 보세요.")

    english, korean = shared.both(lambda: check.reading(["/srv/app"], None))
    assert english == ("`ANSWERS` is a list, not a dict.", "keep the dictionary and fill in its values.")
    assert korean[0] == "`ANSWERS`가 dict가 아니라 list입니다."

    english, korean = shared.both(lambda: check.reading({"workdir": "/srv/app", "cmd": []}, None))
    keys = "['workdir', 'cmd', 'mode', 'port', 'script', 'output']"
    assert english == ("`ANSWERS` lacks the key(s) ['mode', 'port', 'script', 'output'].",
                       f"use exactly the keys {keys}.")
    assert korean == ("`ANSWERS`에 ['mode', 'port', 'script', 'output'] 키가 없습니다.", f"키는 정확히 다음 키들을 쓰세요: {keys}.")


def test_a_refused_push_is_explained_in_korean_and_unchanged_english():
    """The engine's refusal as the learner's `publish` lets it through (docker-py raises it from push)."""
    def no_credentials(api, image, repository, tag):
        raise docker.errors.APIError("500 Server Error: Bad Request (\"X-Registry-Auth header is required\")")

    english, korean = shared.both(lambda: check._call_publish(no_credentials, None, None, "127.0.0.1:5000/x", "v1"))
    assert english == ("the push was refused: the engine wants credentials for the registry, even empty ones.",
                       "pass auth_config={} to push (the course registry takes anonymous pushes).")
    assert korean == ("push가 거부되었습니다. 도커 엔진은 레지스트리 인증 정보를 요구합니다. 비어 있더라도 주어야 합니다.",
                      "push에 auth_config={}를 넘겨 보세요(강좌 레지스트리는 익명 push를 받습니다).")


def test_names_given_to_the_build_feedback_are_translated_where_shown():
    """`whose` is marked in English where it is defined (N_) and translated in the message."""
    with i18n.using("ko"):
        assert check._("your Dockerfile") == "여러분의 도커 파일"
        assert check._("building {whose} failed at {step}").format(
            whose=check._("the given Dockerfile"), step="Step 5/9 : COPY app.sh .") == \
            "주어진 도커 파일 빌드가 다음 단계에서 실패했습니다: Step 5/9 : COPY app.sh ."
    assert check._("your Dockerfile") == "your Dockerfile"
