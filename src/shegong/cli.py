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

from . import __version__
from .errors import ShegongError

#: Modules that add verbs of their own: each has ``register(subparsers)``.
VERB_MODULES = ("shegong.cli_training",)


def _workspace(args: argparse.Namespace, *, create: bool = True):
    from .config import Workspace

    return Workspace.at(args.workspace, create=create)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo_run import run_demo

    run_demo(workspace=args.workspace, serve=not args.no_serve, port=args.port, workers=args.workers)
    return 0


def _cmd_ledger_import(args: argparse.Namespace) -> int:
    from .ledger.importer import import_ledgers

    summary = import_ledgers(
        [Path(f) for f in args.files], workspace=_workspace(args),
        org_units_file=Path(args.org_units) if args.org_units else None,
        check=args.check, progress=not args.json,
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
            print(f"  拒收原因 {reason}: {n}")
    return 0


def _cmd_indicators_compute(args: argparse.Namespace) -> int:
    from .indicators import compute_indicators

    table = compute_indicators(_workspace(args, create=False), year=args.year)
    print(f"指标已计算 computed: {len(table)} rows → indicators/indicators.parquet")
    return 0


def _cmd_indicators_check(args: argparse.Namespace) -> int:
    from .indicators import load_registry

    registry = load_registry(Path(args.registry) if args.registry else None)
    print(f"指标体系有效 registry OK: {len(registry.measures)} measures ({registry.source})")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .reports import run_reports

    manifest = run_reports(
        _workspace(args, create=False), year=args.year, units=None if args.all else args.unit,
        levels=args.levels, workers=args.workers, lang=args.lang,
    )
    failed = [u for u in manifest["units"] if u["status"] == "failed"]
    print(f"报告 reports: {len(manifest['units']) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    serve(_workspace(args, create=False), port=args.port, ip=args.ip)
    return 0


def _add(sub, name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with ``--help`` on every verb."""
    parser = argparse.ArgumentParser(prog="shegong", description="社工站培训与评估工作台 Shegong Workbench")
    parser.add_argument("--version", action="version", version=f"shegong {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True)

    p = _add(sub, "demo", _cmd_demo, "生成演示数据、导入、计算、出报告并启动服务 build the demo workspace and serve it")
    p.add_argument("--workspace", default="workspace", help="workspace directory (default ./workspace)")
    p.add_argument("--no-serve", action="store_true", help="build everything but do not start Voila")
    p.add_argument("--port", type=int, default=8866, help="port for Voila (default 8866)")
    p.add_argument("--workers", type=int, default=None, help="report processes (default: CPU count)")

    ledger = sub.add_parser("ledger", help="服务台账 service ledgers").add_subparsers(dest="ledger_verb", required=True)
    p = _add(ledger, "import", _cmd_ledger_import, "导入服务台账 import service ledgers (.xlsx, .xls, .csv)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--workspace", default=None, help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)")
    p.add_argument("--org-units", default=None, help="org-unit CSV (default: the workspace's inputs/org_units.csv)")
    p.add_argument("--check", action="store_true", help="validate only: write the rejects and quality report, no Parquet")
    p.add_argument("--json", action="store_true", help="print one JSON summary on stdout and nothing else")

    ind = sub.add_parser("indicators", help="指标 indicators").add_subparsers(dest="ind_verb", required=True)
    p = _add(ind, "compute", _cmd_indicators_compute, "计算指标 compute every indicator for every org unit")
    p.add_argument("--workspace", default=None)
    p.add_argument("--year", type=int, required=True, help="pilot year, e.g. 2021")
    p = _add(ind, "check", _cmd_indicators_check, "校验指标体系 validate the indicator registry")
    p.add_argument("registry", nargs="?", default=None, help="registry YAML (default datasets/indicators.yaml)")

    p = _add(sub, "report", _cmd_report, "生成试点年度评估报告 run the pilot-year report for org units")
    p.add_argument("--workspace", default=None)
    p.add_argument("--year", type=int, required=True)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--all", action="store_true", help="every unit at the chosen levels")
    who.add_argument("--unit", nargs="+", metavar="CODE", help="12-digit org-unit codes")
    p.add_argument("--levels", nargs="+", type=int, default=None, help="levels to report with --all (default 2 3 4)")
    p.add_argument("--workers", type=int, default=None, help="parallel processes (default: CPU count)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")

    p = _add(sub, "serve", _cmd_serve, "用 Voila 提供报告与应用 serve the reports and apps with Voila")
    p.add_argument("--workspace", default=None)
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")

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
