"""The evaluation report's exports (issue 17), made by one `shegong report --lang zh,en` batch of
the league, a county and a station on a demo-like workspace: the .docx to GB/T 9704-2012
conventions, the PDF's page numbers and page breaks, no repository path anywhere, the 汇总表."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from shegong.config import Workspace
from shegong.indicators.results import read_evaluation
from shegong.orgunits import LEVEL_NAMES_ZH, OrgUnits
from shegong.reports.archive import archived_report
from shegong.reports.assessment import peer_ranks
from shegong.reports.blocks import Heading, Table
from shegong.reports.format import signed
from shegong.reports.html import blocks_from_notebook

from .conftest import SHEGONG

pytestmark = pytest.mark.slow
LEAGUE, COUNTY, STATION = "152200000000", "152201000000", "152201100000"
UNITS = (LEAGUE, COUNTY, STATION)


@pytest.fixture(scope="module")
def made(report_workspace, tmp_path_factory):
    """A copy of the workspace after one batch of three units in both languages (CLI)."""
    root = tmp_path_factory.mktemp("exports") / "ws"
    shutil.copytree(report_workspace, root)
    proc = subprocess.run(
        [*SHEGONG, "report", "--workspace", str(root), "--year", "2022", "--unit", *UNITS]
        + ["--lang", "zh,en", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=1500,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Workspace.at(root, create=False)


def _blocks(ws, stem):
    return blocks_from_notebook(
        json.loads((ws.reports_dir(2022) / f"{stem}.ipynb").read_text("utf-8"))
    )


def test_one_batch_makes_both_languages(made):
    manifest = json.loads((made.reports_dir(2022) / "manifest.json").read_text("utf-8"))
    keys = [u["key"] for u in manifest["units"]]
    assert keys == [LEAGUE, f"{LEAGUE}.en", COUNTY, f"{COUNTY}.en", STATION, f"{STATION}.en"]
    assert {u["status"] for u in manifest["units"]} == {"ok"}
    assert {u["state"] for u in manifest["units"]} == {"draft"}
    for u in manifest["units"]:
        assert u["lang"] == ("en" if u["key"].endswith(".en") else "zh")
        for suffix in (".ipynb", ".html", ".docx"):
            assert (made.root / f"reports/2022/{u['key']}{suffix}").exists()
    assert (made.reports_dir(2022) / "汇总表_2022.xlsx").exists()
    assert (made.reports_dir(2022) / "summary_2022.en.xlsx").exists()
    # the served viewer replays either language, no live computation
    for lang in ("zh", "en"):
        found = archived_report(made, STATION, 2022, lang)
        assert found.status == "fresh" and found.path.name == (
            f"{STATION}.ipynb" if lang == "zh" else f"{STATION}.en.ipynb"
        )


def _xml(doc) -> str:
    return doc.element.xml


@pytest.mark.parametrize("stem", [LEAGUE, COUNTY, STATION, f"{STATION}.en"])
def test_docx_follows_the_official_document_conventions(made, stem):
    doc = Document(str(made.reports_dir(2022) / f"{stem}.docx"))
    assert len(doc.sections) == 2  # the cover, then the body numbered from 1
    for section in doc.sections:  # stored in twips: within 0.05 mm
        for got, mm in (
            (section.page_width, 210),
            (section.page_height, 297),
            (section.top_margin, 37),
            (section.bottom_margin, 35),
            (section.left_margin, 28),
            (section.right_margin, 26),
        ):
            assert abs(got.mm - mm) < 0.05, (got.mm, mm)
    body = doc.sections[1]
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (body.footer, body.even_page_footer):
        xml = footer._element.xml
        assert "<w:instrText" in xml and " PAGE " in xml and 'w:fldCharType="begin"' in xml
        text = footer.paragraphs[0].text
        assert text.startswith("— ") and text.endswith(" —")
    assert (
        body.footer.paragraphs[0].alignment == 2
        and body.even_page_footer.paragraphs[0].alignment == 0
    )
    name = OrgUnits.read_csv(made.org_units_file).name(stem[:12])
    header = body.header.paragraphs[0].text
    assert name in header and "2022" in header
    assert ("草稿" in header) if not stem.endswith(".en") else ("draft" in header)
    fonts = {
        style: doc.styles[style].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for style in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3")
    }
    assert fonts == {
        "Normal": "仿宋_GB2312",
        "Title": "方正小标宋简体",
        "Heading 1": "黑体",
        "Heading 2": "楷体_GB2312",
        "Heading 3": "仿宋_GB2312",
    }
    assert doc.styles["Normal"].font.size.pt == 16
    blocks = _blocks(made, stem)
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(doc.tables) == len(tables) + 1  # and the cover's table
    for table, block in zip(doc.tables[1:], tables, strict=True):
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows[1:])
        assert [c.text for c in table.rows[0].cells] == block.columns
        assert [[c.text for c in r.cells] for r in table.rows[1:]] == block.rows  # as shown
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:7] == [b.text for b in blocks if isinstance(b, Heading) and b.level == 1]


def test_docx_shows_signs_separators_and_chinese_dates(made):
    doc = Document(str(made.reports_dir(2022) / f"{COUNTY}.docx"))
    evaluation = read_evaluation(made)
    mine = evaluation[(evaluation["org_unit"] == COUNTY) & (evaluation["year"] == 2022)]
    dims = next(t for t in doc.tables if t.rows[0].cells[0].text == "维度")
    changes = [r.cells[5].text for r in dims.rows[1:]]
    expected = [
        signed(c) for c in mine[mine["dimension"] != "total"].sort_values("dimension")["change"]
    ]
    assert (
        changes == expected
        and any(c.startswith("\u2212") for c in changes)
        and any(c.startswith("+") for c in changes)
    )
    key = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "指标" and t.rows[0].cells[1].text == "数值"
    )
    values = {r.cells[0].text: r.cells[1].text for r in key.rows[1:]}
    assert values["服务人次"] == "4,756" and "," in values["服务人次"]
    text = "\n".join(p.text for p in doc.paragraphs)
    today = __import__("datetime").date.today()
    assert f"报告日期：{today.year}年{today.month}月{today.day}日" in text


@pytest.mark.browser
@pytest.mark.parametrize("stem", [LEAGUE, COUNTY, STATION, f"{STATION}.en"])
def test_pdf_numbers_every_page_and_strands_no_heading(made, stem, chromium):
    import pypdf

    pdf = made.reports_dir(2022) / f"{stem}.pdf"
    pages = [
        unicodedata.normalize("NFKC", p.extract_text()) for p in pypdf.PdfReader(str(pdf)).pages
    ]
    assert len(pages) >= 8
    reader = pypdf.PdfReader(str(pdf))
    fonts = set()
    for page in reader.pages:  # embedded fonts: the free ones from Debian only
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            fonts.add(str(font["/FontDescriptor"]["/FontName"]).split("+", 1)[-1])
    free = ("NotoSerifCJK", "NotoSansCJK", "UKai", "LiberationSerif", "LiberationSans", "DejaVu")
    assert fonts and all(f.startswith(free) for f in fonts), fonts
    assert "— " not in pages[0]  # the cover carries no number and is not counted
    for n, text in enumerate(pages[1:], 1):
        assert f"— {n} —" in text, (n, text[:200])
    blocks = _blocks(made, stem)
    headings = {unicodedata.normalize("NFKC", b.text) for b in blocks if isinstance(b, Heading)}
    captions = {
        unicodedata.normalize("NFKC", b.caption)
        for b in blocks
        if isinstance(b, Table) and b.caption
    }
    for n, text in enumerate(pages[1:], 1):
        last = [line.strip() for line in text.splitlines() if line.strip()][-1]
        assert last not in headings | captions, (n, last)
    annex = next(b for b in blocks if isinstance(b, Table) and b.css_class == "shegong-kpi")
    ids = [row[0] for row in annex.rows]
    for i, row in enumerate(annex.rows):  # no row split across pages: its id and status on one page
        status = unicodedata.normalize("NFKC", row[5])
        page = next(t for t in pages if f"\n{row[0]} " in t)
        start = page.index(f"\n{row[0]} ")
        later = [page.find(f"\n{other} ", start + 1) for other in ids[i + 1 :]]
        end = min([p for p in later if p > 0], default=len(page))
        assert status in page[start:end], (row, page[start:end])


def _export_texts(ws) -> dict[str, str]:
    import pypdf

    out = {}
    for path in sorted(ws.reports_dir(2022).iterdir()):
        if path.suffix == ".html":
            out[path.name] = path.read_text("utf-8")
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                out[path.name] = "".join(
                    z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")
                )
        elif path.suffix == ".pdf":
            out[path.name] = "".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)
        elif path.suffix == ".xlsx":
            book = load_workbook(path)
            out[path.name] = "\n".join(
                str(c)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for c in row
            )
    return out


def test_no_repository_or_workspace_path_in_any_export(made):
    texts = _export_texts(made)
    kinds = {name.rsplit(".", 1)[-1] for name in texts}
    assert {"html", "docx", "xlsx"} <= kinds
    for name, text in texts.items():
        for needle in (
            str(made.root),
            "/tmp/",
            "/work/",
            "datasets/",
            ".yaml",
            "src/shegong",
            "narratives/",
            "report_rules",
        ):
            assert needle not in text, (name, needle)


def test_summary_workbook_a_bureau_can_use(made):
    book = load_workbook(made.reports_dir(2022) / "汇总表_2022.xlsx")
    assert book.sheetnames == ["单位汇总", "指标明细", "社工室"]
    sheet = book["单位汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    assert head == [
        "区划代码", "名称", "层级", "类型", "上级单元", "总分", "等级", "排名", "参评单元数",
        "A 基础建设", "B 队伍建设", "C 规范管理", "D 服务产出", "E 服务质量", "F 五社联动", "G 服务成效",
        "较上年", "入户走访户数（户）", "服务人次（人次）", "服务人数（去重）（人）", "个案结案率（%）",
        "志愿服务时长（h）", "链接慈善资源（元）", "服务对象满意度（%）", "未达标指标数", "报告状态",
    ]  # fmt: skip
    units = OrgUnits.read_csv(made.org_units_file).frame
    expected = units[(units["level"] <= 4) & (units["unit_type"] != "room")]
    data = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert sorted(d["区划代码"] for d in data) == sorted(expected["code"]) and len(data) == 25
    ranks = peer_ranks(
        read_evaluation(made), OrgUnits.read_csv(made.org_units_file), 2022
    ).set_index("org_unit")
    for d in data:
        assert d["层级"] in LEVEL_NAMES_ZH.values()
        shown = float(f"{ranks.at[d['区划代码'], 'score']:.1f}")  # as the report prints it
        assert isinstance(d["总分"], int | float) and d["总分"] == shown
        assert d["排名"] == ranks.at[d["区划代码"], "peer_rank"] and isinstance(d["排名"], int)
        assert d["等级"] in ("优秀", "良好", "合格", "不合格")
        assert isinstance(d["服务人次（人次）"], float | int) and d["服务人次（人次）"] == round(
            d["服务人次（人次）"]
        )
        assert d["报告状态"] == "草稿"
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert (
        sheet.cell(row=2, column=head.index("较上年") + 1).number_format == '+0.0;"\u2212"0.0;0.0'
    )
    detail = list(book["指标明细"].iter_rows(values_only=True))
    status = detail[0].index("状态")
    values = detail[0].index("数值")
    labels = {r[status] for r in detail[1:]}
    assert {"达标", "基本达标", "未达标"} <= labels and not labels & {
        "met",
        "near",
        "missed",
        "suppressed",
        "no_target",
    }
    assert any(str(s).startswith("样本不足（") for s in labels)
    for r in detail[1:]:
        v = r[values]
        assert v is None or isinstance(v, int | float) and round(v, 1) == v
    assert book["指标明细"].freeze_panes == "C2" and book["指标明细"].auto_filter.ref
    rooms = list(book["社工室"].iter_rows(values_only=True))
    assert len(rooms) - 1 == int((units["unit_type"] == "room").sum())
    english = load_workbook(made.reports_dir(2022) / "summary_2022.en.xlsx")
    assert english.sheetnames == ["Units", "Measures", "Rooms"]
    first = next(english["Units"].iter_rows(values_only=True))
    assert first[:4] == ("Division code", "Name", "Level", "Type")
