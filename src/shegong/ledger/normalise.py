"""Normalise ledger cell values: numbers with units and qualifiers, dates, labels.

Each parser returns a value or raises :class:`CellProblem` carrying a reason code; the
importer turns problems into rejected rows. Rules follow DOMAIN.md §4 ("What real files
look like"): full-width digits, Chinese numerals, 万/亿, 余/多/约 qualifiers, units inside
cells, dates as 2021年5月18日 / 2021.5.18 / 2021/5/18 / 5月18日 / Excel serials, and floats
such as 6.3 that are ambiguous and never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

EXCEL_EPOCH = dt.date(1899, 12, 30)
#: serial day 0 of a workbook in the 1904 date system (Excel for Mac's old default)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
SERIAL_RANGE = (20000, 80000)  # 1954 … 2119: plausible Excel serial day numbers
UNITS = ("元", "人次", "人", "次", "场", "个", "户", "小时", "h", "H")
QUALIFIERS = {"余": "≥", "多": "≥", "以上": "≥", "约": "≈", "近": "≈", "左右": "≈"}
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(,\d{3})+(?![\d,])")
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


class CellProblem(ValueError):
    """A cell cannot be normalised; ``reason`` is the rejection's reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class Quantity:
    """A number read from a cell: exact ``value``, ``unit`` (or None) and ``qualifier``
    (``None``, ``≥`` for 余/多, ``≈`` for 约)."""

    value: Decimal
    unit: str | None = None
    qualifier: str | None = None


def is_blank(value: object) -> bool:
    """Empty, white space, or None."""
    return value is None or (isinstance(value, str) and not value.strip())


def fold_text(value: object) -> str:
    """NFKC (full-width → half-width), without surrounding white space."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _chinese_integer(text: str) -> int | None:
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def parse_quantity(value: object) -> Quantity | None:
    """Parse a number cell; None for a blank cell.

    Accepts ints and floats, and text such as ``１４９３``, ``1,493``, ``1.7万元``,
    ``1.36万余人次``, ``600余场``, ``二十``, ``约50``.

    Raises:
        CellProblem: ``invalid_number`` when the text is not a number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellProblem("invalid_number", f"{value!r} is not a number")
    if isinstance(value, int):
        return Quantity(Decimal(value))
    if isinstance(value, float):
        return Quantity(Decimal(repr(value)))
    text = fold_text(value).replace("，", ",")
    if "," in text:  # thousands separators only in groups of three: 1,493 — never 1,5 (1.5 or 15?)
        if "," in _THOUSANDS.sub("", text):
            raise CellProblem(
                "ambiguous_number", f"{text}: a comma that is not a thousands separator"
            )
        text = text.replace(",", "")
    qualifier = None
    for word, mark in QUALIFIERS.items():
        if word in text:
            qualifier, text = mark, text.replace(word, "")
    unit = None
    for candidate in UNITS:
        if text.endswith(candidate):
            unit, text = candidate, text[: -len(candidate)]
            break
    scale = Decimal(1)
    if text and text[-1] in _SCALE:
        scale, text = _SCALE[text[-1]], text[:-1]
    text = text.strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        cn = _chinese_integer(text)
        if cn is None:
            raise CellProblem("invalid_number", "not a number") from None
        number = Decimal(cn)
    if not number.is_finite():
        raise CellProblem("invalid_number", "not a finite number")
    return Quantity(number * scale, unit, qualifier)


_FULL_DATE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_ISO_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]\d{1,2}:\d{2}(:\d{2})?$")


def parse_date(
    value: object, *, year_hint: int | None = None, epoch_1904: bool = False
) -> dt.date | None:
    """Parse a date cell; None for a blank cell.

    Accepts date/datetime cells, Excel serial numbers (integers 20000–80000), and text
    ``2021年5月18日``, ``2021.5.18``, ``2021/5/18``, ``2021-05-18``, ``5月18日`` (year from
    ``year_hint``). Serial numbers count from 1899-12-30, or from 1904-01-01 in a workbook of
    the 1904 date system (``epoch_1904``).

    Raises:
        CellProblem: ``ambiguous_date`` for a float such as 6.3 (June 30 or June 3?) or a
            month-day without a year hint; ``invalid_date`` for text that is not a date or
            names a day that does not exist (2021年2月30日).
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("invalid_date", "not a date")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
            return (EXCEL_EPOCH_1904 if epoch_1904 else EXCEL_EPOCH) + dt.timedelta(days=int(value))
        raise CellProblem("ambiguous_date", f"the number {value} could be read as several dates")
    text = fold_text(value)
    for pattern in (_FULL_DATE, _ISO_TIME):
        m = pattern.match(text)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _MONTH_DAY.match(text)
    if m:
        if year_hint is None:
            raise CellProblem("ambiguous_date", "month and day without a year")
        return _make_date(year_hint, int(m.group(1)), int(m.group(2)))
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", text):
        raise CellProblem("ambiguous_date", f"{text} could be read as several dates")
    raise CellProblem("invalid_date", "not a date")


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem("invalid_date", "no such day") from None


def parse_label(value: object, vocabulary: dict[str, str], reason: str) -> str | None:
    """Map a label through ``vocabulary`` (folded); None for blank.

    Raises:
        CellProblem: with ``reason`` when the label is not in the vocabulary.
    """
    if is_blank(value):
        return None
    text = "".join(fold_text(value).split())
    folded = {"".join(fold_text(k).split()): v for k, v in vocabulary.items()}
    if text in folded:
        return folded[text]
    raise CellProblem(reason, "not in the list")
