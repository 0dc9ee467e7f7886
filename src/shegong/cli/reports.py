"""Report verbs of the ``shegong`` command line (registered by :mod:`shegong.cli.main`).

``shegong report --workspace DIR --year Y (--all | --unit CODE... | --projects) [--lang zh,en] …``
makes the reports; ``shegong report review | issue | reissue | status | rules-check`` moves a
report through its life (draft → reviewed → issued, :mod:`shegong.reports.release`) and checks
the report rules. Each handler makes one library call; errors are
:class:`~shegong.errors.ShegongError` subclasses mapped to exit codes by
:func:`shegong.cli.main.main` (2 bad input, 1 failure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _langs(text: str) -> str:
    """argparse type: ``zh``, ``en`` or ``zh,en``."""
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(p not in ("zh", "en") for p in parts):
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose zh, en or zh,en)")
    return ",".join(parts)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: write YYYY-MM-DD") from None


def _workspace(args: argparse.Namespace):
    from shegong.config import Workspace

    return Workspace.at(args.workspace, create=False)


def _cmd_report(args: argparse.Namespace) -> int:
    from shegong.exports import pdf_unavailable
    from shegong.reports.batch import failure_line, run_reports
    from shegong.reports.project_batch import project_reports_dir, run_project_reports

    if args.year is None:
        args.parser.error("the following arguments are required: --year")
    if not (args.all or args.unit or args.projects):
        args.parser.error("one of the arguments --all --unit --projects is required")
    ws = _workspace(args)
    if args.projects:
        manifest = run_project_reports(
            ws,
            year=args.year,
            workers=args.workers,
            lang=args.lang.split(",")[0],
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
        f"报告 reports: {len(manifest['units']) - len(failed) - len(skipped)} ok, {len(skipped)} skipped "
        f"(unchanged), {len(failed)} failed → {where}/ (manifest.json)"
    )
    for u in failed:  # the manifest holds the same: unit, failing cell, error
        print(f"  {failure_line(u)}", file=sys.stderr)
    if not args.no_pdf and (reason := pdf_unavailable()):
        print(reason, file=sys.stderr)
    return 1 if failed else 0


def _cmd_review(args: argparse.Namespace) -> int:
    from shegong.reports.release import review

    review(
        _workspace(args),
        year=args.year,
        units=args.unit,
        actor=args.actor,
        lang=args.lang,
        pdf=not args.no_pdf,
    )
    print(f"已审核 reviewed by {args.actor}: {', '.join(args.unit)} ({args.year})")
    return 0


def _cmd_issue(args: argparse.Namespace) -> int:
    from shegong.reports.release import issue

    manifest = issue(
        _workspace(args),
        year=args.year,
        units=args.unit,
        actor=args.actor,
        date=args.date,
        lang=args.lang,
        pdf=not args.no_pdf,
    )
    for code in args.unit:
        lock = next(u["lock"] for u in manifest["units"] if u["org_unit"] == code and "lock" in u)
        print(
            f"已印发并锁定 issued and locked: {code} 第 {lock['version']} 版 version {lock['version']}, "
            f"{lock['issued_at']}, {len(lock['files'])} files hashed"
        )
    return 0


def _cmd_reissue(args: argparse.Namespace) -> int:
    from shegong.reports.release import reissue

    manifest = reissue(
        _workspace(args),
        year=args.year,
        unit=args.unit,
        actor=args.actor,
        reason=args.reason,
        date=args.date,
        lang=args.lang,
        pdf=not args.no_pdf,
    )
    lock = next(u["lock"] for u in manifest["units"] if u["org_unit"] == args.unit and "lock" in u)
    print(
        f"已重新印发 re-issued: {args.unit} 第 {lock['version']} 版 version {lock['version']} "
        f"(earlier versions kept in reports/{args.year}/issued/{args.unit}/)"
    )
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from shegong.reports.release import status

    broken = False
    for row in status(_workspace(args), year=args.year, units=args.unit or None):
        print(
            "\t".join(
                [row["org_unit"], row["state"], str(row["version"]), row["issued_at"], row["lock"]]
            )
        )
        broken = broken or row["lock"].startswith("changed")
    return 1 if broken else 0


def _cmd_rules_check(args: argparse.Namespace) -> int:
    from shegong.indicators.registry import load_registry
    from shegong.reports.rules import load_rules

    rules = load_rules(args.file, measure_ids=[m.id for m in load_registry().measures])
    print(
        f"报告规则有效 report rules OK: {len(rules.measures)} measures, {len(rules.checks)} checks, "
        f"{len(rules.quality)} data-quality rules"
    )
    return 0


def _common(p: argparse.ArgumentParser, *, unit: str = "+", actor: bool = True) -> None:
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--year", type=int, required=True, help="pilot year, e.g. 2021")
    if unit == "1":
        p.add_argument("--unit", required=True, metavar="CODE", help="12-digit org-unit code")
    else:
        p.add_argument(
            "--unit",
            nargs=unit,
            required=unit == "+",
            metavar="CODE",
            help="12-digit org-unit codes",
        )
    if actor:
        p.add_argument(
            "--actor",
            required=True,
            metavar="LOGIN",
            help="who acts (recorded and named in the report; roles are checked by the people module)",
        )
        p.add_argument(
            "--lang",
            type=_langs,
            default="zh",
            help="languages of the report: zh, en or zh,en (default zh)",
        )
        p.add_argument("--no-pdf", action="store_true", help="skip printing the reports to PDF")


def register(subparsers) -> None:  # noqa: ANN001 - argparse's private subparsers type
    """Add ``report`` and its lifecycle verbs."""
    help_ = "生成试点年度评估报告 run the pilot-year report for org units"
    p = subparsers.add_parser("report", help=help_, description=help_)
    p.set_defaults(func=_cmd_report, parser=p)
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace directory (default $SHEGONG_WORKSPACE or ./workspace)",
    )
    p.add_argument("--year", type=int, default=None, help="pilot year, e.g. 2021 (required)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--all", action="store_true", help="every unit at the chosen levels")
    who.add_argument("--unit", nargs="+", metavar="CODE", help="12-digit org-unit codes")
    who.add_argument(
        "--projects",
        action="store_true",
        help="项目报告 one report per project and programme, and a portfolio report per funder and round",
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
        "--lang",
        type=_langs,
        default="zh",
        help="report languages: zh, en, or zh,en for both in one batch (default zh)",
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
    verbs = p.add_subparsers(
        dest="report_verb", metavar="{review,issue,reissue,status,rules-check}"
    )
    for name, func, text, kind in (
        ("review", _cmd_review, "审核报告 mark draft reports reviewed (draft → reviewed)", "+"),
        (
            "issue",
            _cmd_issue,
            "印发报告 issue reviewed reports and lock them (reviewed → issued)",
            "+",
        ),
        (
            "reissue",
            _cmd_reissue,
            "重新印发 issue a new version of an issued report, keeping the earlier ones",
            "1",
        ),
    ):
        q = verbs.add_parser(name, help=text, description=text)
        q.set_defaults(func=func)
        _common(q, unit=kind)
        if name != "review":
            q.add_argument(
                "--date", type=_date, default=None, help="issue date YYYY-MM-DD (default today)"
            )
        if name == "reissue":
            q.add_argument(
                "--reason", required=True, help="why the report is issued again (shown in it)"
            )
    q = verbs.add_parser(
        "status",
        help="报告状态 state, version and lock of each report",
        description="print code, state, version, issue date and lock (intact or the changed files); exit 1 when a lock is broken",
    )
    q.set_defaults(func=_cmd_status)
    _common(q, unit="*", actor=False)
    q = verbs.add_parser(
        "rules-check",
        help="校验报告规则 validate the report rules (datasets/report_rules.yaml)",
        description="validate the report rules file",
    )
    q.set_defaults(func=_cmd_rules_check)
    q.add_argument(
        "file", nargs="?", default=None, help="rules YAML (default datasets/report_rules.yaml)"
    )
