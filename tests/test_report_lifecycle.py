"""A report's life (issue 17): draft → reviewed → issued, the lock of an issued report, a re-issue
that keeps the earlier version and says what changed — on a demo-like workspace, through the
library and the command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess

import pytest
from docx import Document

from shegong.config import Workspace
from shegong.indicators.compute import compute_indicators
from shegong.indicators.evaluation import evaluate
from shegong.indicators.inputs import import_input
from shegong.reports import lifecycle
from shegong.reports.batch import run_reports
from shegong.reports.blocks import Cover, Narrative, SignOff
from shegong.reports.html import blocks_from_notebook
from shegong.reports.lifecycle import LifecycleError
from shegong.reports.release import issue, reissue, review, status

from .conftest import SHEGONG

pytestmark = pytest.mark.slow
STATION, NEIGHBOUR = "152201100000", "152201101000"


@pytest.fixture
def ws(report_workspace, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(report_workspace, root)
    return Workspace.at(root, create=False)


def _blocks(ws, path):
    return blocks_from_notebook(json.loads((ws.root / path).read_text("utf-8")))


def _cover_and_signoff(ws, path):
    found = _blocks(ws, path)
    cover = next(b for b in found if isinstance(b, Cover))
    signoff = dict(next(b for b in found if isinstance(b, SignOff)).lines)
    return cover, signoff


def _shegong(*args):
    return subprocess.run(
        [*SHEGONG, *args], capture_output=True, text=True, timeout=900, env=dict(os.environ)
    )


def test_the_life_of_a_report(ws):
    with pytest.raises(LifecycleError, match="is draft: only a reviewed report is issued"):
        issue(ws, year=2022, units=[STATION], actor="wang")
    with pytest.raises(LifecycleError, match="--actor"):
        review(ws, year=2022, units=[STATION], actor=" ")
    assert not lifecycle.register_path(ws, 2022).exists()  # a refused action records nothing

    # reviewed: the evaluator is named, the reviewer is still to come
    review(ws, year=2022, units=[STATION], actor="li.evaluator", pdf=False)
    record = lifecycle.record(ws, 2022, STATION)
    assert record["state"] == "reviewed" and record["reviewed_by"] == "li.evaluator"
    cover, signoff = _cover_and_signoff(ws, f"reports/2022/{STATION}.ipynb")
    assert cover.state == "reviewed" and cover.state_label == "审核稿（待签发）"
    assert cover.header.endswith("（审核稿）")
    assert signoff["评估人员："] == "li.evaluator" and signoff["审核签发："] == "（待签发）"

    # issued: dated, signed, locked with the files' and inputs' hashes in the manifest
    manifest = issue(
        ws, year=2022, units=[STATION], actor="wang.reviewer", date=dt.date(2023, 3, 1), pdf=False
    )
    entry = next(u for u in manifest["units"] if u["org_unit"] == STATION)
    lock = entry["lock"]
    assert entry["state"] == "issued" and lock["version"] == 1 and lock["issued_at"] == "2023-03-01"
    saved = json.loads((ws.reports_dir(2022) / "manifest.json").read_text("utf-8"))
    assert next(u for u in saved["units"] if u["org_unit"] == STATION)["lock"] == lock
    v1 = lifecycle.version_dir(ws, 2022, STATION, 1)
    for name in (f"{STATION}.ipynb", f"{STATION}.html", f"{STATION}.docx"):
        for rel in (f"reports/2022/{name}", str((v1 / name).relative_to(ws.root))):
            assert lock["files"][rel] == lifecycle.sha256(ws.root / rel)
        assert not (v1 / name).stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert (
        lock["input_hashes"][STATION] == entry["input_hashes"]
        and entry["input_hashes"]["narrative"]
    )
    cover, signoff = _cover_and_signoff(ws, f"reports/2022/{STATION}.ipynb")
    assert cover.state_label == "正式印发 · 第1版" and "审核稿" not in cover.header
    assert signoff == {
        "评估机构：": "兴安盟社会工作服务评估组（演示）",
        "评估人员：": "li.evaluator",
        "审核签发：": "wang.reviewer",
        "报告日期：": "2023年3月1日",
    }
    header = Document(str(ws.reports_dir(2022) / f"{STATION}.docx")).sections[1].header
    assert "草稿" not in header.paragraphs[0].text and "审核稿" not in header.paragraphs[0].text

    # locked: new inputs and a new batch leave the issued report alone
    docx = ws.reports_dir(2022) / f"{STATION}.docx"
    before = lifecycle.sha256(docx)
    (ws.root / "narratives" / f"{STATION}.md").write_text("改过的意见。", encoding="utf-8")
    again = run_reports(ws, year=2022, units=[STATION, NEIGHBOUR], pdf=False, progress=False)
    by = {u["org_unit"]: u for u in again["units"]}
    assert by[STATION]["status"] == "skipped" and by[STATION]["lock"] == lock
    assert by[NEIGHBOUR]["status"] == "ok" and by[NEIGHBOUR]["state"] == "draft"
    assert lifecycle.sha256(docx) == before
    assert status(ws, year=2022) == [
        {
            "org_unit": STATION,
            "state": "issued",
            "version": 1,
            "reviewed_by": "li.evaluator",
            "issued_by": "wang.reviewer",
            "issued_at": "2023-03-01",
            "lock": "intact",
        }
    ]
    with pytest.raises(LifecycleError, match="reissue"):
        review(ws, year=2022, units=[STATION], actor="li.evaluator")

    # tampering with an issued file is found (and the command line says so with exit 1)
    html = ws.reports_dir(2022) / f"{STATION}.html"
    kept = html.read_bytes()
    html.write_bytes(kept.replace("和平街道".encode(), "某某街道".encode()))
    proc = _shegong("report", "status", "--workspace", str(ws.root), "--year", "2022")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.split("\n")[0].split("\t") == [
        STATION, "issued", "1", "2023-03-01", f"changed: reports/2022/{STATION}.html"
    ]  # fmt: skip
    html.write_bytes(kept)

    # re-issue: a reason is required; version 2 beside version 1, saying what changed
    with pytest.raises(LifecycleError, match="--reason"):
        reissue(ws, year=2022, unit=STATION, actor="wang.reviewer", reason="")
    orgs = ws.inputs / "organisations.csv"
    orgs.write_text(
        orgs.read_text("utf-8")
        + "ORG-T-01,测试社会组织一,和平街道社工站,链接,2022-05-01\n"
        + "ORG-T-02,测试社会组织二,和平街道社工站,培育,2022-06-01\n",
        encoding="utf-8",
    )
    import_input("organisations", orgs, workspace=ws)
    compute_indicators(ws, year=2022)
    evaluate(ws, year=2022)
    v1_files = {k: v for k, v in lock["files"].items() if "/issued/" in k}
    proc = _shegong(
        "report", "reissue", "--workspace", str(ws.root), "--year", "2022", "--unit", STATION,
        "--actor", "wang.reviewer", "--reason", "补录社会组织登记表", "--date", "2023-04-10", "--no-pdf",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "第 2 版 version 2" in proc.stdout
    record = lifecycle.record(ws, 2022, STATION)
    assert record["version"] == 2 and [h["action"] for h in record["history"]] == [
        "review",
        "issue",
        "reissue",
    ]
    for rel, digest in v1_files.items():  # the earlier version is kept as it was
        assert lifecycle.sha256(ws.root / rel) == digest
    saved = json.loads((ws.reports_dir(2022) / "manifest.json").read_text("utf-8"))
    assert [u["key"] for u in saved["units"]] == [STATION, NEIGHBOUR]  # the others' entries kept
    lock2 = lifecycle.lock_of(ws, 2022, STATION)
    assert lock2["version"] == 2 and lock2["reason"] == "补录社会组织登记表"
    cover, signoff = _cover_and_signoff(ws, f"reports/2022/{STATION}.ipynb")
    assert cover.state_label == "正式印发 · 第2版" and signoff["报告日期："] == "2023年4月10日"
    revision = "".join(cover.revision)
    assert revision.startswith("本报告为第2版，于2023年4月10日印发，替代2023年3月1日印发的第1版。")
    assert "修订原因：补录社会组织登记表" in revision
    assert "链接培育社会组织由未达标变为达标" in revision and "总分由" in revision
    opinion = next(
        b for b in _blocks(ws, f"reports/2022/{STATION}.ipynb") if isinstance(b, Narrative)
    )
    assert opinion.markdown == "改过的意见。"  # a re-issue reads the current inputs
    assert status(ws, year=2022)[0]["lock"] == "intact"


def test_issue_needs_an_opinion_and_an_evaluating_body(ws):
    (ws.root / "narratives" / f"{NEIGHBOUR}.md").unlink(missing_ok=True)
    data = lifecycle.read_register(ws, 2022)
    data["units"][NEIGHBOUR] = {
        "state": "reviewed",
        "version": 0,
        "history": [],
        "reviewed_by": "li",
    }
    lifecycle.write_register(ws, 2022, data)
    with pytest.raises(LifecycleError, match=f"narratives/{NEIGHBOUR}.md"):
        issue(ws, year=2022, units=[NEIGHBOUR], actor="wang")
    (ws.root / "narratives" / f"{NEIGHBOUR}.md").write_text("意见。", encoding="utf-8")
    (ws.root / "report_settings.yaml").unlink()
    with pytest.raises(LifecycleError, match="evaluating_body"):
        issue(ws, year=2022, units=[NEIGHBOUR], actor="wang")
    assert lifecycle.record(ws, 2022, NEIGHBOUR)["state"] == "reviewed"
