"""The seeded demo inputs: calibration to the published Xing'an figures, traps, determinism.

Every figure is recomputed here from the written files with an independent reading of the
import rules (valid = known 服务类型, a real 2021 date, a known station name or alias), so the
test fails if the generator drifts from the files it claims to write.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from shegong.demo.generate import DemoInputs, generate_demo_inputs
from shegong.errors import ConfigError

PUBLISHED = {"D1": 1493, "D3a": 231, "D4a": 20, "D5b": 43, "D6": 57, "F3": 17000, "D7a": 13600}
SERVICE_TYPES = {
    "入户走访",
    "建档",
    "个案开案",
    "个案跟进",
    "个案结案",
    "小组活动",
    "主题活动",
    "需求调研",
    "转介",
    "资源链接",
    "志愿服务",
}
HEADER = [
    "序号",
    "服务日期",
    "所属站点",
    "村（社区）",
    "服务类型",
    "服务领域",
    "服务对象",
    "身份证号",
    "联系电话",
    "户编号",
    "对象类别",
    "服务人次",
    "参与社工",
    "志愿者人数",
    "志愿服务时长（小时）",
    "链接资源（元）",
    "资源类型",
    "备注",
]
NUMERIC = ("服务人次", "志愿者人数", "志愿服务时长（小时）", "链接资源（元）")
INDIVIDUAL = {"入户走访", "建档", "个案开案", "个案跟进", "个案结案", "转介"}
_DATE = re.compile(r"(\d{4})(?:年|\.|/|-)(\d{1,2})(?:月|\.|/|-)(\d{1,2})日?")


def parse_date(value: object) -> date | None:
    """A real date from a date cell or one of the text forms; None when impossible."""
    if isinstance(value, datetime):  # pd.Timestamp too
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(str(value).strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def check_digit_ok(number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(number[:17], weights, strict=True))
    return len(number) == 18 and number[:17].isdigit() and "10X98765432"[total % 11] == number[17]


def blank(value: object) -> bool:
    missing = value is None or (isinstance(value, float) and pd.isna(value))
    return missing or str(value).strip() == ""


def read_ledgers(inputs: DemoInputs) -> pd.DataFrame:
    """All ledger rows of all files, as objects, with the source file and sheet."""
    frames = []
    for path in inputs.ledgers:
        if path.suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, header=1, dtype=object, engine="calamine")
            assert list(sheets) == [f"{m}月" for m in range(1, 13)]
            for name, frame in sheets.items():
                assert list(frame.columns) == HEADER
                for col in NUMERIC:  # real number cells, not text
                    assert frame[col].map(lambda v: isinstance(v, int | float)).all()
                assert frame["序号"].tolist() == list(range(1, len(frame) + 1))
                frames.append(frame.assign(file=path.name, sheet=name))
        else:
            frame = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
            assert list(frame.columns) == HEADER
            frames.append(frame.assign(file=path.name, sheet=""))
    df = pd.concat(frames, ignore_index=True)
    for col in NUMERIC:
        df[col] = pd.to_numeric(pd.Series([None if blank(v) else v for v in df[col]], dtype=object))
    for col in ("身份证号", "联系电话", "户编号", "服务对象", "村（社区）", "对象类别", "备注"):
        df[col] = [None if blank(v) else str(v) for v in df[col]]
    return df


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoInputs, pd.DataFrame, pd.DataFrame]:
    inputs = generate_demo_inputs(tmp_path_factory.mktemp("demo"))
    org = pd.read_csv(inputs.org_units, dtype=str, keep_default_na=False)
    return inputs, org, read_ledgers(inputs)


def station_lookup(org: pd.DataFrame) -> dict[str, str]:
    stations = org[org["unit_type"] == "station"]
    lookup = {}
    for row in stations.itertuples():
        for label in [row.name, *[a for a in row.aliases.split("|") if a]]:
            lookup[label] = row.code
    return lookup


def classify(df: pd.DataFrame, org: pd.DataFrame, year: int = 2021) -> pd.DataFrame:
    lookup = station_lookup(org)
    days = [parse_date(v) for v in df["服务日期"]]
    df = df.assign(day=days, station=[lookup.get(str(v).strip()) for v in df["所属站点"]])
    df["bad_type"] = ~df["服务类型"].isin(SERVICE_TYPES)
    df["bad_date"] = [d is None or d.year != year for d in days]
    df["bad_station"] = df["station"].isna()
    df["valid"] = ~(df["bad_type"] | df["bad_date"] | df["bad_station"])
    return df


def figures(valid: pd.DataFrame) -> dict[str, float]:
    visits = valid[valid["服务类型"] == "入户走访"]
    return {
        "D1": visits["户编号"].dropna().nunique(),
        "D3a": int((valid["服务类型"] == "建档").sum()),
        "D4a": int((valid["服务类型"] == "个案开案").sum()),
        "D5b": int((valid["服务类型"] == "小组活动").sum()),
        "D6": int((valid["服务类型"] == "主题活动").sum()),
        "F3": float(pd.to_numeric(valid["链接资源（元）"]).sum()),
        "D7a": float(pd.to_numeric(valid["服务人次"]).sum()),
    }


def test_valid_rows_reproduce_the_published_figures(demo) -> None:
    inputs, org, df = demo
    df = classify(df, org)
    got = figures(df[df["valid"]])
    assert got == PUBLISHED
    assert inputs.expected == PUBLISHED


def test_invalid_rows_are_traps_with_one_defect_each(demo) -> None:
    _inputs, org, df = demo
    df = classify(df, org)
    bad = df[~df["valid"]]
    defects = bad[["bad_type", "bad_date", "bad_station"]].sum(axis=1)
    assert (defects == 1).all()
    assert all(bad[defect].sum() >= 8 for defect in ("bad_type", "bad_date", "bad_station"))
    assert bad["file"].nunique() >= 4
    # An importer that checks only the service type gets every figure wrong.
    careless = figures(df[df["服务类型"].isin(SERVICE_TYPES)])
    assert all(careless[k] != PUBLISHED[k] for k in PUBLISHED)
    assert df["服务人次"].sum() != PUBLISHED["D7a"]
    assert bad["服务人次"].notna().all()
    assert (bad["服务类型"] == "入户走访").sum() >= 5 and bad["户编号"].notna().sum() >= 10
    valid_visits = int((df["valid"] & (df["服务类型"] == "入户走访")).sum())
    assert len(bad) >= 24 and valid_visits >= 2000
    counts = {len(df), len(bad), int((df["服务类型"] == "入户走访").sum()), valid_visits}
    assert not counts & set(PUBLISHED.values())
    bad_dates = set(bad.loc[bad["bad_date"], "服务日期"])
    assert {"2021年2月30日", "2021.13.5", "2021年4月31日"} <= bad_dates
    assert {"慰问", "走访慰问", "其他活动"} <= set(bad["服务类型"])
    assert {"幸福镇社工站", "红旗街道社工站"} <= set(bad["所属站点"])


def test_no_totals_or_blank_rows(demo) -> None:
    _inputs, _org, df = demo
    assert not df[HEADER].map(lambda v: "合计" in str(v)).any().any()
    assert df[["服务日期", "所属站点", "服务类型", "服务人次"]].notna().all().all()


def test_people_households_and_staff_are_consistent(demo) -> None:
    inputs, org, df = demo
    df = classify(df, org)
    ids = df["身份证号"].dropna()
    assert ids.map(check_digit_ok).all()
    assert ids.str.fullmatch(r"\d{18}").all()
    county6 = df.loc[ids.index, "file"].map(
        {
            f"{n}_2021台账.{e}": c[:6]
            for c, n in org.loc[org["level"] == "3", ["code", "name"]].values
            for e in ("xlsx", "csv")
        }
    )
    assert (ids.str[:6] == county6).all()
    assert df["联系电话"].dropna().str.fullmatch(r"1[3-9]\d{9}").all()
    people = df.dropna(subset=["身份证号"]).groupby("身份证号")
    assert (people["服务对象"].nunique() == 1).all() and (people["联系电话"].nunique() == 1).all()
    assert (people.size() > 1).sum() > 100  # persons served more than once
    known = df.dropna(subset=["户编号"])
    known = known[known["station"].notna()]
    assert (known.groupby("户编号")["station"].nunique() == 1).all()
    assert (known["户编号"].str[:9] == known["station"].str[:9]).all()
    assert (df.dropna(subset=["户编号"]).groupby("户编号")["身份证号"].nunique() <= 3).all()
    valid = df[df["valid"]]
    assert valid["station"].nunique() == 18
    assert valid["day"].map(lambda d: d.month).nunique() == 12
    individual = valid[valid["服务类型"].isin(INDIVIDUAL)]
    assert (
        individual[["服务对象", "身份证号", "联系电话", "户编号", "对象类别"]].notna().all().all()
    )
    events = valid[valid["服务类型"].isin({"小组活动", "主题活动", "需求调研", "志愿服务"})]
    assert events[["服务对象", "身份证号", "户编号", "对象类别"]].isna().all().all()
    roster = pd.read_csv(inputs.roster, dtype=str, keep_default_na=False)
    staff_station = dict(zip(roster["staff_id"], roster["station_code"], strict=True))
    for staff, station in zip(valid["参与社工"], valid["station"], strict=True):
        members = str(staff).split("、")
        assert 1 <= len(members) <= 2
        assert all(m.startswith("S") and staff_station[m] == station for m in members)


def test_value_columns_follow_the_template(demo) -> None:
    _inputs, org, df = demo
    df = classify(df, org)
    valid = df[df["valid"]]
    money = valid[valid["链接资源（元）"].notna()]
    assert set(money["服务类型"]) == {"资源链接"}
    assert set(money["资源类型"]) <= {"现金", "物资"}
    assert ((money["链接资源（元）"] * 2) % 1 == 0).all()
    hours = valid["志愿服务时长（小时）"].dropna()
    assert ((hours * 2) % 1 == 0).all()
    volunteer = valid[valid["服务类型"] == "志愿服务"]
    assert volunteer["志愿者人数"].notna().all() and volunteer["志愿服务时长（小时）"].notna().all()
    assert set(valid["服务领域"]) == {"社会救助", "养老服务", "儿童关爱", "社会事务", "社区治理"}
    assert 0 < (valid["服务类型"] == "个案结案").sum() <= 20
    assert (valid["服务类型"] == "个案跟进").sum() >= 40
    sizes = valid.groupby("服务类型")["服务人次"]
    assert sizes.min()["小组活动"] >= 6 and sizes.max()["小组活动"] <= 15
    assert sizes.min()["主题活动"] >= 30 and sizes.max()["主题活动"] <= 150
    assert sizes.max()["入户走访"] <= 3


def test_dates_come_in_several_forms(demo) -> None:
    inputs, _org, df = demo
    xlsx = df[df["file"].str.endswith(".xlsx")]
    text = xlsx["服务日期"].map(lambda v: isinstance(v, str))
    assert 0.05 < text.mean() < 0.2
    forms = {("年" if "年" in v else "." if "." in v else "/") for v in xlsx.loc[text, "服务日期"]}
    assert forms == {"年", ".", "/"}
    for path in inputs.ledgers:
        if path.suffix == ".csv":
            raw = path.read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert raw.decode("gb18030").splitlines()[0].split(",") == HEADER
        else:
            titles = [sheet[0][0] for _name, sheet in workbook_cells(path)]
            county = path.name.split("_")[0]
            assert titles == [f"{county}社工站服务台账 2021年{m}月" for m in range(1, 13)]
    wb = openpyxl.load_workbook(inputs.ledgers[0])  # slow reader: one workbook is enough
    assert all("A1:R1" in {str(r) for r in ws.merged_cells.ranges} for ws in wb.worksheets)
    assert wb.properties.modified == wb.properties.created == datetime(2022, 1, 10, 9, 0)
    wb.close()


def test_org_units(demo) -> None:
    inputs, org, _df = demo
    assert list(org.columns) == [
        "code",
        "name",
        "parent_code",
        "level",
        "unit_type",
        "aliases",
        "opening_date",
        "pilot_batch",
    ]
    assert set(org["pilot_batch"]) == {"2021"}
    assert (org.loc[org["unit_type"] == "station", "opening_date"].str[:4] == "2021").all()
    rooms = org[org["unit_type"] == "room"]
    assert len(org) == 1 + 6 + 18 + len(rooms)
    assert org["code"].is_unique and org["code"].str.fullmatch(r"\d{12}").all()
    assert set(org["parent_code"]) - {""} <= set(org["code"])
    level_of = dict(zip(org["code"], org["level"].astype(int), strict=True))
    levels = {kind: set(group) for kind, group in org.groupby("unit_type")["level"]}
    assert levels == {"admin": {"2", "3"}, "station": {"4"}, "room": {"5"}}
    for row in org[org["parent_code"] != ""].itertuples():
        assert level_of[row.parent_code] == int(row.level) - 1
    assert org.loc[org["code"] == "152221000000", "aliases"].item() == "科右前旗"
    assert rooms.groupby("parent_code").size().between(3, 5).all()
    assert (rooms["name"] == rooms["aliases"] + "社工室").all()
    assert not rooms.duplicated(["parent_code", "aliases"]).any()
    assert org.loc[org["code"] == "152201100000", "name"].item() == "和平街道社工站"
    roster = pd.read_csv(inputs.roster, dtype=str, keep_default_na=False)
    roster = roster[roster["start_date"] < "2022"]  # 2022 hires come on top
    per_station = roster.groupby(["station_code", roster["role"] == "志愿者"]).size().unstack()
    assert per_station[False].between(2, 4).all() and per_station[True].between(3, 8).all()


def test_same_seed_same_content(demo, tmp_path: Path) -> None:
    first, _org, _df = demo
    second = generate_demo_inputs(tmp_path / "again")
    other = generate_demo_inputs(tmp_path / "other", seed=7)
    assert sorted(first.inputs) == sorted(second.inputs) and set(first.ledgers_by_year) == {
        2021,
        2022,
    }
    for a, b in zip(
        [
            first.org_units,
            first.roster,
            *first.ledgers,
            *first.ledgers_by_year[2022],
            *first.inputs.values(),
        ],
        [
            second.org_units,
            second.roster,
            *second.ledgers,
            *second.ledgers_by_year[2022],
            *second.inputs.values(),
        ],
        strict=True,
    ):
        assert a.name == b.name
        if a.suffix == ".csv":
            assert a.read_bytes() == b.read_bytes()
        else:
            assert workbook_cells(a) == workbook_cells(b)
    assert workbook_cells(first.ledgers[0]) != workbook_cells(other.ledgers[0])


def test_other_seeds_are_calibrated_too(tmp_path: Path) -> None:
    inputs = generate_demo_inputs(tmp_path, seed=7)
    org = pd.read_csv(inputs.org_units, dtype=str, keep_default_na=False)
    df = classify(read_ledgers(inputs), org)
    assert figures(df[df["valid"]]) == PUBLISHED


def workbook_cells(path: Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's name and cell values, in order."""
    wb = CalamineWorkbook.from_path(str(path))
    return [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names]


