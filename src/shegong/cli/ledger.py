"""Ledger verbs of the ``shegong`` command line (registered by :mod:`shegong.cli.main`).

``shegong ledger import FILE... [--workspace DIR] [--org-units FILE] [--profile NAME|PATH]
[--replace] [--check] [--json]``, ``shegong ledger template OUT.xlsx [--org-units FILE]`` and
``shegong ledger profile suggest FILE``. An import holds the workspace's lock
(:func:`shegong.cli.common.writing`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shegong.cli.common import add, workspace, writing


def _cmd_ledger_import(args: argparse.Namespace) -> int:
    from shegong.ledger.importer import import_ledgers
    from shegong.ledger.rows import REASONS, WARNINGS

    ws = workspace(args)
    with writing(ws):
        summary = import_ledgers(
            [Path(f) for f in args.files],
            workspace=ws,
            org_units_file=Path(args.org_units) if args.org_units else None,
            profile=args.profile,
            check=args.check,
            replace=args.replace,
            progress=not args.json,
        )
    data = summary.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(
            f"读取 {data['rows_read']} 行：接收 {data['accepted']}，拒收 {data['rejected']}，"
            f"空行 {data['skipped_blank']}，合计行 {data['total_rows']} "
            f"(rows read / accepted / rejected / blank / total rows)"
        )
        for reason, n in data["rejected_by_reason"].items():
            zh, en = REASONS.get(reason, (reason, reason))
            print(f"  拒收 rejected {n}: {zh} {en} ({reason})")
        for code, n in data["warnings"].items():
            zh, en = WARNINGS.get(code, (code, code))
            print(f"  提示 warning {n}: {zh} {en} ({code})")
        for f in summary.files:
            _say_file(f)
        if summary.org_units:
            kept = summary.org_units
            print(
                f"单元文件已存入工作区 org-unit file kept in the workspace: {kept['kept']}"
                + (
                    f" (替换 replaced the earlier one, kept as {kept['previous']})"
                    if kept.get("previous")
                    else ""
                )
            )
    for f in summary.files:
        if f.accepted == 0 and not args.check:
            why = (
                "表头下没有数据行 has no data rows under its header"
                if f.rows_read == f.skipped_blank + f.total_rows
                else "没有一行被接收 no row was accepted: see the rejects file"
            )
            print(f"警告 warning: {f.file} {why}", file=sys.stderr)
    return 0


def _say_file(f) -> None:
    """What the one-line summary hides about one imported file (the rest is in ``--json``)."""
    if f.duplicate_of:
        print(
            f"  {f.file}: 与已导入的 {f.duplicate_of} 内容相同，未重复存储 same "
            f"content as {f.duplicate_of}: not stored twice"
        )
    for verb_zh, verb_en, entries in (
        ("已替换", "replaced", f.replaced),
        ("重叠", "overlaps", f.overlaps),
    ):
        for other in sorted({e["file"] for e in entries}):
            mine = [e for e in entries if e["file"] == other]
            rows, months = sum(e["rows"] for e in mine), len(mine)
            print(
                f"  {f.file}: {verb_zh} {other} 的 {rows} 行（{months} 个站点月份）"
                f" {verb_en} {rows} rows of {other} ({months} station-months)"
                + (
                    ""
                    if verb_en == "replaced"
                    else " — 可能重复计数，如为更正版请加 --replace (double counting? "
                    "--replace if it is a correction)"
                )
            )
    for s in f.skipped_sheets:
        why = {
            "hidden": "隐藏的工作表 hidden sheet",
            "no_header": "没有台账表头 no ledger header",
            "not_in_profile": "不在映射配置中 not in the profile",
        }.get(s["reason"], s["reason"])
        print(f"  {f.file}: 跳过工作表 skipped sheet {s['sheet']}（{why}）")
    if f.repeated_rows:
        shown = "、".join(f"{r['sheet']}!{r['row']} = {r['same_as']}" for r in f.repeated_rows[:3])
        print(
            f"  {f.file}: 警告 {len(f.repeated_rows)} "
            "行与前面的行完全相同，可能重复录入 warning: rows repeat earlier "
            "rows in every field (double entry?): "
            f"{shown}{' …' if len(f.repeated_rows) > 3 else ''}"
        )
    stale = [r for r in f.reconciliation if r.get("kind") == "stale_total"]
    if stale:
        print(
            f"  {f.file}: {len(stale)} 处合计与明细不符 total cells disagree with the "
            "rows (see the quality report)"
        )
    for u in f.unmapped_labels[:5]:
        hint = u["suggestion_label"] or ("、".join(u["candidates"]) if u["candidates"] else "—")
        print(
            f"  {f.file}: 未归类 unmapped {u['column']} “{u['label']}” ({u['rows']} 行 rows, "
            f"kept as 未归类) — 建议 suggestion: {hint}"
        )
    if len(f.unmapped_labels) > 5:
        print(
            f"  {f.file}: … {len(f.unmapped_labels) - 5} more unmapped labels: see "
            "the quality report"
        )
    if f.beneficiary_mismatches:
        shown = "、".join(f"{m['sheet']}!{m['row']}" for m in f.beneficiary_mismatches[:3])
        print(
            f"  {f.file}: {len(f.beneficiary_mismatches)} "
            "行的合计与分项之和不符，按分项计 rows whose stated "
            f"total disagrees with its parts (the parts were counted): {shown}"
            + (" …" if len(f.beneficiary_mismatches) > 3 else "")
        )
    if f.rejected and "rejects" in f.outputs:
        also = f" 与 and {f.outputs['rejects_xlsx']}" if "rejects_xlsx" in f.outputs else ""
        print(f"  {f.file}: 拒收行已写入 rejected rows written to {f.outputs['rejects']}{also}")
    if "quality_html" in f.outputs:
        print(f"  {f.file}: 数据质量报告 quality report {f.outputs['quality_html']}")


def _cmd_ledger_template(args: argparse.Namespace) -> int:
    from shegong.ledger.template import write_template

    out = write_template(
        Path(args.out), org_units_file=Path(args.org_units) if args.org_units else None
    )
    print(f"模板已写入 template written: {out}")
    return 0


def _cmd_ledger_profile_suggest(args: argparse.Namespace) -> int:
    from shegong.ledger.suggest import suggest_profile

    print(suggest_profile(Path(args.file), name=args.name), end="")
    return 0


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    """Add the ``ledger`` verbs to ``sub``."""
    ledger = sub.add_parser("ledger", help="服务台账 service ledgers").add_subparsers(
        dest="ledger_verb", required=True
    )
    p = add(
        ledger,
        "import",
        _cmd_ledger_import,
        "导入服务台账 import service ledgers (.xlsx, .xls, .csv)",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="ledger files: .xlsx, .xls or .csv (UTF-8 or GB18030)",
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument(
        "--org-units",
        default=None,
        help="org-unit CSV (default: the workspace's inputs/org_units.csv)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="validate only: write the quality report (ledger/quality/), no Parquet, no log entry",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON summary on stdout and nothing else"
    )
    p.add_argument(
        "--profile",
        default=None,
        metavar="NAME|PATH",
        help="mapping profile: a name in datasets/profiles/ or a .yaml path (default: standard)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="a corrected ledger replaces earlier rows for the same station and month "
        "(recorded in import_log.jsonl)",
    )
    p = add(
        ledger,
        "template",
        _cmd_ledger_template,
        "生成标准台账模板（含下拉列表）write the blank standard template with drop-down lists",
    )
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument(
        "--org-units", default=None, help="org-unit CSV whose stations fill the 所属站点 drop-down"
    )
    profile = ledger.add_parser("profile", help="映射配置 mapping profiles").add_subparsers(
        dest="profile_verb", required=True
    )
    p = add(
        profile,
        "suggest",
        _cmd_ledger_profile_suggest,
        "为未知格式起草映射配置 draft a mapping profile from a file's headers",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", default=None, help="profile name (default: from the file name)")
