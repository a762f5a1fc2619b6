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


BASE58 = frozenset(base58.BITCOIN_ALPHABET.decode())  # what multibase's "z" (base58btc) uses


def parse_signing_key(value: str) -> Ed25519PrivateKey:
    """The private key a configured value encodes; ValueError (never echoing it) if none.

    A value is multibase when it is ``z`` then base58 characters only. One base64 key in 64
    begins with z too, but nearly always shows it: a ``=`` of padding (as our own keys have) or a
    character base58 leaves out (0, O, I, l, +, /, -, _). The one shape both read as 32 bytes,
    z and 42 base58 characters (unpadded base64, or base58 with leading zero bytes), is refused
    rather than guessed.
    """
    value = str(value or "").strip()  # from_prefixed_env may have read it as JSON (a number)
    if value.startswith("z") and set(value[1:]) <= BASE58:
        raw = base58.b58decode(value[1:])
        if raw.startswith(ED25519_SECRET_PREFIX) and len(raw) in (34, 66):
            raw = raw[2:34]  # Digital Bazaar's secretKeyMultibase: prefix, seed, then public key
        elif len(raw) == 32 and len(value) == 43:
            raise ValueError(
                "the Open Badges signing key reads both as multibase and as base64 without its "
                "padding: write it as base64 with its final =, or as a secretKeyMultibase"
            )
    else:
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
