"""The ``shegong`` command line: parse, call one library function, map errors to exit codes.

Exit codes (DESIGN.md §3): 0 success, 1 a failure of the work, 2 bad arguments or unreadable
input, each failure with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shegong import __version__
from shegong.cli.common import add as _add
from shegong.cli.common import positive_int as _positive_int
from shegong.cli.common import workspace as _workspace
from shegong.cli.common import writing
from shegong.config import DEFAULT_PORT, Workspace
from shegong.errors import ConfigError, ShegongError

#: Modules that add verbs of their own: each has ``register(subparsers)``.
VERB_MODULES = ("shegong.cli.ledger", "shegong.cli.training")


def _cmd_demo(args: argparse.Namespace) -> int:
    from shegong.demo.run import run_demo

    run_demo(
        workspace=args.workspace, serve=not args.no_serve, port=args.port, workers=args.workers
    )
    return 0


def _cmd_indicators_compute(args: argparse.Namespace) -> int:
    ws = _workspace(args, create=False)
    with writing(ws):
        return _compute(args, ws)


def _compute(args: argparse.Namespace, ws: Workspace) -> int:
    from shegong.indicators.pilot_year import compute_pilot_year

    result = compute_pilot_year(ws, year=args.year)
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
        with writing(ws):
            done = {kind: import_input(kind, path, workspace=ws) for kind, path in chosen.items()}
    else:
        with writing(ws):
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
    ws = _workspace(args, create=False)
    if args.all:
        from shegong.orgunits import OrgUnits

        present = set(OrgUnits.read_csv(ws.org_units_file).frame["level"])
        wanted = set(args.levels or (2, 3, 4))
        if not present & wanted:
            raise ConfigError(
                f"没有该层级的单元 no org unit at level(s) {', '.join(map(str, sorted(wanted)))}: "
                f"the org-unit file has levels {', '.join(map(str, sorted(present)))} "
                "— give --levels from those"
            )
    with writing(ws):
        return _report(args, ws)


def _report(args: argparse.Namespace, ws) -> int:  # noqa: ANN001 — a Workspace
    from shegong.exports import pdf_unavailable
    from shegong.reports.batch import (
        failure_line,
        project_reports_dir,
        run_project_reports,
        run_reports,
    )

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
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors say in Chinese first what is wrong (exit code 2)."""

    def error(self, message: str):  # noqa: D102 — argparse's hook; never returns
        zh = next((z for en, z in _ARGPARSE_ZH if en in message), "参数有误")
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误 {zh} — error: {message}\n")


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
    who.add_argument(
        "--unit",
        nargs="+",
        action="extend",
        metavar="CODE",
        help="12-digit org-unit codes: several after one --unit, or --unit repeated",
    )
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
        choices=range(1, 6),
        metavar="L",
        default=None,
        help="levels 1–5 to report with --all (default 2 3 4)",
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
