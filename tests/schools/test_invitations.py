"""Teachers invite students to a class by e-mail: each address gets the class's link once, every
limit counts addresses, and a wrong list sends nothing."""

import hashlib
import hmac
import html
import io
import threading
import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.personal_data import delete_account, export_data
from app.extensions import db
from app.models_base import utcnow
from app.orgs import services as orgs
from app.schools import invitations, services
from app.schools.models import ClassInvitation, InvitationRefusal, SchoolClass, SiteKey
from tests.accounts.test_change_email import outbox
from tests.conftest import text_of
from tests.notifications.test_pages import csrf_app_school  # noqa: F401
from tests.schools.test_schools import klass, people, school  # noqa: F401


def url(klass) -> str:  # noqa: F811
    return f"/classes/{klass.id}/invite"


def invited() -> list[str]:
    return list(db.session.scalars(select(ClassInvitation.email).order_by(ClassInvitation.id)))


def mailed_to(app) -> list[str]:
    return [m["To"] for m in outbox(app) if "invites you to the class" in m["Subject"]]


def page_of(response) -> str:
    return html.unescape(text_of(response))


def test_addresses_are_read_from_a_pasted_list_whatever_surrounds_them():
    text = (
        "Léa Martin <Lea.Martin@Example.org>, tom@example.org; mailto:ines@example.org\n"
        'nom;prénom;courriel\n"Durand";"Inès";"ines@example.org"\tlea.martin@example.org. '
        "o'brien@example.ie (à revoir) jean@ @lea_m pierre@exemple zoé@example.org"
        " eve@example.org\u200b noe@exämple.fr"
    )
    found, wrong = invitations.addresses_in(invitations.candidates(text))
    assert found == [
        "lea.martin@example.org",
        "tom@example.org",
        "ines@example.org",
        "o'brien@example.ie",
        "eve@example.org",  # the zero-width space pasted along is dropped
        "noe@xn--exmple-cua.fr",  # as mail servers read it
    ]
    assert wrong == ["jean@", "pierre@exemple", "zoé@example.org"]  # a handle (@lea_m) is no address


def test_limits_count_mailboxes_not_spellings():
    assert invitations.mailbox("lea+bts2@example.org") == "lea@example.org"
    assert invitations.mailbox("l.e.a+1@googlemail.com") == "lea@gmail.com"
    assert invitations.mailbox("l.e.a@example.org") == "l.e.a@example.org"  # dots matter elsewhere
    assert invitations.mailbox("+x@example.org") == "+x@example.org"


def test_a_teacher_invites_a_list_and_each_address_gets_the_class_link_once(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    page = page_of(client.get(f"/classes/{klass.id}"))
    assert f'href="{url(klass)}"' in page and "Invite students by e-mail" in page
    assert "No invitation was sent in the last 30 days." in page_of(client.get(url(klass)))

    typed = "Léa Martin <lea@example.org>\ntom@example.org, LEA@example.org"
    response = client.post(url(klass), data={"addresses": typed}, follow_redirects=True)
    page = page_of(response)
    assert "2 invitations sent: each address gets the class's link by e-mail." in page
    assert invited() == ["lea@example.org", "tom@example.org"]
    assert sorted(mailed_to(app)) == ["lea@example.org", "tom@example.org"]
    mail = next(m for m in outbox(app) if m["To"] == "lea@example.org")
    assert mail["Subject"] == "Théo Prof invites you to the class BTS 2 on Cadre"
    body = mail.get_content()
    assert f"/join/{klass.join_code}" in body and services.display_code(klass.join_code) in body
    assert "Théo Prof (École de l’image) invites you to join the class BTS 2 (2026-2027)" in body
    assert page.count("not joined yet") == 2 and "lea@example.org" in page

    # Sent again at once (a form sent twice): nobody is mailed twice.
    response = client.post(
        url(klass), data={"addresses": typed + "\nines@example.org"}, follow_redirects=True
    )
    page = page_of(response)
    assert "1 invitation sent: its address gets the class's link by e-mail." in page
    assert (
        "Not sent again, as they were invited to this class less than a week ago: lea@example.org (" in page
    )
    assert sorted(mailed_to(app)) == ["ines@example.org", "lea@example.org", "tom@example.org"]

    # A week later, the same address may be invited again.
    db.session.execute(ClassInvitation.__table__.update().values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    client.post(url(klass), data={"addresses": "lea@example.org"})
    assert mailed_to(app).count("lea@example.org") == 2


def test_who_joined_since_is_shown(app, client, auth, klass, people, make_user):  # noqa: F811
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"addresses": "lea@example.org tom@example.org"})
    services.join_class(make_user("Léa Martin", "lea@example.org"), klass.join_code)
    db.session.commit()
    page = page_of(client.get(url(klass)))
    assert page.count("joined the class") == 1 and page.count("not joined yet") == 1
    [lea] = [item for item in page.split("<li>") if "lea@example.org" in item]
    assert "joined the class" in lea and "not joined" not in lea


