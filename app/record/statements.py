"""xAPI 1.0.3 statements for what happens in Cadre: plain dicts, no database, no request.

Verbs are ADL's (http://adlnet.gov/expapi/verbs/, the xAPI spec's own vocabulary) except for the
certificate, which uses "earned" from the Tin Can registry (http://id.tincanapi.com/verb/earned,
"the actor earned a reward, badge or certificate"); ADL has no verb for it. Activity ids are the
pages' own URLs under the site's address, so they are stable and resolve. The learner is an
account on the site named by an opaque id (never the e-mail), and each learner × course has one
``registration``, derived so that it never needs storing. See ../shared/INTEROP.md, section 4.
"""

import uuid
from datetime import datetime

from markupsafe import Markup

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
# Short name (the ``verb`` column) → (verb IRI, its display).
VERBS = {
    "registered": (ADL_VERBS + "registered", "registered"),
    "read": (ADL_VERBS + "completed", "completed"),  # a module read to its end and marked so
    "answered": (ADL_VERBS + "answered", "answered"),
    "passed": (ADL_VERBS + "passed", "passed"),
    "failed": (ADL_VERBS + "failed", "failed"),
    "completed": (ADL_VERBS + "completed", "completed"),  # the whole course
    "earned": ("http://id.tincanapi.com/verb/earned", "earned"),
    "experienced": (ADL_VERBS + "experienced", "experienced"),  # active time on a module page
}
COURSE, MODULE, ASSESSMENT = (ADL_ACTIVITIES + name for name in ("course", "module", "assessment"))
INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
CERTIFICATE = "http://id.tincanapi.com/activitytype/certificate"
# What the xAPI "LMS" profile (the one Ralph validates) asks of a registration.
LMS_PROFILE = {"id": "https://w3id.org/xapi/lms", "definition": {"type": ADL_ACTIVITIES + "profile"}}
LMS_ROLE = "https://w3id.org/xapi/lms/extensions/role"
PLATFORM = "Cadre"


def site_namespace(site: str) -> uuid.UUID:
    """A UUID namespace of this site's own, from its address."""
    return uuid.uuid5(uuid.NAMESPACE_URL, site.rstrip("/") + "/")


def actor_name(site: str, user_id: int) -> str:
    """The learner's opaque, stable name on this site: nothing in it says who they are."""
    return str(uuid.uuid5(site_namespace(site), f"learner/{user_id}"))


def registration(site: str, user_id: int, course_id: int) -> str:
    """The one registration of a learner in a course: the same every time, nothing stored."""
    return str(uuid.uuid5(site_namespace(site), f"registration/{user_id}/{course_id}"))


def course_version_extension(site: str) -> str:
    """The context extension carrying the version of the course the learner had in front of them."""
    return site.rstrip("/") + "/xapi/extensions/course-version"


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration as xAPI wants it: 3725 → "PT1H2M5S", 0 → "PT0S"."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return "PT" + (text or "0S")


def timestamp(moment: datetime) -> str:
    """UTC, milliseconds, "Z": the form every store reads back unchanged."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plain(html: str) -> str:
    """Text of an HTML fragment (question prompts and choices are stored as HTML)."""
    return Markup(html).striptags()  # noqa: S704 - text comes out, nothing is rendered


def activity(activity_id: str, kind: str, name: str, language: str, **definition) -> dict:
    """An activity with its type and name in the course's language."""
    return {
        "objectType": "Activity",
        "id": activity_id,
        "definition": {"type": kind, "name": {language: name}, **definition},
    }


