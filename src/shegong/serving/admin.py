"""``/admin``: accounts in the browser (issue 14). Admins disable and re-enable accounts, reset
anyone's password, grant and revoke roles and set scopes; trainers issue invitation codes,
approve pending registrations and reset their trainees' passwords. Each POST is XSRF-checked and
calls the library function that checks the acting person and writes the audit log."""

from __future__ import annotations

from shegong.errors import ShegongError
from shegong.people import ROLES, may
from shegong.serving import pages
from shegong.serving.security import current_person
from shegong.serving.signin import _Page
from shegong.training import accounts, roles

TEXT = {
    "zh": {
        "invite": "生成邀请码（14 天，30 人）",
        "pending": "待审核的注册",
        "approve": "通过",
        "accounts": "账号",
        "roles": "角色",
        "scope": "范围（单元代码，空格分隔；空 = 全部）",
        "status": "停用或启用账号",
        "state": "状态",
        "disable": "停用",
        "enable": "启用",
        "apply": "执行",
        "reset": "重设密码",
        "grant": "授予",
        "revoke": "撤销",
        "done": "已完成：{what}",
        "code": "邀请码（只显示这一次）：{code}",
    },
    "en": {
        "invite": "New invitation code (14 days, 30 people)",
        "pending": "Registrations waiting for approval",
        "approve": "Approve",
        "accounts": "Accounts",
        "roles": "Role",
        "scope": "Scope (org-unit codes, space-separated; empty = all)",
        "status": "Disable or re-enable an account",
        "state": "Status",
        "disable": "Disable",
        "enable": "Enable",
        "apply": "Apply",
        "reset": "Reset a password",
        "grant": "Grant",
        "revoke": "Revoke",
        "done": "Done: {what}",
        "code": "Invitation code (shown once): {code}",
    },
}


class AdminHandler(_Page):
    """The account page; refused (403) to anyone who may not invite (trainers and admins may)."""

    def _show(
        self, status: int = 200, *, error: str = "", notice: str = "", code: str = ""
    ) -> None:

        person = current_person(self)
        lang = self.lang()
        is_admin = may(person, "manage_accounts")
        self.render_page(
            "admin.html",
            status,
            person=person,
            a=TEXT[lang],
            error=error,
            notice=notice,
            code=TEXT[lang]["code"].format(code=code) if code else "",
            pending=accounts.pending(self.store),
            accounts=roles.listing(self.store) if is_admin else [],
            is_admin=is_admin,
            roles=ROLES,
        )

    def _allowed(self) -> bool:
        person = current_person(self)
        if person is None:
            self.redirect("/signin?next=/admin")
            return False
        if not may(person, "invite"):
            t = pages.TEXT[self.lang()]
            self.render_page("message.html", 403, heading=t["refused"], text=t["manage"])
            return False
        return True

    def get(self) -> None:
        """Answer a GET request (see the class docstring)."""
        if self._allowed():
            self._show()

    def post(self) -> None:
        """Answer a POST request (see the class docstring)."""
        if not self._allowed():
            return
        actor = current_person(self)
        action = self.get_body_argument("action", "")
        login = self.get_body_argument("login", "")
        code = ""
        try:
            if action == "invite":
                code = accounts.invite(self.store, actor)
            elif action == "approve":
                accounts.set_status(self.store, actor, login, "active")
            elif action == "reset":
                accounts.set_password(
                    self.store, actor, login, self.get_body_argument("password", "")
                )
            elif action == "status":
                accounts.set_status(self.store, actor, login, self.get_body_argument("status", ""))
            elif action in ("grant", "revoke"):
                role = self.get_body_argument("role", "")
                if action == "grant":
                    scope = self.get_body_argument("scope", "").split()
                    roles.grant(self.store, login, role, scope=scope or None, by=actor)
                else:
                    roles.revoke(self.store, login, role, by=actor)
            else:
                raise ShegongError(f"unknown action {action!r}")
        except ShegongError as e:
            self._show(403 if "may not" in e.message() else 400, error=e.message())
            return
        what = f"{action} {login}".strip()
        self._show(notice=TEXT[self.lang()]["done"].format(what=what), code=code)
