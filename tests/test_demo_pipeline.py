"""The evaluator's main job end to end: `shegong demo --no-serve` as a subprocess (issues 2 and 5).

The demo holds pilot years 2021 (calibrated to the published figures) and 2022; ledgers of each
year are separate files (``*_2021台账.*``, ``*_2022台账.*``), so the per-year checks select them
by name.
"""

import json

import nbformat
import pandas as pd
import pytest

from shegong.demo.ledgers import PUBLISHED_FIGURES

LEAGUE = "152200000000"
COUNTIES = [
    "152201000000",
    "152202000000",
    "152221000000",
    "152222000000",
    "152223000000",
    "152224000000",
]
ADDITIVE = ["D3a", "D4a", "D5b", "D6", "D7a", "F2b", "F2c", "F3"]
UNITS = {"D1": "户", "D3a": "个", "D4a": "个", "D5b": "次", "D6": "场", "F3": "元", "D7a": "人次"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def yearly(demo_workspace):
    t = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    return t[(t["period"] == "2021") & t["service_area"].isna() & t["client_category"].isna()]


def test_league_reproduces_the_published_figures(yearly):
    league = yearly[yearly["org_unit"] == LEAGUE].set_index("indicator")
    assert {k: league.at[k, "value"] for k in UNITS} == {
        "D1": 1493,
        "D3a": 231,
        "D4a": 20,
        "D5b": 43,
        "D6": 57,
        "F3": 17000,
        "D7a": 13600,
    }
    assert {k: league.at[k, "unit"] for k in UNITS} == UNITS
    assert dict(PUBLISHED_FIGURES) == {
        k: float(v)
        for k, v in {
            "D1": 1493,
            "D3a": 231,
            "D4a": 20,
            "D5b": 43,
            "D6": 57,
            "F3": 17000,
            "D7a": 13600,
        }.items()
    }


def test_figures_come_from_computation_not_from_row_counts(demo_workspace):
    quality = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (demo_workspace / "ledger" / "quality").glob("*2021台账*.json")
    ]
    assert len(quality) == 6
    rows_read = sum(q["rows_read"] for q in quality)
    rejected = sum(q["rejected"] for q in quality)
    ledger = pd.concat(
        pd.read_parquet(p)
        for p in (demo_workspace / "ledger" / "accepted").glob("*2021台账*.parquet")
    )
    assert set(ledger["year"]) == {2021}
    visits = int((ledger["event_type"] == "home_visit").sum())
    published = {1493, 231, 20, 43, 57, 17000, 13600}
    assert rows_read not in published and rejected not in published and visits not in published
    assert rejected >= 20
    assert visits > 1493  # repeat visits to the same households
    assert (
        sum(q["accepted"] + q["rejected"] + q["skipped_blank"] + q["total_rows"] for q in quality)
        == rows_read
    )
    assert ledger["client_pid"].value_counts().max() > 1  # people served more than once


def test_counties_sum_to_the_league(yearly):
    for measure in ADDITIVE:
        rows = yearly[yearly["indicator"] == measure].set_index("org_unit")["value"]
        assert rows[COUNTIES].sum() == pytest.approx(rows[LEAGUE]), measure


def test_league_notebook_shows_the_figures_with_units(demo_workspace):
    nb = nbformat.read(demo_workspace / "reports" / "2021" / f"{LEAGUE}.ipynb", as_version=4)
    html = "".join(
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    )
    kpi = pd.read_html(
        __import__("io").StringIO(html), attrs={"class": "shegong-kpi"}, converters={"数值": str}
    )[0]
    shown = dict(
        zip(
            kpi["编号"],
            zip(kpi["数值"].astype(str).str.replace(",", ""), kpi["单位"], strict=True),
            strict=True,
        )
    )
    assert {k: shown[k] for k in UNITS} == {
        "D1": ("1493", "户"),
        "D3a": ("231", "个"),
        "D4a": ("20", "个"),
        "D5b": ("43", "次"),
        "D6": ("57", "场"),
        "F3": ("17000", "元"),
        "D7a": ("13600", "人次"),
    }
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    # dimension scores, months, service areas, client categories, five-society linkage, 传帮带教 stages, training × score
    assert len(images) == 7


def test_manifest_and_no_missing_glyphs(demo_workspace):
    report_dir = demo_workspace / "reports" / "2021"
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 1 and manifest["year"] == 2021
    units = manifest["units"]
    assert len(units) == 1 + 6  # 2021: the league and the counties (2022 has every station too)
    assert {u["status"] for u in units} == {"ok"}
    league = next(u for u in units if u["org_unit"] == LEAGUE)
    assert league["name"] == "兴安盟" and league["level"] == 2 and league["error"] is None
    assert league["outputs"][:2] == [f"reports/2021/{LEAGUE}.ipynb", f"reports/2021/{LEAGUE}.html"]
    accepted = {p.name for p in (demo_workspace / "inputs" / "accepted").glob("*.parquet")}
    assert (
        set(league["input_hashes"])
        == {
            "template",
            "indicators.parquet",
            "org_units.csv",
            "evaluation.parquet",
            "findings.parquet",
            "training_outcomes.parquet",
            "ledger/quality",
            "report_rules",
            "report_settings",
            "narrative",
            "lifecycle",
        }
        | accepted
    )
    assert {"roster.parquet", "training.parquet", "survey.parquet"} <= accepted
    assert league["input_hashes"]["narrative"]  # the demo's evaluators wrote the league's opinion
    assert (
        league["attempts"] >= 1
    )  # 2 when its first kernel failed (shegong.reports.batch.ATTEMPTS)
    assert league["parameters"]["org_unit"] == LEAGUE
    texts = [
        (report_dir / "batch.log").read_text(encoding="utf-8"),
        (demo_workspace / "demo_stderr.log").read_text(encoding="utf-8"),
    ]
    texts += [p.read_text(encoding="utf-8") for p in report_dir.glob("*.ipynb")]
    assert not any("missing from" in t and "Glyph" in t for t in texts)


