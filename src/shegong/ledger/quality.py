"""The bilingual data-quality report of one import (``ledger/quality/<file>.html``), zh-CN first.

It lists the row accounting, each fix applied (counts and examples), each rejection reason with
its rows, the rejected rows themselves and every reconciliation difference of the 合计 rows.
Tables are rendered with pandas' Styler, every cell escaped (a cell holding ``<script>`` shows
as text); the page carries a ``<meta>`` Content Security Policy that runs no script
(:data:`shegong.safe_html.OFFLINE_CSP`). Values shown are those of the rejects file, so personal
data appears only as ``[已隐去]``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from shegong.ledger.rows import REASONS, WARNINGS
from shegong.ledger.vocabulary import FILES, LABELS_ZH
from shegong.safe_html import csp_meta

if TYPE_CHECKING:
    from shegong.ledger.summary import FileSummary

#: fix kind → (zh, en)
FIX_LABELS: dict[str, tuple[str, str]] = {
    "number_text": (
        "文本数字已转换（全角、中文数字、万、余/约、单位）",
        "numbers written as text converted (full-width, Chinese numerals, 万, 余/约, units)",
    ),
    "date_text": ("文本日期已转换", "dates written as text converted"),
    "date_serial": ("Excel 日期序号已转换", "Excel serial dates converted"),
    "station_alias": ("站点别名已解析为组织单元代码", "station aliases resolved to org-unit codes"),
    "value_map:event_type": ("活动类型按映射配置转换", "activity types mapped by the profile"),
    "value_map:service_area": ("项目领域按映射配置转换", "service areas mapped by the profile"),
    "value_map:client_category": (
        "对象类别按映射配置转换",
        "client categories mapped by the profile",
    ),
    "value_map:resource_kind": ("资源类型按映射配置转换", "resource kinds mapped by the profile"),
    "value_map:station": ("站点名称按映射配置转换", "station names mapped by the profile"),
    "synonym:event_type": (
        "服务类型的同义写法已识别",
        "service types written as synonyms recognised",
    ),
    "synonym:service_area": (
        "服务领域的同义写法已识别",
        "service areas written as synonyms recognised",
    ),
    "synonym:client_category": (
        "对象类别的同义写法已识别（如 低保户 → 低保、特困供养人员 → 特困人员）",
        "client categories written as synonyms recognised (低保户 → 低保 …)",
    ),
    "synonym:resource_kind": (
        "资源类型的同义写法已识别",
        "resource kinds written as synonyms recognised",
    ),
    "merged_fill": (
        "纵向合并的单元格已向下填充（如所属站点）",
        "cells merged down a column filled into every row (e.g. the station)",
    ),
    "id_checksum_invalid": (
        "身份证号校验位错误（已标记，不作为身份依据）",
        "ID numbers with a wrong check digit (flagged, not trusted)",
    ),
}

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei",sans-serif;margin:24px;
color:#222;max-width:1200px}
h1{font-size:22px;margin-bottom:4px}
h2{font-size:17px;margin-top:26px;border-bottom:2px solid #2b6cb0;padding-bottom:3px}
.en{color:#666;font-size:.85em;font-weight:normal}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #cbd5e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#ebf4ff}
.ok{color:#276749}.bad{color:#c53030}.muted{color:#718096;font-size:12px}
"""


def _table(df: pd.DataFrame, highlight: str | None = None) -> str:
    if df.empty:
        return '<p class="muted">无 none</p>'
    # cells are outside text (a ledger cell may hold tags): escaped, never markup (DESIGN.md §7)
    style = df.style.hide(axis="index").format(precision=2, na_rep="", escape="html")
    if highlight and highlight in df.columns:
        style = style.map(
            lambda v: "background-color:#fed7d7" if v == "stale_total" else "", subset=[highlight]
        )
    return style.to_html()


def _h2(zh: str, en: str) -> str:
    return f'<h2>{html.escape(zh)} <span class="en">{html.escape(en)}</span></h2>'


