"""Join codes: what students type to join a class and members to join a publisher."""

import secrets
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from app.extensions import db

# No 0/O, 1/I/L: codes are read aloud in class and typed from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed, as stored: "abcd-efgh " gives "ABCDEFGH"."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:32]


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def draw_unused(assign: Callable[[str], None]) -> None:
    """Run ``assign(code)`` in a savepoint, drawing another code on the (rare) collision with a
    unique column."""
    for _ in range(5):
        try:
            with db.session.begin_nested():
                assign(new_join_code())
                db.session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not draw an unused join code")
