"""The 1EdTech Open Badges 3.0 Linked Data Proof test vector, reproduced bit for bit, offline."""

import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from app.credentials import linked_data

VECTOR = Path(__file__).parents[1] / "fixtures" / "ob3"
PAGE = (VECTOR / "linked-data-proof-ob.html").read_text(encoding="utf-8")


def block(title: str) -> dict:
    """The JSON example the page shows under ``title``."""
    match = re.search(rf'<pre class="example json" title="{title}">(.*?)</pre', PAGE, re.S)
    return json.loads(html.unescape(match.group(1)))


def code_after(label: str) -> str:
    """The value in the first <code> after ``label`` in the page."""
    match = re.search(rf"{re.escape(label)}.*?<code\s*>(.*?)</code", PAGE, re.S)
    return match.group(1).strip()


CREDENTIAL = block("Credential")
SIGNED = block("Signed credential")
PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(code_after("Private key (hex):")[:64]))
PROOF = SIGNED["proof"]


def test_the_key_is_the_vectors():
    multibase = linked_data.public_key_multibase(PRIVATE_KEY.public_key())
    assert code_after("Public key (hex):") == PRIVATE_KEY.public_key().public_bytes_raw().hex()
    assert PROOF["verificationMethod"].endswith("#" + multibase)


def test_document_canonical_form_and_hash():
    canonical = linked_data.canonicalize(CREDENTIAL)
    assert canonical == (VECTOR / "document-canon.txt").read_text(encoding="utf-8")
    assert hashlib.sha256(canonical.encode()).hexdigest() == code_after("Document hash (hex)")


def test_proof_canonical_form_and_hash():
    options = {k: v for k, v in PROOF.items() if k != "proofValue"} | {"@context": CREDENTIAL["@context"]}
    canonical = linked_data.canonicalize(options)
    assert canonical == (VECTOR / "proof-canon.txt").read_text(encoding="utf-8")
    assert hashlib.sha256(canonical.encode()).hexdigest() == code_after("Proof hash (hex)")


def test_signature_and_proof_value():
    signed = linked_data.sign(CREDENTIAL, PRIVATE_KEY, PROOF["verificationMethod"], PROOF["created"])
    assert signed == SIGNED
    assert signed["proof"]["proofValue"] == code_after("Proof value (hex)")
    data = bytes.fromhex(code_after("Data to sign (hex)"))
    assert PRIVATE_KEY.sign(data).hex() == code_after("Signature (hex)")
    assert linked_data.verify(SIGNED, PRIVATE_KEY.public_key())


def test_one_changed_character_breaks_the_signature():
    tampered = json.loads(json.dumps(SIGNED).replace("Teamwork Badge", "Teamwork Badgf"))
    assert not linked_data.verify(tampered, PRIVATE_KEY.public_key())


def test_the_loader_never_fetches():
    with pytest.raises(jsonld.JsonLdError):
        linked_data.canonicalize({"@context": "https://example.org/ctx.json", "name": "x"})