def render_quality_html(summary: "FileSummary", rejects: list[dict]) -> str:
    """The HTML page (a complete document, UTF-8)."""
    s = summary
    counts = pd.DataFrame(
        [
            ("读取行数 rows read", s.rows_read),
            ("接收 accepted", s.accepted),
            ("拒收 rejected", s.rejected),
            ("空行（含公式零） skipped blank", s.skipped_blank),
            ("合计行 total rows", s.total_rows),
            ("服务人次 person-times (accepted)", s.totals["person_times"]),
            ("志愿服务时长 volunteer hours", s.totals["volunteer_hours"]),
            ("链接资源（元） resources (元)", s.totals["resources_yuan"]),
        ],
        columns=["项目 item", "数值 value"],
    )
    counts["数值 value"] = [
        f"{v:,}" if isinstance(v, int) else f"{v:,.2f}" for v in counts["数值 value"]
    ]
    balanced = s.rows_read == s.accepted + s.rejected + s.skipped_blank + s.total_rows
    fixes = pd.DataFrame(
        [
            (
                FIX_LABELS.get(k, (k, k))[0],
                FIX_LABELS.get(k, (k, k))[1],
                n,
                "；".join(s.fix_examples.get(k, [])),
            )
            for k, n in s.fixes.items()
        ],
        columns=["修正 fix", "fix (en)", "次数 count", "示例 examples"],
    )
    by_row: dict[str, list[str]] = {}
    for r in rejects:
        by_row.setdefault(r["reason"], []).append(f"{r['sheet']}!{r['row']}")
    reasons = pd.DataFrame(
        [
            (
                code,
                REASONS.get(code, (code, code))[0],
                REASONS.get(code, (code, code))[1],
                n,
                ", ".join(by_row.get(code, [])[:12])
                + (" …" if len(by_row.get(code, [])) > 12 else ""),
            )
            for code, n in s.rejected_by_reason.items()
        ],
        columns=["原因代码 reason", "说明", "message", "行数 rows", "行 where"],
    )
    rows = pd.DataFrame(
        [
            {k: r.get(k) for k in ("sheet", "row", "column", "reason", "message", "value")}
            for r in rejects[:300]
        ]
    )
    if not rows.empty:
        rows.columns = [
            "工作表 sheet",
            "行 row",
            "列 column",
            "原因 reason",
            "说明 message",
            "原值 value",
        ]
    recon = pd.DataFrame(s.reconciliation)
    if not recon.empty:
        recon = recon[
            ["sheet", "row", "column", "stated", "computed", "rows_sum", "parts_sum", "kind"]
        ]
        recon.columns = [
            "工作表 sheet",
            "行 row",
            "列 column",
            "填报值 stated",
            "接收行合计 computed",
            "全部行合计 rows_sum",
            "分项合计 parts_sum",
            "kind",
        ]
    moved = pd.DataFrame(s.replaced or s.overlaps)
    parts = [
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>{csp_meta()}",
        f"<title>数据质量报告 {html.escape(s.file)}</title><style>{_CSS}</style></head><body>",
        "<h1>数据质量报告 <span class='en'>data-quality report</span></h1>",
        f"<p>文件 file: <b>{html.escape(s.file)}</b> · 配置 profile: "
        f"<b>{html.escape(s.profile)}</b> · "
        f"工作表 sheets: {html.escape(', '.join(s.sheets))} · SHA-256 {s.sha256[:12]}…</p>",
        _h2("行数核算", "row accounting"),
        _table(counts),
        f"<p class='{'ok' if balanced else 'bad'}'>接收 + 拒收 + 空行 + 合计行 = 读取行数："
        f"{s.accepted} + {s.rejected} + {s.skipped_blank} + {s.total_rows} = {s.rows_read} "
        f"{'✓' if balanced else '✗'} <span class='en'>every row read is accounted for</span></p>",
        _h2("已应用的修正", "fixes applied"),
        _table(fixes),
        _h2("拒收原因", "rejections by reason"),
        _table(reasons),
        _h2("合计行核对", "total rows reconciled column by column"),
        "<p class='muted'>stale_total："
        "填报的合计与各行之和或各分项之和不符（公式未更新或填写错误）；"
        "rejected_rows：合计与各行相符，但部分行被拒收。stale_total: the stated total "
        "disagrees with the rows or its "
        "parts; rejected_rows: it agrees with the rows but some were rejected.</p>",
        _table(recon, highlight="kind"),
        _h2("拒收明细", "rejected rows"),
        _table(rows),
    ]
    if not moved.empty:
        parts += [_h2("替换或重叠的期间", "replaced or overlapping periods"), _table(moved)]
    parts += _warnings(s)
    if s.repeated_rows:
        repeated = pd.DataFrame(s.repeated_rows[:300]).rename(
            columns={"sheet": "工作表 sheet", "row": "行 row", "same_as": "与此行相同 same as"}
        )
        parts += [
            _h2(
                "与前面的行完全相同（可能重复录入）",
                "rows repeating an earlier row (double entry?)",
            ),
            "<p class='muted'>这些行已接收；如为重复录入，请删除后重新导入。They were "
            "accepted; if they are "
            "double entries, delete them and import the file again.</p>",
            _table(repeated),
        ]
    if s.skipped_sheets:
        parts += [_h2("未读取的工作表", "sheets not read"), _table(pd.DataFrame(s.skipped_sheets))]
    parts.append("</body></html>")
    return "\n".join(parts)


