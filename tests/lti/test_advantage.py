"""LTI Advantage against lti1p3platform: deep linking, scores to the gradebook, the class roster."""

from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.lti import grades
from app.lti.models import LtiAccount, LtiGradeLink
from app.schools.models import Assignment, Enrolment
from tests.learning.attempts import quiz_module
from tests.learning.test_learning import QUIZ, answers
from tests.lti.conftest import INSTRUCTOR, LAUNCH_URL, LEARNER, SCORE, login, post_launch, signed_launch


def _teacher_deep_links(client, platform):
    data = signed_launch(
        platform,
        login(client, platform, "prof-1"),
        "prof-1",
        roles=(INSTRUCTOR,),
        name="Paul Prof",
        deep_link=True,
    )
    response = post_launch(client, data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/lti/pick")
    return client.get("/lti/pick")


def test_a_teacher_picks_a_module_and_the_platform_accepts_the_answer(client, platform, course):
    module = course.modules[0]
    page = _teacher_deep_links(client, platform)
    assert page.status_code == 200
    assert str(escape(course.title)) in page.get_data(as_text=True)

    answer = client.post("/lti/pick", data={"item": f"m{module.id}"})

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'action="{platform.base}/deep-link-return"' in html
    assert f"form-action 'self' {platform.base}" in answer.headers["Content-Security-Policy"]
    token = html.split('name="JWT" value="', 1)[1].split('"', 1)[0]
    items = platform.conf().validate_deeplinking_resp({"JWT": token})  # the platform's own check
    assert items == [
        {
            "type": "ltiResourceLink",
            "title": f"{course.title} · {module.title}",
            "url": LAUNCH_URL,
            "lineItem": {"scoreMaximum": 100, "label": f"{course.title} · {module.title}", "tag": "cadre"},
            "custom": {"course": course.slug, "module": module.slug},
        }
    ]
    # The class follows the module in Cadre too.
    assert db.session.scalar(select(Assignment).where(Assignment.module_id == module.id)) is not None


def test_a_learner_cannot_deep_link(client, platform, course):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42", deep_link=True)
    assert post_launch(client, data).status_code == 403


def test_the_picker_needs_a_deep_linking_launch(client, platform, course, make_user, auth):
    make_user(email="someone@example.org")
    auth.login("someone@example.org")
    assert client.get("/lti/pick").status_code == 400


def _learner_launch(client, platform, course, module, lineitem="7"):
    data = signed_launch(
        platform,
        login(client, platform, "student-42"),
        "student-42",
        custom={"course": course.slug, "module": module.slug},
        lineitem=lineitem,
    )
    return post_launch(client, data)


def _pass_quiz(client, course, module):
    """The fixture quiz's right answers (tests.learning.test_learning knows them)."""
    return client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))


def test_a_passed_quiz_score_reaches_the_platform_gradebook(client, platform, course):
    module = quiz_module()
    assert _learner_launch(client, platform, course, module).status_code == 303
    link = db.session.scalar(select(LtiGradeLink))
    assert link.scopes and SCORE in link.scopes and link.score is None

    _pass_quiz(client, course, module)

    assert len(platform.scores) == 1
    item, media_type, score = platform.scores[0]
    assert item == "7"
    assert media_type == "application/vnd.ims.lis.v1.score+json"
    assert score["userId"] == "student-42"
    assert score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    db.session.expire_all()
    assert db.session.get(LtiGradeLink, link.id).sent_score == 1.0


def test_a_platform_down_keeps_the_score_until_the_clock_sends_it(client, platform, course):
    module = quiz_module()
    _learner_launch(client, platform, course, module)
    platform.fail_scores = 1

    _pass_quiz(client, course, module)

    db.session.expire_all()
    link = db.session.scalar(select(LtiGradeLink))
    assert platform.scores == [] and link.failures == 1 and link.sent_score is None
    link.next_try_at = None  # the pause is over
    db.session.commit()
    assert grades.send_due() == (1, 0)
    assert len(platform.scores) == 1
    assert grades.send_due() == (0, 0)  # nothing twice


