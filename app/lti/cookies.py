"""The session cookie of a page framed by a school's platform.

Cadre's session cookie is SameSite=Lax: a browser does not send it to a page framed by another
site, so a learner launched inside Moodle would be signed out at the first click. A session
opened by an LTI launch is therefore sent as SameSite=None; Secure; Partitioned (CHIPS) when the
site is served over https: the browser keeps it only for that platform's frame, apart from the
cookie of Cadre opened on its own, and CSRF tokens still guard every form. Over plain http
(development, tests on one machine) a browser refuses SameSite=None without Secure, and there the
platform and Cadre are the same site anyway, so the cookie stays as configured.
"""

from flask import has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

LAUNCH_KEYS = ("lti_frame", "lti_deep_link")  # what a launch puts in the session (app.lti.routes)


def forget_launch() -> None:
    """At a password login or a logout: the session is no longer one a platform opened."""
    for key in LAUNCH_KEYS:
        session.pop(key, None)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the attributes above for framed LTI sessions.

    Flask asks for the attributes while saving the session, inside the request: the request's own
    session says whether it came from a launch. Outside a request (app.page_cache's front saving
    a visitor's session) a session is never a launch's: one holding ``lti_frame`` is left to Flask.
    """

    @staticmethod
    def _framed() -> bool:
        return has_request_context() and request.is_secure and bool(session.get("lti_frame"))

    def get_cookie_samesite(self, app):
        return "None" if self._framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app):
        return True if self._framed() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app):
        return True if self._framed() else super().get_cookie_partitioned(app)

    def get_signing_serializer(self, app):
        """Flask's, built once per key (Flask builds it twice a request: to open, to save)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.setdefault("cadre_session_signers", {})
        if keys not in kept:
            kept[keys] = super().get_signing_serializer(app)
        return kept[keys]