#: ledger column → its header in the standard template
_COLUMN_ZH = {
    "service_area": "服务领域",
    "client_category": "对象类别",
    "resource_kind": "资源类型",
}


def _warnings(s: "FileSummary") -> list[str]:
    """Sections for rows kept with a warning: counts, unmapped labels with a suggested mapping
    (and the lines to add to a profile's ``value_maps``), rows whose total disagrees with its
    parts."""
    parts: list[str] = []
    if s.warnings:
        table = pd.DataFrame(
            [
                (
                    WARNINGS.get(k, (k, k))[0],
                    WARNINGS.get(k, (k, k))[1],
                    n,
                    "；".join(s.warning_examples.get(k, [])),
                )
                for k, n in s.warnings.items()
            ],
            columns=["提示 warning", "warning (en)", "行数 rows", "示例 examples"],
        )
        parts += [_h2("已接收但需核对的行", "rows kept with a warning"), _table(table)]
    if s.unmapped_labels:
        rows = []
        for u in s.unmapped_labels:
            if u["suggestion"]:
                hint = u["suggestion_label"]
            elif u["candidates"]:
                hint = "含多个类别 several: " + "、".join(
                    LABELS_ZH.get(c, c) for c in u["candidates"]
                )
            else:
                hint = "—"
            rows.append(
                (
                    _COLUMN_ZH.get(u["column"], u["column"]),
                    u["label"],
                    u["rows"],
                    ", ".join(u["where"]),
                    hint,
                )
            )
        table = pd.DataFrame(
            rows,
            columns=["列 column", "原标签 label", "行数 rows", "行 where", "建议映射 suggestion"],
        )
        snippet = {}
        for u in s.unmapped_labels:
            if u["suggestion"]:
                snippet.setdefault(u["column"], []).append(
                    f"    {u['label']}: {u['suggestion_label']}"
                )
        yaml_lines = "\n".join(
            f"  {column}:\n" + "\n".join(lines) for column, lines in snippet.items()
        )
        per_column: dict[str, int] = {}
        for u in s.unmapped_labels:
            per_column[u["column"]] = per_column.get(u["column"], 0) + u["rows"]
        share = "；".join(
            f"{_COLUMN_ZH.get(c, c)} {n} / {s.accepted} 行（{100 * n / max(s.accepted, 1):.1f}%）"
            for c, n in per_column.items()
        )
        parts += [
            _h2(
                "未归类的标签（事件已接收，计入总数）", "unmapped labels (events kept and counted)"
            ),
            f"<p>未归类占接收行 share of accepted rows: {html.escape(share)}</p>",
            "<p class='muted'>这些标签不在词表中：事件照常接收并计入服务人次等总数，"
            "类别记为“未归类”，原标签保留。"
            "核对建议后，可把映射加入映射配置的 value_maps，或在 "
            "datasets/vocabularies/ 中补充同义词，再重新导入。"
            " These labels are not in the vocabularies (datasets/vocabularies/): the "
            "events count in every "
            "total as 未归类 (unmapped). Vocabularies: "
            f"{html.escape(', '.join(FILES.values()))}.</p>",
            _table(table),
        ]
        if yaml_lines:
            parts.append(
                "<p>映射配置可加入 add to a profile:</p><pre>value_maps:\n"
                f"{html.escape(yaml_lines)}</pre>"
            )
    if s.beneficiary_mismatches:
        table = pd.DataFrame(s.beneficiary_mismatches[:300])[
            ["sheet", "row", "column", "stated", "parts_sum"]
        ]
        table.columns = ["工作表 sheet", "行 row", "列 column", "填报合计 stated", "分项之和 parts"]
        parts += [
            _h2(
                "合计与分项不符的行（按分项计）", "rows whose stated total disagrees with its parts"
            ),
            _table(table),
        ]
    if s.header_rows:
        table = pd.DataFrame(s.header_rows).rename(
            columns={"sheet": "工作表 sheet", "row": "行 row"}
        )
        parts += [
            _h2("数据中重复的表头行（已跳过）", "header rows repeated in the data (skipped)"),
            _table(table),
        ]
    return parts
