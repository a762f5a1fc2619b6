"""Join codes: what students type to join a class and members to join a publisher."""

import secrets

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
