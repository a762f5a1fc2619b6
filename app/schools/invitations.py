"""Students invited to a class by e-mail: a teacher types or uploads a list of addresses, and each
is mailed the class's join link (UX walk, « enrol a list of students by e-mail or CSV »).

Nobody is put in a class without their say: the e-mail carries the link, and whoever follows it
signs in or signs up, then confirms, as with a link given by hand. Whether an account uses an
address is never looked up to send it, nor told to the teacher.

Cadre mails addresses it has never heard from here, so every limit is counted by address, not by
request: at most ``MAX_AT_ONCE`` at a time, ``CLASS_INVITATIONS_PER_DAY`` in 24 hours per teacher,
one invitation per mailbox and class a week, and ``MAX_PER_MAILBOX`` a week per mailbox from every
class together (a mailbox: an address without its « +tag », ``mailbox``). Addresses are kept
``KEEP_DAYS`` for that, then deleted (``prune``).
"""

import codecs
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import get_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, delete, exists, func, select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.jobs import enqueue
from app.mail import deliver_template
from app.models_base import utcnow
from app.orgs.codes import display_code
from app.orgs.models import ROLES, SCHOOL
from app.orgs.services import role_in
from app.schools.models import (
    ClassInvitation,
    Enrolment,
    InvitationRefusal,
    SchoolClass,
    SiteKey,
    archived_refusal,
)
from app.urls import link_for_job, site_url

MAX_AT_ONCE = 100  # addresses in one sending: a class, or two
MAX_FILE_BYTES = 200 * 1024  # a spreadsheet of a few thousand rows
AGAIN_AFTER = timedelta(days=7)  # a mailbox is invited to a class once in this time
MAX_PER_MAILBOX = 3  # invitations a mailbox may get in AGAIN_AFTER, every class together
KEEP_DAYS = 30
SHOWN = 200  # invitations listed on the page, newest first
SENDING_LOCK = 0x43414452_494E5649  # PostgreSQL's advisory lock of sendings: "CADRINVI"

# What separates addresses in a pasted list, a mail client's « Léa <lea@x.fr> » or a CSV's cells.
# Not the apostrophe, which an address may hold (o'brien@…).
_SEPARATORS = re.compile(r"[\s,;<>()\[\]\"]+")


UNCONFIRMED = _l(
    "Confirm your own e-mail address first, with the link every page offers: Cadre writes to others in "
    "your name only once it knows the address is yours."
)


class InvitationError(ValueError):
    """Invitations the rules refuse, none sent; ``str()`` says why."""


@dataclass
class Sending:
    """What one sending did: the invitations made (mailed once committed, ``mail``), and the
    addresses left out: each with the day it was last invited to this class (``already``), those
    that had enough invitations from Cadre this week (``enough``), and those whose reader asked for
    none (``refused``)."""

    made: list[ClassInvitation] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    already: list[tuple[str, datetime]] = field(default_factory=list)
    enough: list[str] = field(default_factory=list)


def candidates(text: str) -> list[str]:
    """The words of a list that may be addresses, each once, in the order given: those with an « @ »
    after at least one character. Whatever has none (names, a spreadsheet's headings) is not read,
    nor a handle (« @lea_m »); invisible characters (a zero-width space pasted along) are dropped."""
    text = "".join(c for c in text or "" if unicodedata.category(c) != "Cf")
    found: dict[str, None] = {}
    for word in _SEPARATORS.split(text):
        word = word.strip(".:")
        if word.lower().startswith("mailto:"):
            word = word[len("mailto:") :]
        if "@" in word[1:]:
            found.setdefault(word, None)
    return list(found)


