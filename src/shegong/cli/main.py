"""The ``shegong`` command line: parse, call one library function, map errors to exit codes.

Exit codes (DESIGN.md §3): 0 success, 1 a failure of the work, 2 bad arguments or unreadable
input, each failure with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from shegong import __version__
from shegong.errors import DatasetError, ShegongError

#: Modules that add verbs of their own: each has ``register(subparsers)``.
VERB_MODULES = ("shegong.cli.reports", "shegong.cli.training")


def _positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1 (worker and pool counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _workspace(args: argparse.Namespace, *, create: bool = True):
    from shegong.config import Workspace

    return Workspace.at(args.workspace, create=create)


def _cmd_demo(args: argparse.Namespace) -> int:
    from shegong.demo.run import run_demo

    run_demo(
        workspace=args.workspace, serve=not args.no_serve, port=args.port, workers=args.workers
    )
    return 0


def _cmd_ledger_import(args: argparse.Namespace) -> int:
    from shegong.ledger.importer import import_ledgers
    from shegong.ledger.rows import REASONS

    summary = import_ledgers(
        [Path(f) for f in args.files],
        workspace=_workspace(args),
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
        for f in summary.files:
            _say_file(f)
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
            f"  {f.file}: 与已导入的 {f.duplicate_of} 内容相同，未重复存储 same content as {f.duplicate_of}: not stored twice"
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
            f"  {f.file}: 警告 {len(f.repeated_rows)} 行与前面的行完全相同，可能重复录入 warning: rows repeat earlier "
            f"rows in every field (double entry?): {shown}{' …' if len(f.repeated_rows) > 3 else ''}"
        )
    stale = [r for r in f.reconciliation if r.get("kind") == "stale_total"]
    if stale:
        print(
            f"  {f.file}: {len(stale)} 处合计与明细不符 total cells disagree with the rows (see the quality report)"
        )
    if f.rejected and "rejects_xlsx" in f.outputs:
        print(f"  {f.file}: 拒收行已写入 rejected rows written to {f.outputs['rejects_xlsx']}")


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


def _cmd_indicators_compute(args: argparse.Namespace) -> int:
    from shegong.indicators.compute import write_indicators
    from shegong.indicators.evaluation import evaluate
    from shegong.indicators.inputs import load_input
    from shegong.indicators.projects import compute_projects
    from shegong.ledger.importer import damaged_parquet, rows_outside
    from shegong.orgunits import OrgUnits

    ws = _workspace(args, create=False)
    if lost := rows_outside(ws, OrgUnits.read_csv(ws.org_units_file)):
        codes = "、".join(f"{code}（{n} 行）" for code, n in list(lost.items())[:5])
        print(
            f"警告 warning: {sum(lost.values())} 行已接收的台账不在单元文件中，不计入指标 accepted ledger rows of units "
            f"no longer in the org-unit file are not counted: {codes} — restore the units or re-import",
            file=sys.stderr,
        )
    import duckdb

    try:
        rows = write_indicators(ws, year=args.year)
    except duckdb.IOException as e:
        raise DatasetError(
            f"无法读取工作区的 Parquet 文件 a Parquet file of the workspace cannot be read "
            f"({str(e).splitlines()[0][:200]}): import that ledger again (ledger import --replace)"
        ) from e
    except duckdb.InvalidInputException as e:
        raise damaged_parquet(str(e).splitlines()[0][:200]) from e
    scores = evaluate(ws, year=args.year)
    print(
        f"指标已计算 computed: {rows} rows → indicators/indicators.parquet; "
        f"评估 evaluated: {scores['org_unit'].nunique()} units → indicators/evaluation.parquet, findings.parquet"
    )
    if load_input(ws, "projects") is not None:
        projects = compute_projects(ws)
        print(
            f"项目指标 project indicators: {projects[['scope', 'scope_id']].drop_duplicates().shape[0]} projects, "
            f"programmes, funders and rounds → indicators/projects.parquet"
        )
    return 0


def _cmd_indicators_inputs(args: argparse.Namespace) -> int:
    from shegong.indicators.inputs import FILES, import_input, import_inputs

    ws = _workspace(args)
    if args.files:
        chosen: dict[str, Path] = {}
        for item in args.files:  # every argument checked before any import
            kind, sep, path = item.partition("=")
            if not sep or kind not in FILES:
                print(
                    f"shegong: 参数错误 请写成 类别=文件 give KIND=FILE with KIND one of {', '.join(FILES)} (got {item!r})",
                    file=sys.stderr,
                )
                return 2
            if kind in chosen:
                print(
                    f"shegong: {kind} 给了两个文件 given twice: one file per kind (each import replaces the kind's "
                    "earlier rows) — put the rows in one file",
                    file=sys.stderr,
                )
                return 2
            chosen[kind] = Path(path)
        done = {kind: import_input(kind, path, workspace=ws) for kind, path in chosen.items()}
    else:
        done = import_inputs(ws)
    for kind, s in done.items():
        print(
            f"{kind}: 读取 {s.rows_read}，接收 {s.accepted}，拒收 {s.rejected}，空行 {s.skipped_blank} "
            f"(rows read / accepted / rejected / blank)"
        )
        if s.replaced:
            print(
                f"  已替换先前导入的 {s.replaced['accepted']} 行（{s.replaced['file']}） "
                f"replaced the {s.replaced['accepted']} rows imported earlier from {s.replaced['file']}"
            )
    return 0


def _cmd_indicators_check(args: argparse.Namespace) -> int:
    from shegong.indicators.compute import load_registry

    registry = load_registry(Path(args.registry) if args.registry else None)
    print(f"指标体系有效 registry OK: {len(registry.measures)} measures ({registry.source})")
    if not args.registry:
        from shegong.indicators.projects import load_project_registry

        projects = load_project_registry()
        print(
            f"项目指标体系有效 project registry OK: {len(projects.measures)} measures ({projects.source})"
        )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from shegong.serving.serve import serve

    serve(_workspace(args, create=False), port=args.port, ip=args.ip, pool_size=args.pool_size)
    return 0


_ARGPARSE_ZH = (  # argparse's own messages, named in Chinese first
    ("the following arguments are required", "缺少必需的参数"),
    ("unrecognized arguments", "无法识别的参数"),
    ("invalid int value", "不是整数"),
    ("invalid choice", "不是可选值"),
    ("expected one argument", "需要一个值"),
    ("not allowed with argument", "不能同时使用"),
    ("one of the arguments", "必须给出其中一个参数"),
    ("must be 1 or more", "须为 1 或更大的整数"),
    ("invalid date", "日期格式有误"),
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors say in Chinese first what is wrong (exit code 2)."""

    def error(self, message: str):  # noqa: D102 — argparse's hook; never returns
        zh = next((z for en, z in _ARGPARSE_ZH if en in message), "参数有误")
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误 {zh} — error: {message}\n")


