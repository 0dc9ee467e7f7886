"""What trainees read (issue 19): no indicator codes (E1, G4, D5b …) in pages, exercises or module
texts, and the corrected items carry their sources."""

import re
from pathlib import Path

import pytest
import yaml

from shegong.training.curriculum import load_curricula

ROOT = Path(__file__).resolve().parents[1]
CURRICULA = ROOT / "curricula"
#: Every indicator and measure id of the evaluation system (E1, G4, D5, D5b …), from its registry.
IDS = {
    code
    for row in yaml.safe_load((ROOT / "datasets" / "indicators.yaml").read_text(encoding="utf-8"))[
        "measures"
    ]
    for code in (row["id"], row["indicator"])
}
CODE = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(sorted(IDS, key=len, reverse=True)) + r")(?![A-Za-z0-9])"
)
NOT_SHOWN = {"source", "tags", "id", "after", "type", "mode", "data", "next", "start"}


def codes_in(text: str) -> list[str]:
    return CODE.findall(text)


def shown_texts(value, path: str = ""):
    """Every string of an exercise or module mapping that the player shows, with where it is."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in NOT_SHOWN:
                yield from shown_texts(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from shown_texts(inner, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("评估指标 E1 要求档案完整", ["E1"]),
        ("小组活动次数（D5b）", ["D5b"]),
        ("F2a、F2b 和 G4", ["F2a", "F2b", "G4"]),
        ("户编号 H001、MZ/T 094-2017、r3 行、2021 年、A4 纸", []),
    ],
)
def test_the_scan_finds_indicator_codes_and_nothing_else(text, found):
    assert {"A1", "B5", "D5", "D5b", "E1", "F2a", "G4"} <= IDS and "A4" not in IDS
    assert codes_in(text) == found


def test_trainee_pages_hold_no_indicator_codes():
    pages = sorted(CURRICULA.glob("*/pages/*.md"))
    assert len(pages) == 40
    found = {
        f"{p.parent.parent.name}/{p.name}:{n}": codes_in(line)
        for p in pages
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if codes_in(line)
    }
    assert found == {}


def test_exercises_and_module_texts_hold_no_indicator_codes():
    files = sorted(CURRICULA.glob("*/exercises/*.yaml")) + sorted(CURRICULA.glob("*/module.yaml"))
    found = {}
    for f in files:
        for where, text in shown_texts(yaml.safe_load(f.read_text(encoding="utf-8"))):
            if codes_in(text):
                found[f"{f.relative_to(CURRICULA)}{where}"] = codes_in(text)
    assert found == {}


#: The eleven corrections of issue 19 and the item each one changed.
CORRECTED = {
    1: ("m03-casework", "s02"),
    2: ("m07-ledger", "e04"),
    3: ("m04-groupwork", "e01"),
    4: ("m06-assistance", "e05"),
    5: ("m02-home-visits", "e04"),
    7: ("m08-supervision", "e07"),
    8: ("m01-ethics", "e05"),
    10: ("m06-assistance", "e08"),
    11: ("m01-ethics", "s03"),
}


@pytest.mark.parametrize(("number", "item"), sorted(CORRECTED.items()))
def test_each_corrected_item_carries_its_source(number, item):
    module_id, exercise_id = item
    source = load_curricula()[module_id].exercise(exercise_id).data["source"]
    assert isinstance(source, list) and source, number
    for entry in source:
        assert entry["ref"].strip()
        assert (
            entry.get("url", "").startswith("http") and entry.get("passage", "").strip()
        ) or entry["general"].strip()


def test_pages_corrected_without_an_item_cite_their_sources():
    """Corrections 6 and 9 (volunteers counted from the roster; the five-society roles) live in
    pages."""
    volunteers = (CURRICULA / "m05-community/pages/02-volunteers.md").read_text(encoding="utf-8")
    assert "人员名册" in volunteers and "数不出是不是同一个人" in volunteers
    five = (CURRICULA / "m05-community/pages/01-five-society.md").read_text(encoding="utf-8")
    assert "http://shzl.org.cn/index.php?id=577" in five and "各地说法不一" in five
    assert "| 社区志愿者 | 补充 |" not in five  # no longer stated as the one official role
