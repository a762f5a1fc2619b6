"""The session cookie's and the kept pages' form tokens' serializer (app.lti.cookies.Serializer):
Flask's and Flask-WTF's signatures and format, a small payload written without trying zlib."""

import hashlib
import secrets

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.lti.cookies import COMPRESS_FROM, Serializer, SessionInterface

TOKEN = secrets.token_hex(20)  # as Flask-WTF makes them: 40 random hexadecimal digits


def flask_serializer(app, keys) -> URLSafeTimedSerializer:
    """Flask's own session serializer for these keys (the current one last)."""
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = keys[-1], list(keys[:-1])
    return SecureCookieSessionInterface().get_signing_serializer(app)


@pytest.mark.parametrize(
    "payload",
    [
        {"csrf_token": TOKEN},  # a visitor's session
        {"course_languages": {str(n): "en" for n in range(50)}, "csrf_token": TOKEN},  # compressible
        {"_flashes": [("info", "x" * 600)]},
    ],
)
def test_sessions_load_either_way_and_only_large_payloads_are_compressed(app, payload):
    ours = SessionInterface().get_signing_serializer(app)
    flask = flask_serializer(app, (app.secret_key,))
    written = ours.dumps(payload)
    assert flask.loads(written) == ours.loads(flask.dumps(payload)) == ours.loads(written)
    small = len(ours.serializer.dumps(payload)) < COMPRESS_FROM
    assert written.startswith(".") != small  # both large ones compress well
    if small:  # as Flask writes it, but for the time stamp in the signature
        assert written.split(".")[0] == flask.dumps(payload).split(".")[0]


def test_rotated_keys_still_open_sessions_and_new_ones_are_signed_with_the_current_key(app):
    old = flask_serializer(app, ("old-key",)).dumps({"csrf_token": "c" * 40})
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = "new-key", ["old-key"]
    ours = SessionInterface().get_signing_serializer(app)
    assert ours.loads(old) == {"csrf_token": "c" * 40}
    fresh = ours.dumps({"csrf_token": "d" * 40})
    assert flask_serializer(app, ("new-key",)).loads(fresh) == {"csrf_token": "d" * 40}
    with pytest.raises(BadSignature):
        flask_serializer(app, ("old-key",)).loads(fresh)


def test_form_tokens_are_flask_wtf_s():
    """Flask-WTF signs its raw token with this salt and itsdangerous's default signer."""
    raw = secrets.token_hex(20)
    ours = Serializer("secret", salt="wtf-csrf-token", signer_kwargs={"digest_method": hashlib.sha1})
    theirs = URLSafeTimedSerializer("secret", salt="wtf-csrf-token")
    assert theirs.loads(ours.dumps(raw)) == raw and ours.loads(theirs.dumps(raw)) == raw
