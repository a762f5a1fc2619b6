"""The xAPI statements' shape, without a database: ids, verbs, context, the LMS profile's bits."""

import re
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.record import statements
from app.record.statements import Builder, iso_duration

SITE = "https://cadre.example"
NOW = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
COURSE = SimpleNamespace(id=7, title="Voix et IA", language="fr", version=3)
MODULE = SimpleNamespace(id=11, title="Cadre légal")
QUESTION = SimpleNamespace(
    key="textes",
    prompt_html="<p>Quels <em>textes</em> ?</p>",
    choices=[
        {"html": "<p>RGPD</p>", "correct": True},
        {"html": "<p>AI Act</p>", "correct": True},
        {"html": "<p>Aucun</p>", "correct": False},
    ],
)


def builder(user_id: int = 42) -> Builder:
    return Builder(SITE, user_id, COURSE, f"{SITE}/courses/voix-et-ia")


def assert_valid(statement: dict) -> None:
    """What every statement carries (xAPI 1.0.3, section 2.4)."""
    uuid.UUID(statement["id"])
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": SITE, "name": statements.actor_name(SITE, 42)},
    }
    assert statement["verb"]["id"].startswith("http")
    assert statement["object"]["objectType"] == "Activity"
    assert statement["object"]["id"].startswith(SITE + "/")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", statement["timestamp"])
    context = statement["context"]
    assert context["registration"] == statements.registration(SITE, 42, COURSE.id)
    assert context["platform"] == "Cadre" and context["language"] == "fr"
    assert context["extensions"][f"{SITE}/xapi/extensions/course-version"] == 3


def test_registration_and_actor_are_deterministic_and_opaque():
    assert statements.registration(SITE, 42, 7) == statements.registration(SITE + "/", 42, 7)
    assert statements.registration(SITE, 42, 7) != statements.registration(SITE, 42, 8)
    assert statements.registration(SITE, 42, 7) != statements.registration("https://other.example", 42, 7)
    name = statements.actor_name(SITE, 42)
    assert uuid.UUID(name) and "42" not in name and "@" not in name


def test_registered_has_what_the_xapi_lms_profile_asks():
    statement = builder().registered(NOW)
    assert_valid(statement)
    assert statement["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/registered",
        "display": {"en-US": "registered"},
    }
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    category = statement["context"]["contextActivities"]["category"]
    assert category == [
        {
            "id": "https://w3id.org/xapi/lms",
            "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
        }
    ]
    assert statement["context"]["extensions"]["https://w3id.org/xapi/lms/extensions/role"] == "learner"
    assert "grouping" not in statement["context"]["contextActivities"]  # the object is the course


def test_module_read_is_completed_with_its_duration_in_the_course():
    statement = builder().module_read(MODULE, f"{SITE}/courses/voix-et-ia/cadre-legal", NOW, 754)
    assert_valid(statement)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["result"] == {"completion": True, "duration": "PT12M34S"}
    assert statement["context"]["contextActivities"]["grouping"][0]["id"] == f"{SITE}/courses/voix-et-ia"
    # No time measured: no duration claimed (not "PT0S", which would say the learner spent none).
    assert "duration" not in builder().module_read(MODULE, f"{SITE}/x", NOW, 0)["result"]


def test_answered_is_a_choice_interaction_with_its_response():
    b = builder()
    quiz = b.quiz_activity(f"{SITE}/courses/voix-et-ia/cadre-legal/quiz", "Cadre légal")
    statement = b.answered(QUESTION, quiz, NOW, [0, 2], False)
    assert_valid(statement)
    definition = statement["object"]["definition"]
    assert statement["object"]["id"] == f"{SITE}/courses/voix-et-ia/cadre-legal/quiz#textes"
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == "choice"
    assert definition["name"] == {"fr": "Quels textes ?"}
    assert definition["correctResponsesPattern"] == ["choice-0[,]choice-1"]
    assert [c["id"] for c in definition["choices"]] == ["choice-0", "choice-1", "choice-2"]
    assert statement["result"] == {"response": "choice-0[,]choice-2", "success": False}
    assert statement["context"]["contextActivities"]["parent"] == [quiz]


@pytest.mark.parametrize(("score", "passed", "verb"), [(100, True, "passed"), (50, False, "failed")])
def test_a_graded_attempt_is_passed_or_failed_with_its_score(score, passed, verb):
    b = builder()
    quiz = b.quiz_activity(f"{SITE}/courses/voix-et-ia/cadre-legal/quiz", "Cadre légal")
    attempt = SimpleNamespace(score=score, passed=passed)
    statement = b.graded(quiz, None, NOW, score // 50, 2, attempt)
    assert_valid(statement)
    assert statement["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert statement["result"]["score"] == {"scaled": score / 100, "raw": score // 50, "min": 0, "max": 2}
    assert statement["result"]["success"] is passed


def test_course_completed_and_certificate_earned():
    b = builder()
    completed = b.course_completed(NOW, 3600)
    earned = b.certificate_earned(f"{SITE}/certificates/abc", NOW)
    for statement in (completed, earned):
        assert_valid(statement)
    assert completed["result"] == {"completion": True, "success": True, "duration": "PT1H"}
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"{SITE}/certificates/abc"
    assert completed["id"] != earned["id"]


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "PT0S"), (5, "PT5S"), (60, "PT1M"), (3725, "PT1H2M5S"), (7200, "PT2H")]
)
def test_iso_durations(seconds, text):
    assert iso_duration(seconds) == text