def test_second_run_updates_in_place(demo_workspace, tmp_path):
    """Re-importing the demo ledgers into the same workspace adds nothing (idempotent import)."""
    import os
    import subprocess

    from .conftest import SHEGONG

    before = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    ledgers = sorted((demo_workspace / "inputs" / "ledger").glob("*2021台账*"))
    assert len(ledgers) == 6
    proc = subprocess.run(
        [
            *SHEGONG,
            "ledger",
            "import",
            *map(str, ledgers),
            "--workspace",
            str(demo_workspace),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["accepted"], summary["rejected"]) == (2778, 27)
    assert (
        summary["totals"]["person_times"] == 13600 and summary["totals"]["resources_yuan"] == 17000
    )
    proc = subprocess.run(
        [*SHEGONG, "indicators", "compute", "--workspace", str(demo_workspace), "--year", "2021"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    after = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    pd.testing.assert_frame_equal(before, after)


def test_2022_is_its_own_pilot_year(demo_workspace):
    from shegong.demo.inputs import FIGURES_2022

    t = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    league = t[
        (t["org_unit"] == LEAGUE)
        & (t["period"] == "2022")
        & t["service_area"].isna()
        & t["client_category"].isna()
    ]
    league = league.set_index("indicator")
    assert {k: league.at[k, "value"] for k in FIGURES_2022} == FIGURES_2022
    assert len(league) == 33 and set(league["status"]) <= {"met", "near", "missed", "suppressed"}
    assert (league["target"].notna()).all()
    quality = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (demo_workspace / "ledger" / "quality").glob("*2022台账*.json")
    ]
    assert (sum(q["accepted"] for q in quality), sum(q["rejected"] for q in quality)) == (3204, 27)
    manifest = json.loads(
        (demo_workspace / "reports" / "2022" / "manifest.json").read_text(encoding="utf-8")
    )
    failed = {
        u["org_unit"]: (u["error"], u.get("attempts"))
        for u in manifest["units"]
        if u["status"] != "ok"
    }
    assert len(manifest["units"]) == 2 * (1 + 6 + 18) and failed == {}  # zh and en (--lang zh,en)


def test_league_2022_report_shows_scores_grade_and_change(demo_workspace):
    import io

    ev = pd.read_parquet(demo_workspace / "indicators" / "evaluation.parquet")
    total = ev[(ev["org_unit"] == LEAGUE) & (ev["dimension"] == "total")].set_index("year")
    assert total.loc[2022, "change"] == pytest.approx(
        total.loc[2022, "score"] - total.loc[2021, "score"]
    )
    assert (total.loc[2022, "rank"], total.loc[2022, "peers"]) == (1, 1)
    nb = nbformat.read(demo_workspace / "reports" / "2022" / f"{LEAGUE}.ipynb", as_version=4)
    html = "".join(
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    )
    cols = ("总分（分）", "等级", "排名", "较上年（分）")
    card = pd.read_html(
        io.StringIO(html), attrs={"class": "shegong-summary"}, converters={c: str for c in cols}
    )[0].iloc[0]
    grade = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}[
        total.loc[2022, "grade"]
    ]
    assert card["总分（分）"] == f"{total.loc[2022, 'score']:.1f}"
    assert card["等级"] == grade and card["排名"] == "—（无同级同类单元）"  # the league has no peer
    assert card["较上年（分）"] == f"{total.loc[2022, 'change']:+.1f}"
    dims = ev[(ev["org_unit"] == LEAGUE) & (ev["year"] == 2022) & (ev["dimension"] != "total")]
    assert list(dims["dimension"]) == list("ABCDEFG") and dims["score"].notna().all()
    assert dims["score"].sum() == pytest.approx(total.loc[2022, "score"], abs=0.05)
    counties = ev[(ev["level"] == 3) & (ev["year"] == 2022) & (ev["dimension"] == "total")]
    assert sorted(counties["rank"])[0] == 1 and set(counties["peers"]) == {6}
    outcomes = pd.read_parquet(demo_workspace / "indicators" / "training_outcomes.parquet")
    assert set(outcomes["training_year"]) == {2021, 2022} and len(outcomes) == 36
    assert (
        outcomes.loc[outcomes["training_year"] == 2021, "D1"].notna().all()
    )  # beside 2022's indicators
    assert (outcomes["gain_mean"] > 0).all() and (outcomes["trainees"] >= outcomes["scored"]).all()
