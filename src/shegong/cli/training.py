"""Training verbs of the ``shegong`` command line (registered by :mod:`shegong.cli.main`).

``shegong curriculum check [PATH]``, ``shegong curriculum import-gift FILE --module ID``,
``shegong progress export --format xlsx [--workspace DIR] [--out FILE]``,
``shegong grade [--workspace DIR] [--release ASSESSMENT] [--by LOGIN]`` (trainer side: keys are read
here only), ``shegong roles grant|revoke LOGIN --role R [--scope CODE...] [--by LOGIN]``,
``shegong roles list`` and ``shegong init --workspace DIR --admin LOGIN``; every store verb opens
``SHEGONG_DATABASE_URL`` when set, else ``<workspace>/progress.sqlite``. The command line's
authority is owning the store (its file, or the database credentials): it acts as an unscoped
admin, and its audit entries record the OS user and ``--by``. Each handler makes one
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
    from shegong.training.roles import store_owner

    summary = grade_workspace(
        workspace=args.workspace, release_ids=args.release or [], by=store_owner(args.by)
    )
    for line in summary.lines():
        print(line)
    return 0


def _cmd_roles(args: argparse.Namespace) -> int:
    from shegong.training import roles
    from shegong.training.progress import ProgressStore

    with ProgressStore.open(workspace=args.workspace) as store:
        if args.roles_verb == "list":
            for line in roles.list_lines(store):
                print(line)
            return 0
        by = roles.store_owner(args.by)
        if args.roles_verb == "grant":
            p = roles.grant(store, args.login, args.role, scope=args.scope, by=by)
            print(f"已授权 granted: {p.login} {args.role}")
        else:
            p = roles.revoke(store, args.login, args.role, by=by)
            print(f"已撤销 revoked: {p.login} {args.role}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    import getpass

    from shegong.config import Workspace, setting
    from shegong.training import roles
    from shegong.training.accounts import create_account
    from shegong.training.progress import ProgressStore

    ws = Workspace.at(args.workspace)
    password = setting("SHEGONG_ADMIN_PASSWORD") or getpass.getpass(
        f"管理员 {args.admin} 的密码 password for {args.admin}: "
    )
    with ProgressStore.open(workspace=ws.root) as store:
        create_account(store, args.admin, password)
        roles.grant(store, args.admin, "admin", by=roles.store_owner(args.admin))
    from shegong.training.answer_keys import protect_keys
    from shegong.training.curriculum import load_curricula

    protect_keys(load_curricula())
    print(f"工作区已创建 workspace ready: {ws.root}; 管理员 admin: {args.admin}")
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
        help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE); "
        "SHEGONG_DATABASE_URL, when set, names the store instead",
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
        help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE); "
        "SHEGONG_DATABASE_URL, when set, names the store instead",
    )
    p.add_argument(
        "--release",
        action="append",
        metavar="ASSESSMENT",
        help="release this assessment's scores to trainees (refused while answers are "
        "unscored); repeatable",
    )
    p.add_argument(
        "--by", default=None, metavar="LOGIN", help="on whose behalf (recorded in audit.jsonl)"
    )
    p.set_defaults(func=_cmd_grade)

    rol = subparsers.add_parser(
        "roles", help="角色与范围 roles and scope of accounts"
    ).add_subparsers(dest="roles_verb", required=True)
    for verb, text in (
        ("grant", "授权 give LOGIN a role (and set its scope)"),
        ("revoke", "撤销 take a role from LOGIN"),
    ):
        p = rol.add_parser(
            verb,
            help=text,
            description=f"{text}. Needs the store (its file or database credentials); written "
            "to <workspace>/audit.jsonl with the OS user and --by.",
        )
        p.add_argument("login", metavar="LOGIN", help="sign-in name (normalised: NFKC, lower case)")
        p.add_argument(
            "--role",
            choices=("trainee", "trainer", "evaluator", "station", "admin"),
            required=True,
            help="role",
        )
        if verb == "grant":
            p.add_argument(
                "--scope",
                nargs="+",
                metavar="CODE",
                default=None,
                help="12-digit org-unit codes the account is limited to (a county covers its "
                "subtree; a station account: its station); default: unchanged (none = all)",
            )
        p.add_argument("--by", default=None, metavar="LOGIN", help="on whose behalf (audited)")
        p.add_argument(
            "--workspace",
            default=None,
            help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE); "
            "SHEGONG_DATABASE_URL, when set, names the store instead",
        )
        p.set_defaults(func=_cmd_roles)
    p = rol.add_parser(
        "list",
        help="列出 accounts with their roles and scope",
        description="Print login<TAB>role,role<TAB>scope per account, sorted by login "
        "(scope: codes joined by commas, * for all).",
    )
    p.add_argument(
        "--workspace",
        default=None,
        help="workspace holding progress.sqlite (default $SHEGONG_WORKSPACE); "
        "SHEGONG_DATABASE_URL, when set, names the store instead",
    )
    p.set_defaults(func=_cmd_roles)

    p = subparsers.add_parser(
        "init",
        help="新建工作区 a new workspace and its first administrator",
        description="Create the workspace (and its progress store, 0600) and the admin account "
        "LOGIN; the password is read from $SHEGONG_ADMIN_PASSWORD or asked for.",
    )
    p.add_argument("--workspace", required=True, help="workspace directory")
    p.add_argument("--admin", required=True, metavar="LOGIN", help="the first administrator")
    p.set_defaults(func=_cmd_init)
