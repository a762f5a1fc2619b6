"""Cadre's Open Badges, checked by Digital Bazaar's verifier (npm), offline, through the real routes."""

import json
import subprocess
from pathlib import Path

import pytest

from app.credentials.keys import issuer_keys
from app.extensions import db
from app.models_base import utcnow

ROOT = Path(__file__).parents[2]
VERIFIER = ROOT / "tests" / "ob3" / "verify.mjs"
CONTEXTS = ROOT / "app" / "credentials" / "contexts"
NEEDS_NODE = pytest.mark.usefixtures("verifier")


def download(client, auth, certificate, lang="fr"):
    auth.login(certificate.user.email)
    response = client.get(f"/certificates/{certificate.code}/credential-{lang}.json")
    assert response.status_code == 200, response.status_code
    return response


def verify(tmp_path, credential: dict, client) -> dict:
    """Run the JavaScript verifier on files saved from what Cadre serves."""
    paths = []
    for name, document in (
        ("credential", credential),
        ("issuer", client.get("/issuers/cadre").get_json()),
        ("status", client.get("/issuers/cadre/status/revocation").get_json()),
    ):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    run = subprocess.run(  # noqa: S603 - fixed program and arguments
        ["node", str(VERIFIER), *paths],  # noqa: S607 - node from PATH, as npm ci put it there
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


@NEEDS_NODE
def test_digital_bazaar_verifies_what_cadre_issues(app, client, auth, certificate, tmp_path):
    credential = json.loads(download(client, auth, certificate).get_data(as_text=True))
    result = verify(tmp_path, credential, client)
    assert result["verified"] is True, result
    assert result["status"]["verified"] is True


@NEEDS_NODE
def test_one_changed_character_fails(app, client, auth, certificate, tmp_path):
    tampered = json.loads(download(client, auth, certificate).get_data(as_text=True))
    achievement = tampered["credentialSubject"]["achievement"]
    achievement["name"] = achievement["name"][:-1] + chr(ord(achievement["name"][-1]) + 1)
    result = verify(tmp_path, tampered, client)
    assert result["verified"] is False
    assert "signature" in (result["error"] or "").lower(), result


@NEEDS_NODE
def test_after_revocation_the_status_check_fails(app, client, auth, certificate, tmp_path):
    credential = json.loads(download(client, auth, certificate).get_data(as_text=True))
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = "Issued in error"
    db.session.commit()
    result = verify(tmp_path, credential, client)
    assert result["verified"] is False
    assert result["status"] == {"verified": False, "error": "revoked"}


@NEEDS_NODE
def test_a_credential_signed_before_a_key_rotation_still_verifies(app, client, auth, certificate, tmp_path):
    credential = json.loads(download(client, auth, certificate).get_data(as_text=True))
    old = issuer_keys(app.config).current_multibase
    app.config["OB3_PREVIOUS_PUBLIC_KEYS"] = old
    app.config["OB3_SIGNING_KEY"] = "A" * 43 + "="  # a new key: 32 zero bytes, base64
    issuer = client.get("/issuers/cadre").get_json()
    assert issuer["assertionMethod"][1].endswith("#" + old)
    assert credential["proof"]["verificationMethod"].endswith("#" + old)
    assert verify(tmp_path, credential, client)["verified"] is True


@NEEDS_NODE
def test_vendored_contexts_are_the_npm_packages_copies():
    """The contexts Cadre signs with are those Digital Bazaar's verifier ships (SOURCES.md)."""
    script = (
        "const s = require('@digitalbazaar/security-context');"
        "console.log(JSON.stringify(['https://w3id.org/security/v1', 'https://w3id.org/security/v2']"
        ".map(url => s.contexts.get(url))));"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, cwd=ROOT, check=True)  # noqa: S603, S607
    security_v1, security_v2 = json.loads(run.stdout)
    packages = ROOT / "node_modules" / "@digitalbazaar"
    pairs = {
        "credentials-v2.json": json.loads(
            (packages / "credentials-context" / "contexts" / "v2.jsonld").read_text()
        ),
        "multikey-v1.json": json.loads(
            (packages / "multikey-context" / "contexts" / "multikey-v1.jsonld").read_text()
        ),
        "security-v1.json": security_v1,
        "security-v2.json": security_v2,
    }
    for name, expected in pairs.items():
        assert json.loads((CONTEXTS / name).read_text()) == expected, name


@NEEDS_NODE
def test_french_typography_and_any_character_survive_both_canonicalisations(
    app, client, auth, certificate, tmp_path
):
    """pyld (signing) and jsonld.js (verifying) must make the same N-Quads of any text."""
    certificate.course_title = 'L’IA «\u00a0doublage\u00a0»\u202f! "guillemets" \\ 😀 \t tab\nligne'
    certificate.publisher = "Syndicat des Œuvres & Co <b>"
    db.session.commit()
    credential = json.loads(download(client, auth, certificate).get_data(as_text=True))
    assert credential["credentialSubject"]["achievement"]["name"] == certificate.course_title
    assert verify(tmp_path, credential, client)["verified"] is True
