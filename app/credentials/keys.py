"""The issuer's Ed25519 keys: the signing key from the configuration, and the public keys still listed.

CADRE_OB3_SIGNING_KEY holds the 32-byte Ed25519 seed, in base64 (standard or URL-safe) or as a
multibase ``z…`` string (raw seed, or Digital Bazaar's ``secretKeyMultibase``). After a rotation,
CADRE_OB3_PREVIOUS_PUBLIC_KEYS lists the old public keys (``z6Mk…``, comma-separated) so that the
credentials they signed still verify.
"""

import base64
import binascii
from dataclasses import dataclass

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.credentials.linked_data import public_key_from_multibase, public_key_multibase

ED25519_SECRET_PREFIX = b"\x80\x26"  # multicodec ed25519-priv


def parse_signing_key(value: str) -> Ed25519PrivateKey:
    """The private key a configured value encodes; ValueError (never echoing it) if none."""
    value = str(value or "").strip()  # from_prefixed_env may have read it as JSON (a number)
    raw = b""
    if value.startswith("z"):  # multibase, unless it is base64 that happens to begin with z
        try:
            raw = base58.b58decode(value[1:])
        except ValueError:
            raw = b""
        if raw.startswith(ED25519_SECRET_PREFIX) and len(raw) in (34, 66):
            raw = raw[2:34]  # Digital Bazaar's secretKeyMultibase: prefix, seed, then public key
    # One base64 value in 64 begins with z. No value is both: 32 bytes in base64 take 43
    # characters (and a "=" base58 does not have), which in base58 make 31 bytes at most.
    if len(raw) != 32:
        try:
            raw = base64.b64decode(
                value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True
            )
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != 32:
        raise ValueError(
            "the Open Badges signing key must encode 32 bytes (an Ed25519 seed) in base64 or multibase z…"
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_signing_key() -> str:
    """A fresh signing key, as CADRE_OB3_SIGNING_KEY takes it (base64)."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return base64.b64encode(seed).decode()


def parse_public_keys(value) -> list[Ed25519PublicKey]:
    """Public keys from a comma- or space-separated string of ``z6Mk…`` values, or a list of them."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    return [public_key_from_multibase(item) for item in items]


@dataclass(frozen=True)
class IssuerKeys:
    """The current signing key and every public key a verifier may meet in a credential."""

    signing_key: Ed25519PrivateKey
    previous: tuple[Ed25519PublicKey, ...]

    @property
    def current_multibase(self) -> str:
        return public_key_multibase(self.signing_key.public_key())

    @property
    def all_multibase(self) -> list[str]:
        """Current key first, then the old ones (each once)."""
        names = [self.current_multibase] + [public_key_multibase(key) for key in self.previous]
        return list(dict.fromkeys(names))

    def public_key(self, multibase: str) -> Ed25519PublicKey | None:
        """The listed key with this multibase, or None."""
        return public_key_from_multibase(multibase) if multibase in self.all_multibase else None


def issuer_keys(config) -> IssuerKeys:
    """The keys the configuration names (create_app made sure a signing key is set)."""
    return IssuerKeys(
        signing_key=parse_signing_key(config["OB3_SIGNING_KEY"]),
        previous=tuple(parse_public_keys(config.get("OB3_PREVIOUS_PUBLIC_KEYS") or "")),
    )