def test_a_spreadsheet_file_is_read_in_either_encoding(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    # The accented domain is read right only if the file is: « Ã©cole » is no domain.
    csv = "Nom;Prénom;Adresse\r\nDurand;Inès;ines@example.org\r\nÉlie;Zoé;zoe@école.fr\r\n"
    for encoding, name in (("cp1252", "classe.csv"), ("utf-8-sig", "2.csv"), ("utf-16", "3.txt")):
        data = {"addresses": "", "file": (io.BytesIO(csv.encode(encoding)), name)}
        response = client.post(
            url(klass), data=data, content_type="multipart/form-data", follow_redirects=True
        )
        assert response.status_code == 200
        assert invited() == ["ines@example.org", "zoe@xn--cole-9oa.fr"]  # later files: already invited
    assert sorted(mailed_to(app)) == ["ines@example.org", "zoe@xn--cole-9oa.fr"]
    assert "zoe@école.fr" in page_of(client.get(url(klass)))  # as its owner writes it


def test_a_wrong_address_sends_nothing_and_the_file_list_comes_back(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    data = {
        "addresses": "tom@example.org",
        "file": (io.BytesIO(b"lea@example.org\nines@exemple\n"), "liste.txt"),
    }
    response = client.post(url(klass), data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = page_of(response)
    assert (
        "These are not e-mail addresses: ines@exemple. Correct or remove them; no invitation was sent."
        in page
    )
    assert '">\r\ntom@example.org\nlea@example.org\nines@exemple</textarea>' in page  # the file's, to correct
    assert invited() == [] and mailed_to(app) == []

    for data, message in (
        ({"addresses": "Léa, Tom"}, "Type or upload at least one e-mail address."),
        (
            {"addresses": " ".join(f"s{n}@example.org" for n in range(101))},
            "This list holds 101 addresses: send at most 100 at a time.",
        ),
        (
            {"addresses": "", "file": (io.BytesIO(b"x" * (200 * 1024 + 1)), "big.csv")},
            "The file is larger than 200 KB.",
        ),
    ):
        response = client.post(url(klass), data=data, content_type="multipart/form-data")
        assert response.status_code == 400 and message in page_of(response)
    assert invited() == [] and mailed_to(app) == []


def test_a_teacher_invites_a_bounded_number_of_addresses_a_day(app, client, auth, klass, people):  # noqa: F811
    app.config["CLASS_INVITATIONS_PER_DAY"] = 3
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"addresses": "a@example.org b@example.org"})
    response = client.post(url(klass), data={"addresses": "c@example.org d@example.org"})
    assert response.status_code == 400
    assert "You may invite 3 addresses in 24 hours, and 1 more now" in page_of(response)
    assert invited() == ["a@example.org", "b@example.org"]
    # Addresses already invited are not counted again.
    response = client.post(
        url(klass), data={"addresses": "a@example.org c@example.org"}, follow_redirects=True
    )
    page = page_of(response)
    assert "1 invitation sent" in page and len(invited()) == 3
    assert "Not sent again, as invited to this class less than a week ago: a@example.org (" in page


def test_an_address_gets_few_invitations_a_week_whoever_sends_them(app, client, auth, klass, people):  # noqa: F811
    org = klass.organisation
    for n in range(invitations.MAX_PER_MAILBOX):
        other = services.create_class(org, people["teacher"], f"Autre {n}", "2026-2027", "")
        db.session.commit()
        invitations.invite(other, people["admin"], "lea@example.org")
        db.session.commit()
    auth.login(people["teacher"].email)
    names = " ".join(f"s{n}@example.org" for n in range(12))
    client.post(url(klass), data={"addresses": names})
    response = client.post(url(klass), data={"addresses": f"{names} lea@example.org"}, follow_redirects=True)
    page = page_of(response)
    assert (
        "Not sent, as Cadre sends an address few invitations a week: lea@example.org. Give it the code"
        in page
    )
    # Twelve already invited are named ten at a time: a flashed message waits in a cookie.
    [again] = [line for line in page.splitlines() if "Not sent again, as they were" in line]
    assert "s9@example.org (" in again and "s10@example.org" not in again and "and 2 more." in again
    assert "lea@example.org" not in mailed_to(app)


def test_one_mailbox_is_not_reached_through_its_other_spellings(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    spellings = " ".join(f"lea+{n}@example.org" for n in range(50)) + " l.e.a@gmail.com lea@googlemail.com"
    response = client.post(url(klass), data={"addresses": spellings}, follow_redirects=True)
    assert "2 invitations sent" in page_of(response)
    assert mailed_to(app) == ["lea+0@example.org", "l.e.a@gmail.com"]
    # Other classes may invite the mailbox again, up to the week's limit whoever sends.
    for n in range(2):
        other = services.create_class(klass.organisation, people["teacher"], f"Autre {n}", "2026-2027", "")
        db.session.commit()
        assert len(invitations.invite(other, people["teacher"], "lea+x@example.org leA@gmail.com").made) == 2
        db.session.commit()
    assert invitations.invite(klass, people["teacher"], "lea+y@example.org").already  # this class's
    third = services.create_class(klass.organisation, people["teacher"], "Autre 3", "2026-2027", "")
    assert invitations.invite(third, people["teacher"], "l.e.a+z@gmail.com lea@example.org").enough == [
        "l.e.a+z@gmail.com",
        "lea@example.org",
    ]


def test_an_archived_or_closed_class_takes_no_invitation(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    klass.joining_open = False
    db.session.commit()
    assert "Joining the class is closed: reopen it first" in page_of(client.get(url(klass)))
    response = client.post(url(klass), data={"addresses": "lea@example.org"})
    assert response.status_code == 400 and "Joining the class is closed" in page_of(response)
    klass.joining_open, klass.archived_at = True, utcnow()
    db.session.commit()
    response = client.post(url(klass), data={"addresses": "lea@example.org"})
    assert response.status_code == 400 and "The class BTS 2 is archived: restore it first." in page_of(
        response
    )
    assert f'href="{url(klass)}"' not in text_of(client.get(f"/classes/{klass.id}"))
    assert invited() == [] and mailed_to(app) == []


def test_an_invitation_queued_before_joining_closed_is_not_mailed(app, klass, people):  # noqa: F811
    sending = invitations.invite(klass, people["teacher"], "lea@example.org")
    db.session.commit()
    klass.joining_open = False
    db.session.commit()
    invitations.send_invitation(sending.made[0].id, "fr", "https://cadre.example")
    assert mailed_to(app) == []
    klass.joining_open = True
    db.session.commit()
    invitations.send_invitation(sending.made[0].id, "fr", "https://cadre.example")
    [mail] = [m for m in outbox(app) if m["To"] == "lea@example.org"]
    assert mail["Subject"] == "Théo Prof vous invite dans la classe BTS 2 sur Cadre"
    assert f"https://cadre.example/join/{klass.join_code}" in mail.get_content()


def test_an_invitation_is_not_mailed_for_a_teacher_who_left_the_school(app, klass, people):  # noqa: F811
    sending = invitations.invite(klass, people["teacher"], "lea@example.org")
    db.session.commit()
    orgs.remove_member(klass.organisation, people["teacher"].id)
    db.session.commit()
    invitations.send_invitation(sending.made[0].id, "fr", "https://cadre.example")
    assert mailed_to(app) == []


def test_two_sendings_at_once_are_counted_one_after_the_other(app, klass, people, database_url):  # noqa: F811
    """On PostgreSQL, the second waits for the first to be committed, then sees its invitations:
    without that, both counted none and mailed every address twice (second reading)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's writing transactions wait for each other already")
    class_id, teacher_id = klass.id, people["teacher"].id
    first_counted, made = threading.Event(), {}

    def send(name: str, then_wait: float) -> None:
        with app.app_context():
            sending = invitations.invite(
                db.session.get(SchoolClass, class_id),
                db.session.get(User, teacher_id),
                "a@example.org b@example.org",
            )
            first_counted.set()
            time.sleep(then_wait)
            db.session.commit()
            made[name] = len(sending.made)
            db.session.remove()

    first = threading.Thread(target=send, args=("first", 0.5))
    first.start()
    first_counted.wait(10)
    second = threading.Thread(target=send, args=("second", 0))
    second.start()
    first.join(20)
    second.join(20)
    assert made == {"first": 2, "second": 0}
    assert invited() == ["a@example.org", "b@example.org"]


@pytest.mark.parametrize("who", ["student", "outsider", "other_teacher", "other_admin"])
def test_only_the_class_staff_invite(client, auth, klass, people, who):  # noqa: F811
    auth.login(people[who].email)
    assert client.get(url(klass)).status_code == 404
    assert client.post(url(klass), data={"addresses": "lea@example.org"}).status_code == 404
    assert invited() == []


def test_invitations_are_deleted_after_30_days_and_with_the_accounts_concerned(
    app,
    client,
    auth,
    runner,
    klass,  # noqa: F811
    people,  # noqa: F811
    make_user,
):
    invitations.invite(klass, people["teacher"], "lea@example.org tom@example.org")
    invitations.invite(klass, people["admin"], "ines@example.org")
    db.session.commit()
    exported = export_data(people["teacher"])["class_invitations"]
    auth.login(people["teacher"].email)
    assert "BTS 2 (2026-2027) — lea@example.org — " in text_of(client.get("/account/me/data.html"))
    assert [(i["class"], i["email"]) for i in exported] == [
        ("BTS 2", "lea@example.org"),
        ("BTS 2", "tom@example.org"),
    ]

    ines = make_user("Inès", "ines@example.org")
    [received] = export_data(ines)["class_invitations_received"]
    assert received["class"] == "BTS 2" and received["school"] == "École de l’image"
    delete_account(people["teacher"])  # what they sent goes
    delete_account(ines)  # and what their address was sent
    db.session.commit()
    assert invited() == []

    invitations.invite(klass, people["admin"], "lea@example.org tom@example.org")
    db.session.execute(
        ClassInvitation.__table__.update()
        .where(ClassInvitation.email == "lea@example.org")
        .values(created_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    result = runner.invoke(args=["notifications", "tick"])
    assert result.exit_code == 0 and "1 old class invitation deleted" in result.output
    assert invited() == ["tom@example.org"]
    assert db.session.scalar(select(func.count(ClassInvitation.id))) == 1


def test_a_result_message_stays_short_enough_for_the_session_cookie(app):
    """Flashed messages wait in the session's cookie, which browsers drop past 4 KB."""
    from app.schools.routes import _some

    with app.test_request_context():
        said = _some([f"{'x' * 240}{n}@example.org" for n in range(12)])
    assert len(said) < 800 and said.endswith(" and 10 more")


def test_every_sending_is_throttled_refused_or_not(app, client, auth, klass, people):  # noqa: F811
    app.config["RATELIMIT_CLASS_INVITATION_ACCOUNT"] = "2 per hour"  # read at each request
    auth.login(people["teacher"].email)
    for _ in range(2):  # refused lists cost a check of each word: counted all the same
        assert client.post(url(klass), data={"addresses": "lea@exemple"}).status_code == 400
    refused = client.post(url(klass), data={"addresses": "lea@example.org"})
    assert refused.status_code == 429 and "Too many invitations were sent in a short time." in text_of(
        refused
    )
    assert invited() == [] and mailed_to(app) == []


def test_a_refused_word_is_shown_escaped(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    response = client.post(url(klass), data={"addresses": "a&b@exemple o'c@exemple"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "a&amp;b@exemple, o&#39;c@exemple" in page
    assert "a&b@exemple" not in page


def test_an_address_not_yet_confirmed_cannot_make_cadre_write_to_others(app, client, auth, klass, people):  # noqa: F811
    people["teacher"].email_confirmed_at = None  # a teacher made by an invitation link, say
    db.session.commit()
    auth.login(people["teacher"].email)
    assert "Confirm your own e-mail address first" in page_of(client.get(url(klass)))
    response = client.post(url(klass), data={"addresses": "lea@example.org"})
    assert response.status_code == 400 and "Confirm your own e-mail address first" in page_of(response)
    assert invited() == [] and mailed_to(app) == []


def refusal_link(app, address: str) -> str:
    """The « no more invitations » link of the last invitation mailed to ``address``, as a path."""
    mail = [m for m in outbox(app) if m["To"] == address][-1]
    body = mail.get_content()
    line = body.split("To receive no more class invitations from Cadre at this address:\n", 1)[1]
    link = line.split("\n", 1)[0].strip()
    assert mail["List-Unsubscribe"] == f"<{link}>"  # a mail client's button posts to the same link
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return urlsplit(link).path


def refusals() -> int:
    return db.session.scalar(select(func.count(InvitationRefusal.id)))


def test_an_address_asks_for_no_more_invitations_and_teachers_are_told(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"addresses": "Lea@example.org"})
    link = refusal_link(app, "lea@example.org")
    # No address in a URL that a server's log keeps, nor a digest anyone could test addresses against:
    # the token's readable payload is a fingerprint under the installation's own key.
    _valid, payload = URLSafeSerializer("not the key").loads_unsafe(link.rsplit("/", 1)[1])
    for guess in ("lea@example.org", "cadre-invitation-refusal:lea@example.org"):
        assert hashlib.sha256(guess.encode()).hexdigest() != payload
    assert payload == invitations.fingerprint("lea@example.org") and "lea" not in payload
    db.session.rollback()  # what is left is what was committed: the key must be, or no link would match
    key = db.session.scalar(select(SiteKey.value))
    assert payload == hmac.new(bytes.fromhex(key), b"lea@example.org", hashlib.sha256).hexdigest()
    client.post("/account/logout")

    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Receive no more class invitations from Cadre here?" in page_of(page)
    assert refusals() == 0  # the page asks; only its button refuses
    for _ in range(2):  # followed twice: one refusal
        page = page_of(client.post(link))
        assert "Done: Cadre will send no more class invitations to this address, nor to its variants" in page
    assert refusals() == 1
    assert db.session.scalar(select(InvitationRefusal.fingerprint)) == payload
    assert "Cadre will send no more" in page_of(client.get(link))  # opened again: says so, offers undo

    # A week later, neither the class nor another reaches that mailbox, under any spelling.
    db.session.execute(ClassInvitation.__table__.update().values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    auth.login(people["teacher"].email)
    page = page_of(
        client.post(
            url(klass), data={"addresses": "lea+bts@example.org tom@example.org"}, follow_redirects=True
        )
    )
    assert "1 invitation sent" in page
    assert (
        "Not sent, as someone reading this address asked Cadre for no class invitations: "
        "lea+bts@example.org. Give them the code or the link yourself." in page
    )
    assert sorted(mailed_to(app)) == ["lea@example.org", "tom@example.org"]

    # The same link undoes it.
    client.post("/account/logout")
    assert "Done: teachers may invite this address to their classes again." in page_of(
        client.post(link, data={"again": "1"})
    )
    assert refusals() == 0
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"addresses": "lea@example.org"})
    assert mailed_to(app).count("lea@example.org") == 2


def test_a_mail_clients_one_click_refuses_and_a_damaged_link_does_nothing(csrf_app_school):  # noqa: F811
    app, its_class, its_people, _course = csrf_app_school  # CSRF protection on, as in production
    invitations.invite(its_class, its_people["teacher"], "lea@example.org")
    db.session.commit()
    [made] = db.session.scalars(select(ClassInvitation.id))
    invitations.send_invitation(made, "fr", "https://cadre.example")
    mail = [m for m in outbox(app) if m["To"] == "lea@example.org"][-1]
    assert "ne plus recevoir d’invitations" in mail.get_content()  # in the teacher's language
    link = urlsplit(mail["List-Unsubscribe"].strip("<>")).path
    client = app.test_client()

    # Cut when copied, or signed for something else (a notification's unsubscribe link).
    other = URLSafeSerializer(app.config["SECRET_KEY"], salt="cadre-notifications-unsubscribe")
    for broken in (link[:-3], link.rsplit("/", 1)[0] + "/" + other.dumps(invitations.fingerprint("x@y.fr"))):
        response = client.post(broken)
        assert response.status_code == 404 and "This link does not work" in page_of(response)
    assert refusals() == 0
    # RFC 8058: the mail client posts this body, with no session and no CSRF token; so does the
    # page's own undo button, from a browser that may have no session either.
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and refusals() == 1
    assert client.post(link, data={"again": "1"}).status_code == 200 and refusals() == 0


def test_a_refusal_is_recorded_once_though_two_requests_race(app):
    """The second of two requests at once finds the first one's row at its insert (PostgreSQL
    waits on the unique index): the refusal stands, nothing fails."""
    digest = invitations.fingerprint("lea@example.org")
    invitations.refuse(digest)
    db.session.commit()
    with patch.object(invitations, "refused_at", return_value=None):
        invitations.refuse(digest)
    db.session.commit()
    assert refusals() == 1


def test_an_invitation_queued_before_its_address_refused_is_not_mailed(app, klass, people):  # noqa: F811
    sending = invitations.invite(klass, people["teacher"], "lea@example.org")
    db.session.commit()
    invitations.refuse(invitations.fingerprint("lea@example.org"))
    db.session.commit()
    invitations.send_invitation(sending.made[0].id, "fr", "https://cadre.example")
    assert mailed_to(app) == []
    assert invited() == []  # not listed as sent, nor counted against the mailbox


def test_the_refusal_is_in_the_data_export_of_a_confirmed_address_only_and_outlives_the_account(
    app,
    client,
    auth,
    klass,  # noqa: F811
    people,  # noqa: F811
    make_user,
):
    lea = make_user("Léa Martin", "l.e.a@gmail.com")
    assert export_data(lea)["class_invitation_refusals"] == []
    invitations.invite(klass, people["teacher"], "l.e.a@gmail.com")
    invitations.refuse(invitations.fingerprint(invitations.mailbox("lea+cours@gmail.com")))
    db.session.commit()
    [refusal] = export_data(lea)["class_invitation_refusals"]
    assert refusal["asked_at"].startswith(str(utcnow().year))
    auth.login("l.e.a@gmail.com")
    assert "You asked for no more class invitations by e-mail on" in text_of(
        client.get("/account/me/data.html")
    )

    # Anyone may sign up with any address: until it is confirmed, the export tells nothing sent to it.
    lea.email_confirmed_at = None
    db.session.commit()
    data = export_data(lea)
    assert data["class_invitation_refusals"] == [] and data["class_invitations_received"] == []
    delete_account(lea)
    db.session.commit()
    assert refusals() == 1  # not to be mailed, whether or not an account uses the address
