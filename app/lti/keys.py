"""The tool's RSA key: platforms check Cadre's signed messages (deep linking, service tokens) with it.

One key for the whole site, in CADRE_LTI_PRIVATE_KEY (PEM) so that every process and host signs
with the same one; outside production it is made once under instance/ when LTI is first used.
Its public half is served at /lti/jwks, with the key id pylti1p3 derives from it (the RFC 7638
thumbprint), which is the id it puts in the headers it signs.
"""

import os
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app

from app.config import local_key


class MissingKey(RuntimeError):
    """Production without CADRE_LTI_PRIVATE_KEY: LTI stays off rather than use a made-up key."""


def private_key_pem() -> str:
    """The configured key, or (outside production) the one kept under instance/."""
    config = current_app.config
    if config.get("LTI_PRIVATE_KEY"):
        return config["LTI_PRIVATE_KEY"]
    if config["ENV_NAME"] == "production":
        raise MissingKey("CADRE_LTI_PRIVATE_KEY is not set")
    path = os.path.join(current_app.instance_path, "lti_private_key.pem")
    config["LTI_PRIVATE_KEY"] = local_key(path, new_private_key) + "\n"
    return config["LTI_PRIVATE_KEY"]


def new_private_key() -> str:
    """A fresh 2048-bit RSA key in PKCS#8 PEM (`flask lti new-key` prints one for production)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@cache
def _public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_key_pem() -> str:
    """The public half of the current key."""
    return _public_pem(private_key_pem())
