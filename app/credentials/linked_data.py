"""Data Integrity proofs (``eddsa-rdfc-2022``) over JSON-LD, with contexts read from local files only.

Pure functions: no Flask, no database. The canonical form is RDFC-1.0 (URDNA2015) in pyld's safe
mode, which refuses a term that no context defines rather than silently leaving it unsigned.
"""

import copy
import hashlib
import json
from functools import cache
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

CONTEXT_DIR = Path(__file__).with_name("contexts")
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
SECURITY_V2 = "https://w3id.org/security/v2"
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.json",
    SECURITY_V2: "security-v2.json",
    "https://w3id.org/security/v1": "security-v1.json",
}
ED25519_PUBLIC_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, as in publicKeyMultibase "z6Mk…"
CRYPTOSUITE = "eddsa-rdfc-2022"


class OfflineDocumentError(jsonld.JsonLdError):
    """A JSON-LD document was asked for that is not vendored: nothing is ever fetched."""


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """Serve a vendored context; refuse every other URL (no network, ever)."""
    if url not in CONTEXT_FILES:
        raise OfflineDocumentError(
            f"refusing to load {url}: only vendored contexts are served",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    # A copy: pyld may keep references into what it is given.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context(url))}


def canonicalize(document: dict) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode: undefined terms raise)."""
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "safe": True,
            "documentLoader": document_loader,
        },
    )


def _data_to_sign(document: dict, proof_options: dict) -> bytes:
    """hash(canonical proof options with the document's @context) + hash(canonical document)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = unsigned["@context"]
    return (
        hashlib.sha256(canonicalize(options).encode()).digest()
        + hashlib.sha256(canonicalize(unsigned).encode()).digest()
    )


def sign(document: dict, key: Ed25519PrivateKey, verification_method: str, created: str) -> dict:
    """A copy of ``document`` with a DataIntegrityProof (eddsa-rdfc-2022, assertionMethod)."""
    proof = {
        "type": "DataIntegrityProof",
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_data_to_sign(document, proof))
    signed = copy.deepcopy(document)
    signed["proof"] = {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}
    return signed


def verify(document: dict, public_key: Ed25519PublicKey) -> bool:
    """Whether the document's proof is a valid eddsa-rdfc-2022 signature by ``public_key``."""
    proof = document.get("proof") or {}
    value = proof.get("proofValue", "")
    if proof.get("cryptosuite") != CRYPTOSUITE or not value.startswith("z"):
        return False
    try:
        public_key.verify(base58.b58decode(value[1:]), _data_to_sign(document, proof))
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """``z6Mk…``: base58btc of the multicodec ed25519-pub prefix and the raw 32-byte key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUBLIC_PREFIX + raw).decode()


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """The inverse of :func:`public_key_multibase`; ValueError if it is not one."""
    if not value.startswith("z"):
        raise ValueError("a public key multibase starts with z (base58btc)")
    raw = base58.b58decode(value[1:])
    if len(raw) != 34 or not raw.startswith(ED25519_PUBLIC_PREFIX):
        raise ValueError("not an Ed25519 public key (z6Mk…)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])