class Builder:
    """Builds the statements of one learner in one course (site address, ids, version, language)."""

    def __init__(self, site: str, user_id: int, course, course_url: str):
        self.site = site.rstrip("/")
        self.user_id = user_id
        self.course = course
        self.language = course.language
        self.course_activity = activity(course_url, COURSE, course.title, course.language)

    def statement(self, verb: str, obj: dict, moment: datetime, result=None, parent=None, **extra) -> dict:
        """One statement: a fresh id, the actor, the verb, and the context every one shares."""
        verb_id, display = VERBS[verb]
        context = {
            "registration": registration(self.site, self.user_id, self.course.id),
            "platform": PLATFORM,
            "language": self.language,
            "extensions": {course_version_extension(self.site): self.course.version},
        }
        activities = {}
        if obj["id"] != self.course_activity["id"]:
            activities["grouping"] = [self.course_activity]
        if parent is not None:
            activities["parent"] = [parent]
        if activities:
            context["contextActivities"] = activities
        statement = {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": self.site, "name": actor_name(self.site, self.user_id)},
            },
            "verb": {"id": verb_id, "display": {"en-US": display}},
            "object": obj,
            "context": context,
            "timestamp": timestamp(moment),
        }
        if result is not None:
            statement["result"] = result
        for key, value in extra.items():  # changes to the context: see registered()
            statement["context"].setdefault(key, {}).update(value)
        return statement

    def registered(self, moment: datetime) -> dict:
        """The learner starts the course; shaped for the xAPI LMS profile (category and role)."""
        return self.statement(
            "registered",
            self.course_activity,
            moment,
            contextActivities={"category": [LMS_PROFILE]},
            extensions={LMS_ROLE: "learner"},
        )

    def module_activity(self, module, url: str) -> dict:
        return activity(url, MODULE, module.title, self.language)

    def module_read(self, module, url: str, moment: datetime, seconds: int) -> dict:
        """A module marked as read; its duration is the active time measured on its page, if any."""
        result = {"completion": True}
        if seconds:
            result["duration"] = iso_duration(seconds)
        return self.statement("read", self.module_activity(module, url), moment, result)

    def time_spent(self, module, url: str, moment: datetime, seconds: int) -> dict:
        """Active time on a module's page, as one visit's worth (see app/record/time.py)."""
        result = {"duration": iso_duration(seconds)}
        return self.statement("experienced", self.module_activity(module, url), moment, result)

    def answered(self, question, quiz: dict, moment: datetime, chosen, correct: bool) -> dict:
        """One question of a graded attempt, as a cmi.interaction of type "choice"."""
        ids = [f"choice-{i}" for i in range(len(question.choices))]
        right = [ids[i] for i, choice in enumerate(question.choices) if choice["correct"]]
        obj = activity(
            f"{quiz['id']}#{question.key}",
            INTERACTION,
            plain(question.prompt_html),
            self.language,
            interactionType="choice",
            correctResponsesPattern=["[,]".join(right)],
            choices=[
                {"id": ids[i], "description": {self.language: plain(choice["html"])}}
                for i, choice in enumerate(question.choices)
            ],
        )
        result = {"response": "[,]".join(ids[i] for i in chosen), "success": correct}
        return self.statement("answered", obj, moment, result, parent=quiz)

    def quiz_activity(self, url: str, title: str) -> dict:
        """A module's quiz, or the course's final test."""
        return activity(url, ASSESSMENT, title, self.language)

    def graded(self, quiz: dict, parent: dict | None, moment: datetime, right: int, total: int, attempt):
        """The attempt as a whole: passed or failed, with its score."""
        score = {"scaled": round(attempt.score / 100, 4), "raw": right, "min": 0, "max": total}
        result = {"score": score, "success": attempt.passed, "completion": True}
        verb = "passed" if attempt.passed else "failed"
        return self.statement(verb, quiz, moment, result, parent=parent)

    def course_completed(self, moment: datetime, seconds: int) -> dict:
        """Every module done (and the final test passed): the course is completed."""
        result = {"completion": True, "success": True}
        if seconds:
            result["duration"] = iso_duration(seconds)
        return self.statement("completed", self.course_activity, moment, result)

    def certificate_earned(self, certificate_url: str, moment: datetime) -> dict:
        """The certificate issued for the course; its page verifies it."""
        obj = activity(certificate_url, CERTIFICATE, self.course.title, self.language)
        return self.statement("earned", obj, moment, {"completion": True, "success": True})
