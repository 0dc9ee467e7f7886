import datetime as dt
from decimal import Decimal

import pytest

from shegong.ledger.normalise import CellProblem, parse_date, parse_label, parse_quantity
from shegong.ledger.vocabulary import EVENT_TYPES


@pytest.mark.parametrize(
    ("cell", "value", "unit", "qualifier"),
    [
        ("１４９３", "1493", None, None),
        ("1,493", "1493", None, None),
        ("1.7万元", "17000", "元", None),
        ("1.36万余人次", "13600", "人次", "≥"),
        ("600余场", "600", "场", "≥"),
        ("百余个", "100", "个", "≥"),
        ("二十", "20", None, None),
        ("约50", "50", None, "≈"),
        (3, "3", None, None),
        (2.5, "2.5", None, None),
        (" 12 小时", "12", "小时", None),
    ],
)
def test_parse_quantity(cell, value, unit, qualifier):
    q = parse_quantity(cell)
    assert q.value == Decimal(value)
    assert (q.unit, q.qualifier) == (unit, qualifier)


@pytest.mark.parametrize("cell", ["abc", "十二三四x", True])
def test_parse_quantity_rejects(cell):
    with pytest.raises(CellProblem) as e:
        parse_quantity(cell)
    assert e.value.reason == "invalid_number"


def test_blank_is_none():
    assert parse_quantity("  ") is None
    assert parse_date(None) is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2021年5月18日", dt.date(2021, 5, 18)),
        ("2021.5.18", dt.date(2021, 5, 18)),
        ("2021/5/18", dt.date(2021, 5, 18)),
        ("２０２１－０５－１８", dt.date(2021, 5, 18)),
        ("5月18日", dt.date(2021, 5, 18)),
        (44334, dt.date(2021, 5, 18)),
        (dt.datetime(2021, 5, 18, 9, 30), dt.date(2021, 5, 18)),
    ],
)
def test_parse_date(cell, expected):
    assert parse_date(cell, year_hint=2021) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (6.3, "ambiguous_date"),
        ("6.3", "ambiguous_date"),
        ("2021年2月30日", "invalid_date"),
        ("2021.13.5", "invalid_date"),
        ("上周三", "invalid_date"),
        ("5月18日", "ambiguous_date"),
    ],
)
def test_parse_date_problems(cell, reason):
    hint = None if cell == "5月18日" else 2021
    with pytest.raises(CellProblem) as e:
        parse_date(cell, year_hint=hint)
    assert e.value.reason == reason


def test_parse_label_folds_width_and_space():
    assert parse_label(" 入户 走访 ", EVENT_TYPES, "unknown_event_type") == "home_visit"
    with pytest.raises(CellProblem) as e:
        parse_label("慰问", EVENT_TYPES, "unknown_event_type")
    assert e.value.reason == "unknown_event_type"