def addresses_in(words: list[str]) -> tuple[list[str], list[str]]:
    """The addresses among ``candidates``, each once, lower-case as accounts keep them
    (``User.normalise_email``) and in ASCII (a domain in another script written as mail servers
    read it, « xn--… »), and the words that are not addresses. An address whose part before the
    « @ » is not ASCII is refused: few mail servers would carry it."""
    found: dict[str, None] = {}
    wrong = []
    for word in words:
        try:
            checked = validate_email(word, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            wrong.append(word)
            continue
        address = User.normalise_email(checked.ascii_email or checked.normalized)
        if len(address) <= 254:
            found.setdefault(address, None)
        else:
            wrong.append(word)
    return list(found), wrong


def mailbox(address: str) -> str:
    """The mailbox an address reaches, which the limits count: « lea+1@… » and « lea+2@… » are
    « lea@… »'s, and so are « l.e.a@gmail.com » and « lea@googlemail.com »."""
    local, domain = address.rsplit("@", 1)
    local = local.split("+", 1)[0] or local
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", "") or local, "gmail.com"
    return f"{local}@{domain}"


def readable(address: str) -> str:
    """An address as its owner writes it: a domain stored as mail servers read it (« xn--cole-9oa.fr »)
    shown in its own letters (« école.fr »)."""
    local, _, domain = address.rpartition("@")
    if "xn--" not in domain:
        return address
    try:
        return f"{local}@{domain.encode('ascii').decode('idna')}"
    except UnicodeError:
        return address


def decode_file(data: bytes) -> str:
    """A text or CSV file's words: UTF-16 if it starts so (a spreadsheet's « Unicode text »),
    UTF-8 (with or without a byte order mark), else Windows-1252, in which a French spreadsheet
    program often saves CSV; Latin-1 reads any byte left."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _one_sending_at_a_time() -> None:
    """Until this transaction ends, no other sending counts nor adds invitations: two sent at once
    would each count without the other's and pass every limit twice. On PostgreSQL, a lock held
    until commit; SQLite's writing transactions already wait for each other (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": SENDING_LOCK})


def invite(school_class: SchoolClass, by: User, text: str, now: datetime | None = None) -> Sending:
    """Invitations to the addresses ``text`` holds, all checked first: on any refusal none is made
    (InvitationError). The caller commits, then calls ``mail``."""
    if by.email_confirmed_at is None:  # anyone may sign up with any address, and be made a teacher by link
        raise InvitationError(UNCONFIRMED)
    if school_class.archived_at is not None:
        raise InvitationError(archived_refusal(school_class))
    if not school_class.joining_open:
        raise InvitationError(
            _l("Joining the class is closed: reopen it first, or the link would let nobody in.")
        )
    words = candidates(text)
    if len(words) > MAX_AT_ONCE:  # said before checking each: a file may hold thousands
        raise InvitationError(
            _l(
                "This list holds %(num)d addresses: send at most %(max)d at a time.",
                num=len(words),
                max=MAX_AT_ONCE,
            )
        )
    addresses, wrong = addresses_in(words)
    if wrong:
        raise InvitationError(
            _l(
                "These are not e-mail addresses: %(words)s. Correct or remove them; no invitation was sent.",
                words=", ".join(wrong[:10]) + (" …" if len(wrong) > 10 else ""),
            )
        )
    if not addresses:
        raise InvitationError(_l("Type or upload at least one e-mail address."))
    _one_sending_at_a_time()
    _refusal_key(create=True)  # made, and committed with the invitations, before any mail needs it
    now = now or utcnow()
    prune(now)
    boxes = {address: mailbox(address) for address in addresses}
    week_ago = now - AGAIN_AFTER
    # Per mailbox, this week: how many invitations, and when this class's last was (if any).
    here = case((ClassInvitation.class_id == school_class.id, ClassInvitation.created_at))
    found = db.session.execute(
        select(ClassInvitation.mailbox, func.count(), func.max(here))
        .where(ClassInvitation.mailbox.in_(set(boxes.values())), ClassInvitation.created_at > week_ago)
        .group_by(ClassInvitation.mailbox)
    ).all()
    counts = {box: count for box, count, _ in found}
    last_here = {box: when for box, _, when in found if when is not None}
    refusing = refused_among(set(boxes.values()))
    sending = Sending()
    to_mail = []
    for address in addresses:
        box = boxes[address]
        if box in refusing:
            sending.refused.append(address)
        elif box in last_here:
            sending.already.append((address, last_here[box]))
        elif counts.get(box, 0) >= MAX_PER_MAILBOX:
            sending.enough.append(address)
        else:
            to_mail.append(address)
            last_here[box], counts[box] = now, counts.get(box, 0) + 1  # « lea+2@ » after « lea+1@ »
    allowed = current_app.config["CLASS_INVITATIONS_PER_DAY"]
    sent_today = db.session.scalar(
        select(func.count()).where(
            ClassInvitation.invited_by_id == by.id, ClassInvitation.created_at > now - timedelta(days=1)
        )
    )
    if to_mail and sent_today + len(to_mail) > allowed:
        raise InvitationError(
            _l(
                "You may invite %(max)d addresses in 24 hours, and %(left)d more now: send fewer, or the "
                "rest later. No invitation was sent.",
                max=allowed,
                left=max(allowed - sent_today, 0),
            )
        )
    for address in to_mail:
        invitation = ClassInvitation(
            class_id=school_class.id,
            email=address,
            mailbox=boxes[address],
            invited_by_id=by.id,
            created_at=now,
        )
        db.session.add(invitation)
        sending.made.append(invitation)
    db.session.flush()
    return sending


def mail(sending: Sending) -> None:
    """Queue each invitation made, once committed, in the teacher's language (the person invited
    may have no account to choose one)."""
    locale, base_url = str(get_locale()), site_url()
    for invitation in sending.made:
        enqueue(send_invitation, invitation.id, locale, base_url)


def send_invitation(invitation_id: int, locale: str, base_url: str) -> None:
    """The job: mail the class's link, in the name of the teacher who sent it, unless since then
    the invitation was deleted, the class stopped letting anyone join, or they left its school."""
    invitation = db.session.get(ClassInvitation, invitation_id)
    if invitation is None:
        return
    school_class = db.session.get(SchoolClass, invitation.class_id)
    if school_class.archived_at is not None or not school_class.joining_open:
        return
    by = db.session.get(User, invitation.invited_by_id)
    if role_in(by, school_class.organisation_id) not in ROLES[SCHOOL]:
        return
    if refused_among({invitation.mailbox}):  # asked for none since it was queued: not sent, nor listed
        db.session.delete(invitation)
        db.session.commit()
        return
    token = refusal_token(invitation.mailbox)
    db.session.commit()  # the key, if this mail had to make it: a link under a key not kept would never match
    refuse_link = link_for_job(base_url, "schools.refuse_invitations", token=token)
    deliver_template(
        invitation.email,
        locale,
        _l("%(by)s invites you to the class %(name)s on Cadre", by=by.full_name, name=school_class.name),
        "schools/email/class_invitation.txt",
        by=by.full_name,
        school_class=school_class,
        school=school_class.organisation.name,
        code=display_code(school_class.join_code),
        link=link_for_job(base_url, "schools.join_link", code=school_class.join_code),
        refuse_link=refuse_link,
        # RFC 8058: a mail client's « unsubscribe » button posts to the same link.
        headers={
            "List-Unsubscribe": f"<{refuse_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@dataclass
class Sent:
    """An invitation as the class's page lists it."""

    email: str
    created_at: datetime
    joined: bool  # an account of this address is in the class now


def recent(school_class: SchoolClass) -> list[Sent]:
    """The class's invitations of the last ``KEEP_DAYS`` days, newest first, each with whether an
    account of its address is in the class now, in one query."""
    joined = exists().where(
        Enrolment.class_id == ClassInvitation.class_id,
        Enrolment.user_id == User.id,
        User.email == ClassInvitation.email,
    )
    rows = db.session.execute(
        select(ClassInvitation.email, ClassInvitation.created_at, joined)
        .where(
            ClassInvitation.class_id == school_class.id,
            ClassInvitation.created_at > utcnow() - timedelta(days=KEEP_DAYS),
        )
        .order_by(ClassInvitation.created_at.desc(), ClassInvitation.id.desc())
        .limit(SHOWN)
    )
    return [Sent(readable(email), created_at, bool(in_class)) for email, created_at, in_class in rows]


def prune(now: datetime) -> int:
    """Delete the invitations older than ``KEEP_DAYS`` days, every class's; return how many."""
    done = db.session.execute(
        delete(ClassInvitation).where(ClassInvitation.created_at < now - timedelta(days=KEEP_DAYS))
    )
    return done.rowcount or 0


REFUSAL_KEY = "invitation-refusal"  # its SiteKey's name


_KEY = select(SiteKey.value).where(SiteKey.name == REFUSAL_KEY)


def _add_once(row) -> None:
    """Add a row with a unique column, unless another request added its twin at the same moment
    (the unique constraint answers; the savepoint keeps the rest of the transaction). The caller
    commits."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the other request's row is there, and stands for this one
        pass


def _refusal_key(create: bool = False) -> bytes | None:
    """The installation's key of refusal fingerprints: made by the first sending (``invite``),
    which commits it with its invitations; a request that only reads never makes it (without it,
    no refusal can exist). The caller commits."""
    value = db.session.scalar(_KEY)
    if value is None and create:
        _add_once(SiteKey(name=REFUSAL_KEY, value=secrets.token_hex(32)))
        value = db.session.scalar(_KEY)  # ours, or the one another process made first
    return bytes.fromhex(value) if value else None


def fingerprint(box: str, key: bytes | None = None) -> str:
    """What Cadre keeps of a mailbox that refused invitations: an HMAC under the installation's
    own key, which nobody without that key can test a guessed address against (a bare digest of
    an address anyone could recompute from a list of addresses)."""
    key = key or _refusal_key(create=True)
    return hmac.new(key, box.encode(), hashlib.sha256).hexdigest()


def _refusal_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cadre-class-invitation-refusal")


def refusal_token(box: str) -> str:
    """The link's token for a mailbox: its fingerprint, signed, so that no address is in the URL
    (a server's logs keep URLs) and nobody can refuse for an address they do not read. The same
    for every invitation to that mailbox, and lasting: it is how the refusal is undone."""
    return _refusal_serializer().dumps(fingerprint(box))


def read_refusal_token(token: str) -> str | None:
    """The fingerprint a token names, or None if it is forged or damaged."""
    try:
        found = _refusal_serializer().loads(token)
    except BadSignature:
        return None
    return found if isinstance(found, str) and re.fullmatch(r"[0-9a-f]{64}", found) else None


def refused_among(boxes: set[str]) -> set[str]:
    """Those of these mailboxes whose reader asked for no invitations: two queries (the key, then
    the refusals), or one when no sending ever made the key."""
    key = _refusal_key() if boxes else None
    if key is None:
        return set()
    prints = {fingerprint(box, key): box for box in boxes}
    found = db.session.scalars(
        select(InvitationRefusal.fingerprint).where(InvitationRefusal.fingerprint.in_(prints))
    )
    return {prints[digest] for digest in found}


def refused_since(address: str) -> datetime | None:
    """When the mailbox of this address asked for no more invitations, if it did."""
    key = _refusal_key()
    return refused_at(fingerprint(mailbox(address), key)) if key else None


def refused_at(digest: str) -> datetime | None:
    """When the mailbox of this fingerprint asked for no more invitations, if it did."""
    return db.session.scalar(
        select(InvitationRefusal.created_at).where(InvitationRefusal.fingerprint == digest)
    )


def refuse(digest: str) -> None:
    """No more invitations to the mailbox of this fingerprint; once only, though its link be
    followed twice at once. The caller commits."""
    if refused_at(digest) is None:
        _add_once(InvitationRefusal(fingerprint=digest))


def accept_again(digest: str) -> None:
    """Undo ``refuse``; the caller commits."""
    db.session.execute(delete(InvitationRefusal).where(InvitationRefusal.fingerprint == digest))
