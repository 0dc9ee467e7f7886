"""Pseudonymisation of personal data at import (PIPL art. 28; DESIGN.md §7).

ID numbers, phone numbers, client names and household numbers are replaced by a keyed hash
(HMAC-SHA-256) before anything is written. The key is 32 random bytes in a file outside the
repository (``SHEGONG_KEY_FILE``, default ``~/.config/shegong/pseudonym.key``), created with
mode 0600 on first use. The same key gives the same pseudonym for the same person in every
import, so repeat visits and distinct counts work across files.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

from shegong import config
from shegong.errors import ConfigError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
#: mobile numbers, also as people write them in free text: 138 0013 8000, 138-0013-8000
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d(?:[ \-]?\d){8}(?!\d)")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")


def id_checksum_ok(id_number: str) -> bool:
    """True when an 18-digit resident ID number's check digit is right (GB 11643-1999, ISO 7064 MOD
    11-2)."""
    text = id_number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17]


def load_key(path: Path | None = None) -> bytes:
    """The pseudonymisation key, created on first use.

    Raises:
        ConfigError: the key file exists but is not 32 bytes, or cannot be written.
    """
    path = path or config.key_file()
    if path.is_dir():
        raise ConfigError(
            f"pseudonym key {path} is a directory, not a key file: set "
            "SHEGONG_KEY_FILE to a file path"
        )
    if path.exists():
        try:
            key = path.read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot read the pseudonym key {path}: {e.strerror}") from e
        if len(key) != 32:
            raise ConfigError(
                f"pseudonym key {path} is damaged (expected 32 bytes): restore it from backup"
            )
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    except FileExistsError:
        return load_key(path)
    except OSError as e:
        raise ConfigError(f"cannot create the pseudonym key at {path}: {e.strerror}") from e


class Pseudonymiser:
    """Keyed hashing of personal values into stable pseudonyms such as ``H-3f9a0c…``.

    ``kind`` separates name spaces (a household number never collides with a person).
    """

    PREFIX = {"person": "P", "household": "H", "phone": "T"}

    def __init__(self, key: bytes) -> None:
        self._key = key

    def pseudonym(self, kind: str, value: object) -> str | None:
        """The pseudonym of ``value`` (folded: NFKC, no white space, upper case); None for blank."""
        if value is None:
            return None
        text = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
        if not text or text == "NAN":
            return None
        digest = hmac.new(self._key, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()
        return f"{self.PREFIX.get(kind, 'X')}-{digest[:16]}"

    def person(self, id_number: object, name: object, household: object) -> str | None:
        """A person's pseudonym: from the ID number when its checksum holds, else from
        name + household number, else from the name alone; None when nothing identifies them."""
        if id_number is not None and id_checksum_ok(str(id_number)):
            return self.pseudonym("person", f"id:{id_number}")
        if name is None or not str(name).strip():
            return None
        return self.pseudonym("person", f"name:{name}|{household or ''}")


def scrub(text: str) -> str:
    """Mask ID-number-like and phone-like digit runs in free text (used for rejects, logs and
    fix examples). Full-width digits (１３８…) count as digits; a phone may be written in groups
    (138 0013 8000, 138-0013-8000). Names cannot be told from other words and are not masked:
    personal columns are masked whole instead (:data:`.profiles.PERSONAL`)."""
    text = str(text).translate(_FULL_WIDTH_DIGITS)
    return PHONE_PATTERN.sub("[电话]", ID_PATTERN.sub("[身份证号]", text))
