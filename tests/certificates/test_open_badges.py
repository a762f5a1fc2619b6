"""Open Badges 3.0 on the certificate page: the holder's download, what it says, revocation, LinkedIn."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import to_user_timezone
from sqlalchemy import delete, func, select

from app.accounts.personal_data import delete_account
from app.credentials import linked_data, status_list
from app.credentials.badge import hashed_email
from app.credentials.keys import issuer_keys
from app.credentials.models import StoredCredential
from app.extensions import db
from app.models_base import utcnow
from tests.conftest import text_of

BADGE = "Download the digital badge"
LINKEDIN = "Add to my LinkedIn profile"


def badge_of(client, auth, certificate, lang="en"):
    auth.login(certificate.user.email)
    response = client.get(f"/certificates/{certificate.code}/credential-{lang}.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.get_data(as_text=True))


def test_the_holder_sees_the_badge_and_linkedin_links(client, auth, certificate):
    auth.login(certificate.user.email)
    page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert BADGE in page and LINKEDIN in page
    assert f"/certificates/{certificate.code}/credential-en.json" in page
    # The link to share, with its copy button (forms.js): it sat inside a sentence (UX walk).
    share = (
        f'id="verify-link" type="text" readonly value="https://cadre.example/certificates/{certificate.code}"'
    )
    assert share in page and 'class="copy-field"' in page


def test_the_public_sees_neither(client, certificate, make_user, auth):
    assert BADGE not in text_of(client.get(f"/certificates/{certificate.code}"))
    other = make_user(email="employer@example.org")
    auth.login(other.email)
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    assert BADGE not in page and LINKEDIN not in page


def test_only_the_holder_downloads_the_badge(client, auth, certificate, make_user):
    url = f"/certificates/{certificate.code}/credential.json"
    assert client.get(url).status_code == 302  # to the login form
    auth.login(make_user(email="someone@example.org").email)
    assert client.get(url).status_code == 403
    assert client.get("/certificates/no-such-code/credential.json").status_code == 404


def test_linkedin_link_is_filled_in(client, auth, certificate):
    auth.login(certificate.user.email)
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    href = next(part for part in page.split('"') if part.startswith("https://www.linkedin.com/profile/add?"))
    query = {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}
    issued = to_user_timezone(certificate.issued_at)
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": certificate.publisher,
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": f"https://cadre.example/certificates/{certificate.code}",
        "certId": certificate.code,
    }


def test_the_badge_names_the_course_version_and_what_was_attested(client, auth, certificate):
    badge = badge_of(client, auth, certificate)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["@context"] == [linked_data.CREDENTIALS_V2, linked_data.OB_V3]
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.course_title
    course_url = f"https://cadre.example/courses/{certificate.course.slug}"
    assert achievement["id"] == f"{course_url}#version-{certificate.course_version}"
    assert achievement["version"] == str(certificate.course_version)
    assert "3 modules completed; final test passed with 85%" in achievement["criteria"]["narrative"]
    assert achievement["creator"]["name"] == certificate.publisher
    assert achievement["inLanguage"] == "en"
    assert badge["issuer"]["id"] == "https://cadre.example/issuers/cadre"
    assert badge["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_holder_is_a_salted_hash_of_their_email_not_their_name(client, auth, certificate):
    text = json.dumps(badge_of(client, auth, certificate), ensure_ascii=False)
    assert "Zoé" not in text and "zoe@example.org" not in text
    identity = json.loads(text)["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    assert len(identity["salt"]) == 32
    assert identity["identityHash"] == hashed_email("zoe@example.org", identity["salt"])


def test_each_language_is_built_once_and_kept(app, client, auth, certificate):
    first = badge_of(client, auth, certificate, "fr")
    assert badge_of(client, auth, certificate, "fr") == first
    assert first["credentialSubject"]["achievement"]["inLanguage"] == "fr"
    assert first["id"].endswith(f"/certificates/{certificate.code}/credential-fr.json")
    badge_of(client, auth, certificate, "en")
    assert db.session.scalar(select(func.count(StoredCredential.id))) == 2
    keys = issuer_keys(app.config)
    assert linked_data.verify(first, keys.signing_key.public_key())
    assert client.get(f"/certificates/{certificate.code}/credential-de.json").status_code == 404


def test_a_certificate_from_before_open_badges_gets_one_too(app, client, auth, certificate):
    certificate.modules_completed = None  # issued before Cadre recorded what it attests
    certificate.final_score = None
    db.session.commit()
    badge = badge_of(client, auth, certificate)
    narrative = badge["credentialSubject"]["achievement"]["criteria"]["narrative"]
    version = certificate.course_version
    assert narrative == f"Completed every module of version {version} of the course on Cadre."
    assert linked_data.verify(badge, issuer_keys(app.config).signing_key.public_key())


def test_a_new_email_address_gets_a_new_badge(client, auth, certificate):
    before = badge_of(client, auth, certificate)
    assert badge_of(client, auth, certificate) == before
    certificate.user.email = "zoe.lefevre@example.org"
    db.session.commit()
    after = badge_of(client, auth, certificate)
    identity = after["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == hashed_email("zoe.lefevre@example.org", identity["salt"])
    assert db.session.scalar(select(func.count(StoredCredential.id))) == 1


def test_an_address_not_yet_confirmed_is_never_signed(client, auth, certificate):
    """An LTI account gives itself an address: until its link is followed, no badge names it."""
    before = badge_of(client, auth, certificate, "en")
    db.session.execute(delete(StoredCredential).where(StoredCredential.locale != "en"))
    certificate.user.email, certificate.user.email_confirmed_at = "ceo@victim.example", None
    db.session.commit()
    assert badge_of(client, auth, certificate, "en") == before  # the one signed stays as it was
    response = client.get(f"/certificates/{certificate.code}/credential-fr.json", follow_redirects=True)
    assert response.request.path == f"/certificates/{certificate.code}"
    assert "Confirm your e-mail address first: the digital badge names you by it." in text_of(response)
    assert db.session.scalar(select(func.count(StoredCredential.id))) == 1
    certificate.user.email_confirmed_at = utcnow()
    db.session.commit()
    identity = badge_of(client, auth, certificate, "fr")["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == hashed_email("ceo@victim.example", identity["salt"])


def test_a_revoked_certificate_offers_no_badge(client, auth, certificate):
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = "Issued in error"
    db.session.commit()
    auth.login(certificate.user.email)
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    assert "revoked" in page and BADGE not in page and LINKEDIN not in page and "verify-link" not in page
    assert client.get(f"/certificates/{certificate.code}/credential.json").status_code == 404
    # Nor a PDF, which would read as valid to whoever it is handed to (UX walk).
    assert f"/certificates/{certificate.code}/pdf" not in page
    refused = client.get(f"/certificates/{certificate.code}/pdf", follow_redirects=True)
    assert "This certificate is no longer valid: it has no PDF to download any more." in text_of(refused)
    assert refused.request.path == f"/certificates/{certificate.code}"
    dashboard = text_of(client.get("/dashboard"))
    assert "the operator of Cadre revoked it" in dashboard
    course = text_of(client.get(f"/courses/{certificate.course.slug}"))  # said there too, not "valid"
    assert "but your certificate was revoked on" in course and "See my certificate" not in course
    assert f"/certificates/{certificate.code}/pdf" not in dashboard


def revocation_list(client) -> dict:
    response = client.get("/issuers/cadre/status/revocation")
    assert response.status_code == 200
    return response.get_json()


def test_the_revocation_list_is_signed_big_enough_and_follows_revocations(app, client, certificate):
    listed = revocation_list(client)
    subject = listed["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    assert len(status_list.decode(subject["encodedList"])) * 8 >= 131_072
    assert not status_list.is_set(subject["encodedList"], certificate.id)
    assert linked_data.verify(listed, issuer_keys(app.config).signing_key.public_key())
    certificate.revoked_at = utcnow()
    db.session.commit()
    assert status_list.is_set(revocation_list(client)["credentialSubject"]["encodedList"], certificate.id)
    certificate.revoked_at = None  # reinstated
    db.session.commit()
    assert not status_list.is_set(revocation_list(client)["credentialSubject"]["encodedList"], certificate.id)


def test_the_revocation_list_answers_not_modified_while_unchanged(client, certificate):
    etag = client.get("/issuers/cadre/status/revocation").headers["ETag"]
    assert client.get("/issuers/cadre/status/revocation", headers={"If-None-Match": etag}).status_code == 304
    certificate.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/issuers/cadre/status/revocation", headers={"If-None-Match": etag}).status_code == 200


def test_deleting_the_account_deletes_the_badge_and_revokes_it(app, client, auth, certificate):
    badge_of(client, auth, certificate)
    delete_account(certificate.user)
    db.session.commit()
    assert db.session.scalar(select(func.count(StoredCredential.id))) == 0
    assert status_list.is_set(revocation_list(client)["credentialSubject"]["encodedList"], certificate.id)


def test_the_issuer_document_lists_the_keys_in_safe_json_ld(app, client):
    issuer = client.get("/issuers/cadre").get_json()
    keys = issuer_keys(app.config)
    assert issuer["id"] == "https://cadre.example/issuers/cadre"
    assert issuer["assertionMethod"] == [f"https://cadre.example/issuers/cadre#{keys.current_multibase}"]
    assert issuer["verificationMethod"][0]["publicKeyMultibase"] == keys.current_multibase
    assert "Profile" in linked_data.canonicalize(issuer)  # every term defined (safe mode)


@pytest.mark.parametrize(
    "seed",
    [
        bytes.fromhex("cd" + "00" * 31),  # base64 "zQAA…A=": begins with z, as one key in 64 does
        bytes.fromhex("cf" + "ff" * 31),  # "z/////…8=", and URL-safe "z______…8"
    ],
    ids=["zQAA", "z///"],
)
def test_a_base64_signing_key_beginning_with_z_is_read_as_base64(seed):
    """The configuration's advice (base64 of 32 random bytes) must work whatever the bytes: its
    padding, or a character base58 does not have, shows that a value beginning with z is base64."""
    import base64

    from app.credentials.keys import parse_signing_key

    assert parse_signing_key(base64.b64encode(seed).decode()).private_bytes_raw() == seed
    if seed[0] == 0xCF:
        unpadded = base64.urlsafe_b64encode(seed).decode().rstrip("=")
        assert unpadded.startswith("z_") and parse_signing_key(unpadded).private_bytes_raw() == seed


def test_a_multibase_signing_key_is_still_read():
    import base58

    from app.credentials.keys import ED25519_SECRET_PREFIX, parse_signing_key

    seed = bytes(range(200, 232))
    raw = "z" + base58.b58encode(seed).decode()
    secret = "z" + base58.b58encode(ED25519_SECRET_PREFIX + seed + bytes(32)).decode()
    assert parse_signing_key(raw).private_bytes_raw() == seed
    assert parse_signing_key(secret).private_bytes_raw() == seed
    # A secretKeyMultibase that lost a character is refused (its prefix and length no longer fit;
    # a raw base58 seed has no such check, as before).
    for mistyped in (secret[:-1], secret[:30] + secret[31:]):
        with pytest.raises(ValueError, match="32 bytes"):
            parse_signing_key(mistyped)


def test_a_signing_key_that_reads_both_ways_is_refused_not_guessed():
    """z and 42 base58 characters: unpadded base64 of 32 bytes, and base58 of 32 bytes when it
    begins with 1s (zero bytes). Either reading would give a key; which was meant cannot be told."""
    import base64

    import base58

    from app.credentials.keys import parse_signing_key

    value = "z1wuypZt9arcEU4XxQdcDZTYuPTP1bbgsgNWf2tFhCc"
    assert len(base58.b58decode(value[1:])) == 32 and len(base64.urlsafe_b64decode(value + "=")) == 32
    with pytest.raises(ValueError, match="padding"):
        parse_signing_key(value)


@pytest.mark.parametrize("value", ["", "short", "z" + "1" * 10, "z" + "A" * 42 + "=="])
def test_a_bad_signing_key_is_refused(value):
    from app.credentials.keys import parse_signing_key

    with pytest.raises(ValueError, match="32 bytes"):
        parse_signing_key(value)
