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
from shegong.config import DEFAULT_PORT
from shegong.errors import ShegongError

#: Modules that add verbs of their own: each has ``register(subparsers)``.
VERB_MODULES = ("shegong.cli.training",)


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
    from shegong.indicators.pilot_year import compute_pilot_year

    result = compute_pilot_year(_workspace(args, create=False), year=args.year)
    if lost := result.rows_outside:
        codes = "、".join(f"{code}（{n} 行）" for code, n in list(lost.items())[:5])
        print(
            f"警告 warning: {sum(lost.values())} 行已接收的台账不在单元文件中，不计入指标 "
            f"accepted ledger rows of units no longer in the org-unit file are not counted: "
            f"{codes} — restore the units or re-import",
            file=sys.stderr,
        )
    print(
        f"指标已计算 computed: {result.indicator_rows} rows → indicators/indicators.parquet; "
        f"评估 evaluated: {result.units_evaluated} units → indicators/evaluation.parquet, "
        "findings.parquet"
    )
    if result.projects is not None:
        scopes = result.projects[["scope", "scope_id"]].drop_duplicates().shape[0]
        print(
            f"项目指标 project indicators: {scopes} projects, programmes, funders and rounds "
            "→ indicators/projects.parquet"
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
                    "shegong: 参数错误 请写成 类别=文件 give KIND=FILE with KIND one "
                    f"of {', '.join(FILES)} (got {item!r})",
                    file=sys.stderr,
                )
                return 2
            if kind in chosen:
                print(
                    f"shegong: {kind} 给了两个文件 given twice: one file per kind "
                    "(each import replaces the kind's "
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
            f"{kind}: 读取 {s.rows_read}，接收 {s.accepted}，拒收 {s.rejected}，空行 "
            f"{s.skipped_blank} "
            f"(rows read / accepted / rejected / blank)"
        )
        if s.replaced:
            print(
                f"  已替换先前导入的 {s.replaced['accepted']} 行（{s.replaced['file']}） "
                f"replaced the {s.replaced['accepted']} rows imported earlier from "
                f"{s.replaced['file']}"
            )
    return 0


def _cmd_indicators_check(args: argparse.Namespace) -> int:
    from shegong.indicators.registry import load_registry

    registry = load_registry(Path(args.registry) if args.registry else None)
    print(f"指标体系有效 registry OK: {len(registry.measures)} measures ({registry.source})")
    if not args.registry:
        from shegong.indicators.projects import load_project_registry

        projects = load_project_registry()
        print(
            f"项目指标体系有效 project registry OK: {len(projects.measures)} measures "
            f"({projects.source})"
        )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from shegong.exports import pdf_unavailable
    from shegong.reports.batch import (
        failure_line,
        project_reports_dir,
        run_project_reports,
        run_reports,
    )

    ws = _workspace(args, create=False)
    if args.projects:
        manifest = run_project_reports(
            ws,
            year=args.year,
            workers=args.workers,
            lang=args.lang,
            scheduler=args.scheduler,
            resume=args.resume,
            pdf=not args.no_pdf,
        )
    else:
        manifest = run_reports(
            ws,
            year=args.year,
            units=None if args.all else args.unit,
            levels=args.levels,
            workers=args.workers,
            lang=args.lang,
            scheduler=args.scheduler,
            resume=args.resume,
            pdf=not args.no_pdf,
        )
    failed = [u for u in manifest["units"] if u["status"] == "failed"]
    skipped = [u for u in manifest["units"] if u["status"] == "skipped"]
    where = project_reports_dir(ws, args.year) if args.projects else ws.reports_dir(args.year)
    print(
        f"报告 reports: {len(manifest['units']) - len(failed) - len(skipped)} ok, "
        f"{len(skipped)} skipped (unchanged), "
        f"{len(failed)} failed → {where}/ (manifest.json)"
    )
    for u in failed:  # the manifest holds the same: unit, failing cell, error
        print(f"  {failure_line(u)}", file=sys.stderr)
    if not args.no_pdf and (reason := pdf_unavailable()):
        print(reason, file=sys.stderr)
    return 1 if failed else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from shegong.serving.serve import serve

    serve(
        _workspace(args, create=False),
        port=args.port,
        ip=args.ip,
        public_reports=args.public_reports,
        allow_hosts=args.allow_host or [],
        trusted_proxies=args.trusted_proxy or [],
        kernel_cap=args.kernel_cap,
        registration=args.registration,
    )
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
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE, else ./workspace)",
    )
    p.add_argument(
        "--no-serve", action="store_true", help="build everything but do not start Voila"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
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
        help="a corrected ledger replaces earlier rows for the same station and month "
        "(recorded in import_log.jsonl)",
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
        sub, "report", _cmd_report, "生成试点年度评估报告 run the pilot-year report for org units"
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--year", type=int, required=True, help="pilot year, e.g. 2021")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--all", action="store_true", help="every unit at the chosen levels")
    who.add_argument("--unit", nargs="+", metavar="CODE", help="12-digit org-unit codes")
    who.add_argument(
        "--projects",
        action="store_true",
        help="项目报告 one report per project and programme, and a portfolio report per "
        "funder and round",
    )
    p.add_argument(
        "--levels",
        nargs="+",
        type=int,
        default=None,
        help="levels to report with --all (default 2 3 4)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="parallel processes (default: CPU count)",
    )
    p.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="report language (default zh)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip units whose template, inputs and parameters are unchanged",
    )
    p.add_argument(
        "--no-pdf",
        action="store_true",
        help="skip printing the HTML reports to PDF (needs chromium)",
    )

    p = _add(
        sub, "serve", _cmd_serve, "用 Voila 提供报告与应用 serve the reports and apps with Voila"
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    from shegong.serving.serve import (
        DEFAULT_KERNEL_CAP,  # light: the standard library and shegong.config
        REGISTRATION,
    )

    p.add_argument(
        "--public-reports",
        action="store_true",
        help="index and rendered reports readable without sign-in, read-only (a bureau's intranet)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="a Host name served besides 127.0.0.1 and localhost (others get 403); repeatable",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="ADDR",
        help="a reverse proxy's address whose X-Forwarded-For names the client; repeatable",
    )
    p.add_argument(
        "--kernel-cap",
        type=_positive_int,
        default=DEFAULT_KERNEL_CAP,
        help=f"widget apps and live reports running at once (default {DEFAULT_KERNEL_CAP})",
    )
    p.add_argument(
        "--registration",
        choices=REGISTRATION,
        default="invitation",
        help="trainee registration: by a trainer's invitation code (default), pending a "
        "trainer's approval, or closed",
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