def test_an_instructor_launch_fills_the_class_from_the_roster(client, platform, course):
    platform.members = [
        {"user_id": "student-1", "name": "Ana Lima", "roles": [LEARNER], "status": "Active"},
        {"user_id": "student-2", "name": "Bo Chen", "roles": [LEARNER], "status": "Active"},
        {"user_id": "gone", "name": "Left Early", "roles": [LEARNER], "status": "Inactive"},
        {"user_id": "prof-1", "name": "Paul Prof", "roles": [INSTRUCTOR], "status": "Active"},
    ]
    data = signed_launch(
        platform,
        login(client, platform, "prof-1"),
        "prof-1",
        roles=(INSTRUCTOR,),
        name="Paul Prof",
        nrps=True,
    )
    class_page = post_launch(client, data).headers["Location"]

    names = client.get(class_page).get_data(as_text=True)
    assert "Ana Lima" in names and "Bo Chen" in names and "Left Early" not in names
    assert db.session.scalar(select(db.func.count(Enrolment.id))) == 2
    # Ana's own first launch finds the account the roster made.
    client.post("/account/logout")
    post_launch(
        client, signed_launch(platform, login(client, platform, "student-1"), "student-1", name="Ana Lima")
    )
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 3


def test_a_learner_in_the_same_browser_cannot_answer_the_teachers_choice(client, platform, course):
    _teacher_deep_links(client, platform)
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    assert client.get("/lti/pick").status_code == 400
    assert client.post("/lti/pick", data={"item": f"c{course.id}"}).status_code == 400
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 0


def test_adding_the_same_module_twice_answers_the_platform_both_times(client, platform, course):
    module = course.modules[0]
    for _ in range(2):
        _teacher_deep_links(client, platform)
        answer = client.post("/lti/pick", data={"item": f"m{module.id}"})
        assert answer.status_code == 200 and 'name="JWT"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 1


def test_a_deep_link_request_without_a_return_address_is_refused(client, platform, course):
    auth = login(client, platform, "prof-1")
    request = {
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "accept_types": ["ltiResourceLink"]
        },
    }
    data = signed_launch(platform, auth, "prof-1", roles=(INSTRUCTOR,), extra=request)
    assert post_launch(client, data).status_code in (400, 401)
    assert client.get("/lti/pick").status_code in (302, 400)


def test_one_platform_answering_junk_does_not_stop_the_others_scores(client, platform, course, monkeypatch):
    module = quiz_module()
    _learner_launch(client, platform, course, module)
    calls = []

    def junk(link, score, completed):
        calls.append(link.id)
        raise TypeError("the token endpoint answered a list")

    monkeypatch.setattr(grades, "_put", junk)
    _pass_quiz(client, course, module)
    db.session.expire_all()
    link = db.session.scalar(select(LtiGradeLink))
    assert calls and link.failures == 1 and link.next_try_at is not None


def test_an_archived_class_is_said_before_the_choice_not_swallowed_after(client, platform, course):
    """Security probe: adding an activity to an archived class's course answered the platform with a
    link while Cadre assigned nothing, and the teacher was not told."""
    from app.models_base import utcnow
    from app.schools.models import SchoolClass

    assert _teacher_deep_links(client, platform).status_code == 200
    school_class = db.session.scalar(select(SchoolClass))
    school_class.archived_at = utcnow()
    db.session.commit()
    page = _teacher_deep_links(client, platform)
    assert page.status_code == 409
    assert f"The class {escape(school_class.name)} is archived: restore it first." in page.get_data(
        as_text=True
    )
    assert client.post("/lti/pick", data={"item": f"c{course.id}"}).status_code == 400  # the choice is gone
    assert db.session.scalar(select(Assignment)) is None