def _add(sub, name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with ``--help`` on every verb."""
    parser = _Parser(prog="shegong", description="社工站培训与评估工作台 Shegong Workbench")
    parser.add_argument("--version", action="version", version=f"shegong {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True)

    p = _add(
        sub,
        "demo",
        _cmd_demo,
        "生成演示数据、导入、计算、出报告并启动服务 build the demo workspace and serve it",
    )
    p.add_argument(
        "--workspace", default="workspace", help="workspace directory (default ./workspace)"
    )
    p.add_argument(
        "--no-serve", action="store_true", help="build everything but do not start Voila"
    )
    p.add_argument("--port", type=int, default=8866, help="port for Voila (default 8866)")
    p.add_argument(
        "--workers", type=_positive_int, default=None, help="report processes (default: CPU count)"
    )

    ledger = sub.add_parser("ledger", help="服务台账 service ledgers").add_subparsers(
        dest="ledger_verb", required=True
    )
    p = _add(
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
        help="a corrected ledger replaces earlier rows for the same station and month (recorded in import_log.jsonl)",
    )
    p = _add(
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
    p = _add(
        profile,
        "suggest",
        _cmd_ledger_profile_suggest,
        "为未知格式起草映射配置 draft a mapping profile from a file's headers",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", default=None, help="profile name (default: from the file name)")

    ind = sub.add_parser("indicators", help="指标 indicators").add_subparsers(
        dest="ind_verb", required=True
    )
    p = _add(
        ind,
        "compute",
        _cmd_indicators_compute,
        "计算指标 compute every indicator for every org unit",
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--year", type=int, required=True, help="pilot year, e.g. 2021")
    p = _add(
        ind,
        "inputs",
        _cmd_indicators_inputs,
        "导入名册、培训、问卷与评估材料 import the roster, training, surveys and evaluation inputs",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="KIND=FILE",
        help="e.g. survey=问卷.xlsx; default: every known file present in the workspace's inputs/",
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p = _add(ind, "check", _cmd_indicators_check, "校验指标体系 validate the indicator registry")
    p.add_argument(
        "registry", nargs="?", default=None, help="registry YAML (default datasets/indicators.yaml)"
    )

    p = _add(
        sub, "serve", _cmd_serve, "用 Voila 提供报告与应用 serve the reports and apps with Voila"
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument(
        "--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    from shegong.serving.serve import (
        DEFAULT_POOL_SIZE,  # light: the standard library and shegong.config
    )

    p.add_argument(
        "--pool-size",
        type=int,
        default=DEFAULT_POOL_SIZE,
        help=f"preheated kernels kept ready, ≈52 MiB each (default {DEFAULT_POOL_SIZE}: a burst of "
        f"{DEFAULT_POOL_SIZE} views; 0 = off)",
    )

    for module in VERB_MODULES:
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``shegong`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ShegongError as e:
        print(f"shegong: {e.message()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("shegong: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
