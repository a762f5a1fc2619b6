"""Bitstring Status List (W3C): which credentials are revoked, as a compressed bitstring.

Pure functions. Bit ``i`` is the i-th bit from the left (the most significant bit of byte 0 is
index 0); the list is GZIP-compressed, then base64url without padding, with the multibase prefix
``u``. A list has at least 131,072 entries (16 KB), so that one credential's bit hides in a crowd.
"""

import base64
import gzip
from collections.abc import Iterable

MINIMUM_LENGTH = 131_072


def list_length(highest_index: int) -> int:
    """Room for ``highest_index``, in whole blocks of the minimum length."""
    blocks = highest_index // MINIMUM_LENGTH + 1
    return blocks * MINIMUM_LENGTH


def encode(set_indexes: Iterable[int], length: int) -> str:
    """The ``encodedList`` of a bitstring of ``length`` bits with these bits set."""
    bits = bytearray(length // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same list always compresses to the same bytes.
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode(encoded_list: str) -> bytes:
    """The bitstring an ``encodedList`` holds."""
    if not encoded_list.startswith("u"):
        raise ValueError("an encodedList starts with u (base64url)")
    data = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(encoded_list: str, index: int) -> bool:
    """Whether bit ``index`` of an ``encodedList`` is set."""
    return bool(decode(encoded_list)[index // 8] & (0x80 >> (index % 8)))
