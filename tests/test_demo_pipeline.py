"""The evaluator's main job end to end: `shegong demo --no-serve` as a subprocess (issue 2)."""

import json

import nbformat
import pandas as pd
import pytest

from shegong.demo import PUBLISHED_FIGURES

LEAGUE = "152200000000"
COUNTIES = ["152201000000", "152202000000", "152221000000", "152222000000", "152223000000", "152224000000"]
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
        "D1": 1493, "D3a": 231, "D4a": 20, "D5b": 43, "D6": 57, "F3": 17000, "D7a": 13600}
    assert {k: league.at[k, "unit"] for k in UNITS} == UNITS
    assert dict(PUBLISHED_FIGURES) == {k: float(v) for k, v in {
        "D1": 1493, "D3a": 231, "D4a": 20, "D5b": 43, "D6": 57, "F3": 17000, "D7a": 13600}.items()}


def test_figures_come_from_computation_not_from_row_counts(demo_workspace):
    quality = [json.loads(p.read_text(encoding="utf-8")) for p in (demo_workspace / "ledger" / "quality").glob("*.json")]
    rows_read = sum(q["rows_read"] for q in quality)
    rejected = sum(q["rejected"] for q in quality)
    ledger = pd.concat(pd.read_parquet(p) for p in (demo_workspace / "ledger" / "accepted").glob("*.parquet"))
    visits = int((ledger["event_type"] == "home_visit").sum())
    published = {1493, 231, 20, 43, 57, 17000, 13600}
    assert rows_read not in published and rejected not in published and visits not in published
    assert rejected >= 20
    assert visits > 1493  # repeat visits to the same households
    assert sum(q["accepted"] + q["rejected"] + q["skipped_blank"] + q["total_rows"] for q in quality) == rows_read
    assert ledger["client_pid"].value_counts().max() > 1  # people served more than once


def test_counties_sum_to_the_league(yearly):
    for measure in ADDITIVE:
        rows = yearly[yearly["indicator"] == measure].set_index("org_unit")["value"]
        assert rows[COUNTIES].sum() == pytest.approx(rows[LEAGUE]), measure


def test_league_notebook_shows_the_figures_with_units(demo_workspace):
    nb = nbformat.read(demo_workspace / "reports" / "2021" / f"{LEAGUE}.ipynb", as_version=4)
    html = "".join(o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {}))
    kpi = pd.read_html(__import__("io").StringIO(html))[0]
    shown = dict(zip(kpi["编号"], zip(kpi["数值"].astype(str).str.replace(",", ""), kpi["单位"], strict=True), strict=True))
    assert {k: shown[k] for k in UNITS} == {
        "D1": ("1493", "户"), "D3a": ("231", "个"), "D4a": ("20", "个"), "D5b": ("43", "次"), "D6": ("57", "场"),
        "F3": ("17000", "元"), "D7a": ("13600", "人次")}
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2


def test_manifest_and_no_missing_glyphs(demo_workspace):
    report_dir = demo_workspace / "reports" / "2021"
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 1 and manifest["year"] == 2021
    units = manifest["units"]
    assert len(units) == 1 + 6 + 18
    assert {u["status"] for u in units} == {"ok"}
    league = next(u for u in units if u["org_unit"] == LEAGUE)
    assert league["name"] == "兴安盟" and league["level"] == 2 and league["error"] is None
    assert league["outputs"] == [f"reports/2021/{LEAGUE}.ipynb", f"reports/2021/{LEAGUE}.html"]
    assert set(league["input_hashes"]) == {"template", "indicators.parquet", "org_units.csv"}
    assert league["parameters"]["org_unit"] == LEAGUE
    texts = [(report_dir / "batch.log").read_text(encoding="utf-8"), (demo_workspace / "demo_stderr.log").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in report_dir.glob("*.ipynb")]
    assert not any("missing from" in t and "Glyph" in t for t in texts)


def test_second_run_updates_in_place(demo_workspace, tmp_path):
    """Re-importing the demo ledgers into the same workspace adds nothing (idempotent import)."""
    import os
    import subprocess

    from .conftest import SHEGONG

    before = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    ledgers = sorted((demo_workspace / "inputs" / "ledger").iterdir())
    proc = subprocess.run([*SHEGONG, "ledger", "import", *map(str, ledgers), "--workspace", str(demo_workspace), "--json"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["accepted"], summary["rejected"]) == (2778, 27)
    assert summary["totals"]["person_times"] == 13600 and summary["totals"]["resources_yuan"] == 17000
    proc = subprocess.run([*SHEGONG, "indicators", "compute", "--workspace", str(demo_workspace), "--year", "2021"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stderr
    after = pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")
    pd.testing.assert_frame_equal(before, after)
