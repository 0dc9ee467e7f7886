"""The README's evaluator path, run exactly as written (issue 16, item 4): the code block of the
section "Evaluators" is extracted and run by bash in a fresh folder placed like the repository
root, so that ``../shared/real/2024.xls`` is the real ledger — README and code cannot drift.
Then the care home's report carries no grade made of missing inputs and no English."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import REAL, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real/ is not present on this machine"),
]

UNIT = "990000001000"


def evaluator_block() -> str:
    """The first ```sh block of the README's section "## Evaluators"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Evaluators") :]
    section = section[: section.index("\n## ", 3)]
    match = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert match, "the README's evaluator section has no ```sh block"
    return match.group(1)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    import html as h

    return re.sub(r"\s+", " ", h.unescape(html))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    block = evaluator_block()
    assert "../shared/real/2024.xls" in block and "990000001000,同心源小家,,4,centre," in block
    base = tmp_path_factory.mktemp("readme")
    repo = base / "repo"  # a fresh folder where the repository root would be
    repo.mkdir()
    (base / "shared").symlink_to(REAL.parent, target_is_directory=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return repo / "workspace-real", proc


def test_the_readme_block_runs_as_written_and_says_where_things_are(run):
    ws, proc = run
    out = proc.stdout
    assert "读取 397 行：接收 19，拒收 8，空行 369，合计行 1" in out
    # the rejects file the README names, and the workbook to send back
    assert "拒收行已写入 rejected rows written to ledger/rejects/2024.xls.csv" in out
    assert (ws / "ledger/rejects/2024.xls.csv").is_file()
    assert (ws / "ledger/rejects/2024.xls.xlsx").is_file()
    # the org-unit file is kept in the workspace: compute and report found it there
    assert "org-unit file kept in the workspace: inputs/org_units.csv" in out
    assert (ws / "inputs/org_units.csv").read_text(encoding="utf-8").splitlines()[1] == (
        "990000001000,同心源小家,,4,centre,"
    )
    assert "报告 reports: 1 ok, 0 skipped (unchanged), 0 failed" in out
    manifest = json.loads((ws / "reports/2024/manifest.json").read_text(encoding="utf-8"))
    assert [(u["org_unit"], u["status"]) for u in manifest["units"]] == [(UNIT, "ok")]


def test_the_care_home_is_counted_from_its_beneficiaries_and_not_graded(run):
    ws, _proc = run
    table = pd.read_parquet(ws / "indicators/indicators.parquet")
    mine = table[
        (table["org_unit"] == UNIT)
        & (table["period"] == "2024")
        & table["service_area"].isna()
        & table["client_category"].isna()
    ].set_index("indicator")
    assert (mine.at["D7a", "value"], mine.at["F2b", "value"]) == (145.0, 28.0)
    assert mine["target"].isna().all() and set(mine["status"]) <= {"no_target", "suppressed"}
    evaluation = pd.read_parquet(ws / "indicators/evaluation.parquet")
    total = evaluation[(evaluation["org_unit"] == UNIT) & (evaluation["dimension"] == "total")]
    row = total.iloc[0]
    assert (row["unit_type"], row["grading"]) == ("centre", "not_graded")
    assert pd.isna(row["score"]) and pd.isna(row["grade"]) and pd.isna(row["rank"])
    assert evaluation.loc[evaluation["org_unit"] == UNIT, "score"].isna().all()
    findings = pd.read_parquet(ws / "indicators/findings.parquet")
    assert findings[findings["check"] == "input_missing"].empty  # nothing to score: no noise


def test_the_report_states_why_there_is_no_grade_in_chinese_only(run):
    ws, _proc = run
    html = (ws / f"reports/2024/{UNIT}.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "<title>同心源小家 · 2024 试点年度评估报告</title>" in html
    text = _visible_text(html)
    assert (
        "层级：社会服务机构（服务中心）" in text
        and "乡镇（街道）社工站" not in text.split("评估结果")[0]
    )
    assert "总分 等级 同级排名 较上年 — 未评级 — —" in text
    assert "不按社工站的目标评判" in text and "不合格" not in text and "第 1 / 1 名" not in text
    assert "低保、特困" not in text  # no advice written for township stations
    assert "社会服务机构（服务中心）不按社工站的目标评判，不生成整改建议。" in text
    assert "数据来源：服务台账（已导入" in text and "人员名册" not in text.split("数据来源")[1][:40]
    # no English leaks into the Chinese page: what is left after ids, paths and standards is none
    rest = re.sub(r"datasets/\S+|\S+\.xlsx?\b|MZ/T \d+-\d+|\b[A-G]\d[ab]?\b|\b\d+\s*h\b", " ", text)
    assert re.findall(r"[A-Za-z]{2,}", rest) == []
