"""Training verbs of the ``shegong`` command line (registered by :mod:`shegong.cli.main`).

``shegong curriculum check [PATH]``, ``shegong curriculum import-gift FILE --module ID``,
``shegong progress export --format xlsx [--workspace DIR] [--out FILE]``,
``shegong grade [--workspace DIR] [--release ASSESSMENT]`` (trainer side: keys are read here only)
and ``shegong roles grant|revoke LOGIN --role trainer|admin [--by LOGIN] [--workspace DIR]`` and
``shegong roles list [--workspace DIR]``; every store verb opens ``SHEGONG_DATABASE_URL`` when
set, else ``<workspace>/progress.sqlite``. Each handler makes one
library call; errors are :class:`~shegong.errors.ShegongError` subclasses mapped to exit codes
by :func:`shegong.cli.main.main` (2 bad input, 1 failure).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shegong.errors import CurriculumError


def _cmd_check(args: argparse.Namespace) -> int:
    from shegong.trainer.rules import check_rules, load_rules
    from shegong.training.assessment import load_assessments
    from shegong.training.curriculum import check_curricula, curricula_root

    modules, problems = check_curricula(args.path, keys=True)
    root = Path(args.path) if args.path else curricula_root()
    if not problems and (root / "progression.yaml").is_file():  # a whole curricula folder
        by_id = {m.id: m for m in modules}
        problems = check_rules(
            load_rules(root), by_id, load_assessments(by_id, root), root / "progression.yaml"
        )
    if problems:
        raise CurriculumError(
            f"课程校验失败 curriculum check failed: {len(problems)} problem(s)", problems
        )
    exercises = sum(len(m.exercises) for m in modules)
    pages = sum(len(m.pages) for m in modules)
    hours = sum(m.hours for m in modules)
    print(
        f"课程有效 curriculum OK: {len(modules)} modules, {pages} pages, {exercises} exercises, "
        f"{hours:g} h"
    )
    return 0


def _cmd_import_gift(args: argparse.Namespace) -> int:
    from shegong.training.gift import import_gift

    report = import_gift(args.file, args.module, root=args.root)
    for issue in report.issues:
        print(f"shegong: {args.file}: 未导入/提示 not imported or note: {issue}", file=sys.stderr)
    for note in report.notes:
        print(f"shegong: 学时 hours: {note}", file=sys.stderr)
    print(
        f"已导入 imported {len(report.exercises)} questions → {report.out} "
        f"({len(report.issues)} reported by line)"
    )
    return 0


def _cmd_progress_export(args: argparse.Namespace) -> int:
    from shegong.config import Workspace
    from shegong.training.gradebook import export_gradebook
    from shegong.training.progress import ProgressStore

    out = Path(args.out) if args.out else Workspace.at(args.workspace).root / "gradebook.xlsx"
    with ProgressStore.open(workspace=args.workspace) as store:
        path = export_gradebook(store, out)
    print(f"成绩册已导出 gradebook written: {path}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from shegong.trainer.marking import grade_workspace

    summary = grade_workspace(workspace=args.workspace, release_ids=args.release or [])
    for line in summary.lines():
        print(line)
    return 0


def _cmd_roles_grant(args: argparse.Namespace) -> int:
    from shegong.training.progress import ProgressStore
    from shegong.training.roles import grant

    with ProgressStore.open(workspace=args.workspace) as store:
        grant(store, args.login, args.role, by=args.by)
    print(f"已授权 granted: {args.login.strip()} {args.role}")
    return 0


def _cmd_roles_revoke(args: argparse.Namespace) -> int:
    from shegong.training.progress import ProgressStore
    from shegong.training.roles import revoke

    with ProgressStore.open(workspace=args.workspace) as store:
        taken = revoke(store, args.login, args.role)
    if taken:
        print(f"已收回 revoked: {args.login.strip()} {args.role}")
    else:
        print(f"未持有该角色 not held, nothing changed: {args.login.strip()} {args.role}")
    return 0


def _cmd_roles_list(args: argparse.Namespace) -> int:
    from shegong.training.progress import ProgressStore
    from shegong.training.roles import list_roles

    with ProgressStore.open(workspace=args.workspace) as store:
        for line in list_roles(store):
            print(line.line())
    return 0


def register(subparsers) -> None:  # noqa: ANN001 - argparse's private subparsers type
    """Add the ``curriculum`` and ``progress`` verbs to the top-level ``subparsers``."""
    cur = subparsers.add_parser("curriculum", help="培训课程 training curricula").add_subparsers(
        dest="curriculum_verb", required=True
    )
    p = cur.add_parser(
        "check",
        help="校验课程 validate modules, pages and exercises; lists every problem",
        description="Validate curricula/ (or one module folder); exit 2 on any problem.",
    )
    p.add_argument(
        "path",
        nargs="?",
        default=None,
        help="curricula folder or one module folder (default curricula/)",
    )
    p.set_defaults(func=_cmd_check)
    p = cur.add_parser(
        "import-gift",
        help="导入 GIFT 题库 convert a Moodle GIFT question bank into exercise YAML",
        description="Write curricula/<ID>/exercises/gift-<name>.yaml; unsupported questions are "
        "reported by line on stderr.",
    )
    p.add_argument("file", metavar="FILE", help="GIFT text file (UTF-8)")
    p.add_argument(
        "--module", required=True, metavar="ID", help="target module id, e.g. m02-home-visits"
    )
    p.add_argument(
        "--root", default=None, help="curricula folder (default: the checkout's curricula/)"
    )
    p.set_defaults(func=_cmd_import_gift)

    prog = subparsers.add_parser("progress", help="学习进度 trainee progress").add_subparsers(
        dest="progress_verb", required=True
    )
    p = prog.add_parser(
        "export",
        help="导出成绩册 write the gradebook workbook",
        description="Export trainees, attempts and module scores to an .xlsx gradebook.",
    )
    p.add_argument("--format", choices=("xlsx",), default="xlsx", help="output format (xlsx)")
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE)",
    )
    p.add_argument("--out", default=None, help="output file (default <workspace>/gradebook.xlsx)")
    p.set_defaults(func=_cmd_progress_export)

    p = subparsers.add_parser(
        "grade",
        help="评分 trainer-side scoring of summative submissions",
        description="Score every objective item of every submission with the answer keys "
        "(run as the trainer: keys are unreadable to trainees), report the open "
        "answers waiting in the grading queue, and optionally release scores.",
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE)",
    )
    p.add_argument(
        "--release",
        action="append",
        metavar="ASSESSMENT",
        help="release this assessment's scores to trainees (refused while answers are "
        "unscored); repeatable",
    )
    p.set_defaults(func=_cmd_grade)

    rol = subparsers.add_parser(
        "roles", help="角色 trainer and administrator roles"
    ).add_subparsers(dest="roles_verb", required=True)
    where = (
        "workspace holding progress.sqlite (default $SHEGONG_WORKSPACE); "
        "SHEGONG_DATABASE_URL, when set, names the store instead"
    )
    for verb, func, what in (
        ("grant", _cmd_roles_grant, "授权 give LOGIN a role (roles add up)"),
        ("revoke", _cmd_roles_revoke, "收回 take a role from LOGIN"),
    ):
        p = rol.add_parser(
            verb,
            help=what,
            description=f"{what}. LOGIN is a JupyterHub user or OS login; the store keeps it with "
            "its keyed pseudonym. Authority: owning the store (its file or database credentials).",
        )
        p.add_argument("login", metavar="LOGIN", help="JupyterHub user name or OS login")
        p.add_argument("--role", choices=("trainer", "admin"), required=True, help="the role")
        if verb == "grant":
            p.add_argument(
                "--by", metavar="LOGIN", default=None, help="who grants (default: OS user)"
            )
        p.add_argument("--workspace", default=None, help=where)
        p.set_defaults(func=func)
    p = rol.add_parser(
        "list",
        help="列出 every login holding a role",
        description="Print login<TAB>role,role<TAB>scope per login, sorted by login "
        "(scope: org-unit codes, empty = all units).",
    )
    p.add_argument("--workspace", default=None, help=where)
    p.set_defaults(func=_cmd_roles_list)
