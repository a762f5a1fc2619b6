"""Store passwords sealed with a key derived from SECRET_KEY (Fernet: AES-CBC with HMAC).

A stolen database (a backup, a dump) then does not give away publishers' store credentials
without the server's secret key too. Keys in SECRET_KEY_FALLBACKS (Flask's key rotation) still
open what they sealed; a password sealed under a key no longer listed cannot be read and must be
entered again (the admin page says so).
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PURPOSE = b"cadre: learning record store credentials"


class Unreadable(Exception):
    """The sealed value was sealed with a key the server no longer has."""


def _fernet(secret: str | bytes) -> Fernet:
    """A Fernet key of its own for this purpose, so it is never SECRET_KEY itself."""
    raw = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    config = current_app.config
    secrets = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(value: str) -> bytes:
    return _keys().encrypt(value.encode())


def unseal(token: bytes) -> str:
    try:
        return _keys().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise Unreadable from exc
