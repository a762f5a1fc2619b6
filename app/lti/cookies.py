"""The session cookie of a page framed by a school's platform.

Cadre's session cookie is SameSite=Lax: a browser does not send it to a page framed by another
site, so a learner launched inside Moodle would be signed out at the first click. A session
opened by an LTI launch is therefore sent as SameSite=None; Secure; Partitioned (CHIPS) when the
site is served over https: the browser keeps it only for that platform's frame, apart from the
cookie of Cadre opened on its own, and CSRF tokens still guard every form. Over plain http
(development, tests on one machine) a browser refuses SameSite=None without Secure, and there the
platform and Cadre are the same site anyway, so the cookie stays as configured.
"""

import hashlib
import zlib

from flask import has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

LAUNCH_KEYS = ("lti_frame", "lti_deep_link")  # what a launch puts in the session (app.lti.routes)


def forget_launch() -> None:
    """At a password login or a logout: the session is no longer one a platform opened."""
    for key in LAUNCH_KEYS:
        session.pop(key, None)


COMPRESS_FROM = 128  # bytes of JSON: below, zlib saves a few bytes at most, nothing to a 4 KB cookie


class Serializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer (session cookies, form tokens), which tries zlib on
    every payload and keeps the result when it is shorter: a payload of a few dozen bytes (a
    visitor's session, a form token) hardly ever is, and the attempt cost a twentieth of a kept
    page's time (zlib sets up and frees its state each call). A small payload is written plain, as
    itsdangerous writes any it could not shorten; both forms load alike."""

    def dump_payload(self, obj) -> bytes:
        json = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, before the mixin
        if len(json) >= COMPRESS_FROM:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)


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

    # Flask's HMAC-SHA1, computed by OpenSSL's HMAC: Flask names SHA-1 through a function of its own
    # (so that a system without it fails late), which ``hmac`` can only drive in pure Python,
    # twice per session saved. The same signatures either way.
    digest_method = staticmethod(hashlib.sha1)

    def get_signing_serializer(self, app):
        """Flask's (its keys, salt, serializer and signer) with the ``Serializer`` above, built once
        per set of keys: Flask builds one twice a request, to open and to save."""
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        kept = app.extensions.setdefault("cadre_session_signers", {})
        if keys not in kept:
            kept[keys] = Serializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return kept[keys]