def test_csv_is_plain_text_numbers(demo) -> None:
    inputs, _org, _df = demo
    path = next(p for p in inputs.ledgers if p.suffix == ".csv")
    with path.open(encoding="gb18030", newline="") as f:
        rows = list(csv.reader(f))
    assert all(len(r) == len(HEADER) for r in rows)
    assert all(re.fullmatch(r"\d+", r[11]) for r in rows[1:])
    assert all(r[15] == "" or re.fullmatch(r"\d+(\.5)?", r[15]) for r in rows[1:])


def test_destination_must_be_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "not_a_folder"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a folder"):
        generate_demo_inputs(target)


def test_2022_ledgers_are_calibrated_too(demo) -> None:
    from shegong.demo.inputs import FIGURES_2022

    inputs, org, _df = demo
    year = DemoInputs(inputs.org_units, inputs.roster, inputs.ledgers_by_year[2022])
    df = classify(read_ledgers_of(year, 2022), org, 2022)
    assert figures(df[df["valid"]]) == {
        k: int(v) if k != "F3" else v for k, v in FIGURES_2022.items()
    }
    assert (~df["valid"]).sum() == 27
    assert inputs.expected_by_year[2022] == FIGURES_2022


def read_ledgers_of(inputs: DemoInputs, year: int) -> pd.DataFrame:
    """:func:`read_ledgers` for another pilot year (the sheet titles name the year)."""
    frames = []
    for path in inputs.ledgers:
        if path.suffix == ".xlsx":
            for name, frame in pd.read_excel(
                path, sheet_name=None, header=1, dtype=object, engine="calamine"
            ).items():
                frames.append(frame.assign(file=path.name, sheet=name))
            assert workbook_cells(path)[0][1][0][0].endswith(f"{year}年1月")
        else:
            frames.append(
                pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False).assign(
                    file=path.name, sheet=""
                )
            )
    df = pd.concat(frames, ignore_index=True)
    for col in NUMERIC:
        df[col] = pd.to_numeric(pd.Series([None if blank(v) else v for v in df[col]], dtype=object))
    for col in ("身份证号", "联系电话", "户编号", "服务对象", "村（社区）", "对象类别", "备注"):
        df[col] = [None if blank(v) else str(v) for v in df[col]]
    return df


def test_other_inputs_cover_both_pilot_years(demo) -> None:
    inputs, _org, _df = demo
    assert set(inputs.inputs) == {
        "divisions",
        "training",
        "survey",
        "site_visits",
        "receipts",
        "audits",
        "service_lists",
        "organisations",
        "case_outcomes",
        "priority_households",
        "groups",
    }
    for kind in ("site_visits", "receipts", "audits", "service_lists", "priority_households"):
        frame = pd.read_csv(inputs.inputs[kind], dtype=str)
        assert set(frame["年度"]) == {"2021", "2022"}, kind
    training = pd.read_csv(inputs.inputs["training"], dtype=str)
    assert set(training["培训日期"].str[:4]) == {"2021", "2022"} and set(training["阶段"]) == {
        "传",
        "帮",
        "带",
        "教",
    }
