"""The front server (issue 14, DESIGN.md §2.4 and §7): every request is authenticated before a
kernel starts, in one Tornado/Jupyter-server process that both deployments share.

:class:`Portal` is Voila's application with its handlers rearranged:

* identity — a jupyter_server ``IdentityProvider``. Standalone (``shegong serve``) it is
  :class:`SessionIdentity`: the workbench's own sign-in (:mod:`shegong.serving.signin`) and a
  signed, HttpOnly, SameSite=Strict session cookie (``Secure`` over TLS) whose token is checked
  against the progress store on every request (idle sign-out, expiry, sign-out, disabled
  accounts: :mod:`shegong.training.sessions`). **The JupyterHub seam**: under the hub the portal
  runs as a hub service with ``--Portal.identity_provider_class`` set to the hub's OAuth identity
  provider (``jupyterhub.services.auth``/``HubOAuth``, issue 11); everything below only reads
  ``handler.current_user.username``, so nothing else changes;
* ``/`` — :class:`PortalHandler`: the index and fresh reports are rendered here without a kernel
  (:mod:`shegong.serving.pages`); widget apps (``?app=``, ``?module=``) and live reports go to
  Voila's renderer, under :attr:`Portal.kernel_cap` concurrent kernels (a request waits up to
  :attr:`Portal.queue_seconds` for a slot, then gets a "busy, retry in N s" page, status 503);
* the person reaches the kernel from the authenticated request only: the handler drops every
  ``X-Shegong-*`` header the client sent and sets ``X-Shegong-Login`` to the session's login;
  Voila copies it into the kernel's environment (``HTTP_X_SHEGONG_LOGIN``,
  ``VoilaConfiguration.http_header_envs``) and :func:`prelaunch_hook` refuses to start a kernel
  unless that header is the signed-in person — never a URL value, a notebook parameter or the
  server's OS account;
* every response carries the security headers of :func:`security_headers` (a script-limiting
  Content-Security-Policy without ``'unsafe-inline'``, ``object-src 'none'``,
  ``frame-ancestors 'self'``), and a request whose ``Host`` is not 127.0.0.1, localhost or a
  configured name gets 403 before any handler runs — websockets and static files too
  (:class:`HostCheckedApplication`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import tornado.web
from jupyter_server.auth.decorator import allow_unauthenticated
from tornado.httputil import HTTPServerRequest
from traitlets import Bool, Float, Int, List, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from shegong.config import Workspace, language
from shegong.errors import AccessError, ConfigError
from shegong.indicators.projects import projects_file
from shegong.people import check
from shegong.reports.archive import archived_report
from shegong.serving import admin, pages, signin
from shegong.serving.security import (
    LOOPBACK,
    SessionIdentity,
    current_person,
    host_allowed,
    security_headers,
    session_secret,
)
from shegong.training.answer_keys import protect_keys
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ProgressStore
from shegong.training.roles import unit_ancestors
from shegong.widgets.apps import APPS

LOGIN_HEADER = "X-Shegong-Login"


class ForbiddenHost(tornado.web.RequestHandler):
    """403 for a request whose Host is not on the allow-list (DNS rebinding)."""

    def prepare(self) -> None:
        """Run before every request: the checks of this handler (see the class docstring)."""
        for name, value in security_headers().items():
            self.set_header(name, value)
        self.set_status(403)
        self.finish("403: unknown Host / 未知的主机名")


class HostCheckedApplication(tornado.web.Application):
    """A Tornado application that answers 403 to every request (pages, static files, websockets)
    whose Host is not allowed, before routing it."""

    def find_handler(self, request: HTTPServerRequest, **kwargs):  # noqa: ANN201 - Tornado's type
        """Refuse requests for a Host outside the allow-list, else route as Tornado does."""
        if not host_allowed(request, self.settings.get("shegong_hosts", [])):
            self.settings["shegong_log"].warning(
                "refused Host %r from %s", request.host, request.remote_ip
            )
            return self.get_handler_delegate(request, ForbiddenHost)
        return super().find_handler(request, **kwargs)


def prelaunch_hook(req: tornado.web.RequestHandler, notebook, cwd: str):  # noqa: ANN001, ANN201
    """Voila's hook before a kernel starts: refuse unless the request is signed in and carries the
    login the portal set from the session (so no kernel ever starts for an anonymous request, nor
    with a person the client named)."""
    user = getattr(req, "current_user", None)
    if user is None or req.request.headers.get(LOGIN_HEADER) != user.username:
        raise tornado.web.HTTPError(403, "sign in first")
    return notebook


_CODE = re.compile(r"^\d{12}$")


def _bad_query(ws: Workspace, query: dict[str, str]) -> str:
    """Why a query names nothing served (an unknown unit, app, module or a malformed year), before
    any kernel starts; empty when it is fine. The values are quoted as text by the page."""

    if "year" in query and not query["year"].isdigit():
        return f"year {query['year']!r}: a year such as 2021"
    if "unit" in query:
        if not _CODE.match(query["unit"]) or query["unit"] not in pages.org_units(ws):
            return f"unit {query['unit']!r}: no such org unit (a 12-digit code of the index)"
    if "app" in query and query["app"] not in APPS:
        return f"app {query['app']!r}: one of {', '.join(APPS)}"
    if "module" in query:
        if query["module"] not in dict(pages.module_links("zh")):
            return f"module {query['module']!r}: no such training module"
    if "project" in query and query["project"] not in _project_ids(ws):
        return f"project {query['project']!r}: no such project, programme, funder or round"
    if "scope" in query and query["scope"] not in ("project", "programme", "funder", "round"):
        return f"scope {query['scope']!r}: project, programme, funder or round"
    return ""


def _project_ids(ws: Workspace) -> set[str]:
    if not projects_file(ws).exists():
        return set()
    import pyarrow.parquet as pq  # heavy: only when a project is asked for

    return set(pq.read_table(projects_file(ws), columns=["scope_id"]).column(0).to_pylist())


class PortalHandler(TornadoVoilaHandler):
    """``/``: index and fresh reports without a kernel; apps and live reports through Voila."""

    def prepare(self):  # noqa: ANN201 - jupyter_server's prepare is a coroutine
        """Run before every request: the checks of this handler (see the class docstring)."""
        for name in [n for n in self.request.headers if n.lower().startswith("x-shegong-")]:
            del self.request.headers[name]  # the person is never the client's to name
        return super().prepare()

    @property
    def content_security_policy(self) -> str:
        """The Content-Security-Policy header of Voila's pages (see
        :mod:`shegong.serving.security`)."""
        return self.settings["headers"]["Content-Security-Policy"]

    def _page(self, status: int, heading: str, text: str, **kw) -> None:  # noqa: ANN003
        self.set_status(status)
        self.finish(
            pages.message_page(
                self.lang,
                heading,
                text,
                person=self.person,
                xsrf_form_html=self.xsrf_form_html,
                **kw,
            )
        )

    def _sign_in_first(self) -> None:
        self.redirect("/signin?next=" + quote(self.request.uri or "/", safe=""))

    @allow_unauthenticated  # the handler itself decides (public reports, sign-in redirect)
    async def get(self, path=None) -> None:  # noqa: ANN001 - Voila's signature
        """Answer a GET request (see the class docstring)."""
        app: Portal = self.settings["shegong_portal"]
        query = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        try:
            self.lang = language(query.get("lang") or "zh")
        except ConfigError:
            self.lang = "zh"
        self.person = current_person(self)
        ws = app.workspace_dir
        if self.person is None and not app.public_reports:
            self._sign_in_first()
            return
        problem = _bad_query(ws, query)
        if problem:
            t = pages.TEXT[self.lang]
            self._page(404, t["not_found"], problem)
            return
        if "app" in query or "module" in query or "project" in query:
            await self._voila(app, query)
            return
        if "unit" in query:
            await self._report(app, ws, query)
            return
        self.finish(
            pages.index_page(
                ws,
                self.lang,
                query,
                person=self.person,
                public=app.public_reports,
                xsrf_form_html=self.xsrf_form_html,
            )
        )

    async def _report(self, app: Portal, ws: Workspace, query: dict[str, str]) -> None:
        code, t = query["unit"], pages.TEXT[self.lang]
        if self.person is None and not app.public_reports:
            self._sign_in_first()
            return
        if self.person is not None and not app.public_reports:
            try:
                check(
                    self.person,
                    "read_unit",
                    unit=code,
                    ancestors=unit_ancestors(self.settings["shegong_store"]),
                )
            except AccessError as e:
                self._page(403, t["refused"], e.message())
                return
        year = pages.year_of(query.get("year"), ws)
        archived = archived_report(ws, code, year, self.lang)
        if archived.status == "fresh" and archived.path is not None:
            units = pages.org_units(ws)
            name = units.name(code) if code in units else code
            self.finish(
                pages.report_page(
                    name,
                    archived.path,
                    self.lang,
                    year,
                    person=self.person,
                    xsrf_form_html=self.xsrf_form_html,
                )
            )
            return
        await self._voila(app, query)  # live: a kernel, for a signed-in person only

    async def _voila(self, app: Portal, query: dict[str, str]) -> None:
        t = pages.TEXT[self.lang]
        if self.person is None:
            self._sign_in_first()
            return
        try:
            if query.get("app") in pages.STAFF_APPS:
                check(self.person, "read_answers")
            if "project" in query or "unit" in query:
                check(self.person, "read_unit")
        except AccessError as e:
            self._page(403, t["refused"], e.message())
            return
        if not await app.admit():
            self.set_header("Retry-After", str(app.retry_after))
            self._page(
                503,
                t["busy"],
                t["busy_text"].format(n=app.retry_after),
                refresh=app.retry_after,
            )
            return
        try:
            self.request.headers[LOGIN_HEADER] = self.person.login
            await super().get()
        finally:
            app.release_slot()


class Portal(Voila):
    """``shegong serve``: Voila with the portal's identity, routes, kernel cap and headers."""

    name = "shegong-portal"
    workspace = Unicode("workspace", help="the workspace served").tag(config=True)
    public_reports = Bool(
        False, help="index and fresh reports readable without sign-in (read-only)"
    ).tag(config=True)
    allowed_hosts = List(
        Unicode(), [], help="Host names served besides 127.0.0.1 and localhost"
    ).tag(config=True)
    trusted_proxies = List(
        Unicode(), [], help="peer addresses whose X-Forwarded-For is believed"
    ).tag(config=True)
    kernel_cap = Int(8, help="widget apps and live reports running at once (kernels)").tag(
        config=True
    )
    queue_seconds = Float(10.0, help="how long a request waits for a free kernel slot").tag(
        config=True
    )
    retry_after = Int(30, help="seconds the busy page asks to wait").tag(config=True)
    registration = Unicode(
        "invitation", help="trainee registration: invitation, approval or closed"
    ).tag(config=True)
    allow_unsafe_eval = Bool(
        False, help="add 'unsafe-eval' to script-src (only if the widget front end needs it)"
    ).tag(config=True)
    session_key_file = Unicode("", help="the session key (default see session_secret)").tag(
        config=True
    )

    @default("identity_provider_class")
    def _default_identity(self) -> type:
        return SessionIdentity  # the JupyterHub seam: the hub's OAuth provider replaces it

    def initialize(self, argv=None) -> None:  # noqa: ANN001
        """Parse the command line, then set up the portal's settings."""
        super().initialize(argv)
        self.workspace_dir = Workspace.at(self.workspace, create=False)
        self.store = ProgressStore.open(workspace=self.workspace_dir.root)

        protect_keys(load_curricula())  # answer keys owner-only before anyone signs in
        self.voila_configuration.prelaunch_hook = prelaunch_hook
        self.voila_configuration.http_header_envs = [LOGIN_HEADER]
        self.voila_configuration.preheat_kernel = False
        self.cookie_secret = session_secret(
            Path(self.session_key_file) if self.session_key_file else None
        )
        self._in_flight = 0

    async def admit(self) -> bool:
        """Wait up to :attr:`queue_seconds` for a kernel slot (running kernels + starting pages
        below
        :attr:`kernel_cap`); reserve it and return True, or False when the server stays busy."""
        deadline = time.monotonic() + self.queue_seconds
        while True:
            if len(self.kernel_manager.list_kernel_ids()) + self._in_flight < self.kernel_cap:
                self._in_flight += 1
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.25)

    def release_slot(self) -> None:
        """The page's kernel is running (or failed to start): it now counts as a kernel."""
        self._in_flight -= 1

    def init_settings(self) -> dict:
        """Voila's settings plus the portal's (store, session key, kernel cap)."""
        settings = super().init_settings()
        headers = security_headers(unsafe_eval=self.allow_unsafe_eval)
        settings.update(
            allow_remote_access=False,
            local_hostnames=[*LOOPBACK, *self.allowed_hosts],
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Strict", "httponly": False},
            login_url="/signin",
            headers={**settings.get("headers", {}), **headers},
            shegong_store=self.store,
            shegong_portal=self,
            shegong_hosts=[h.lower() for h in self.allowed_hosts],
            shegong_log=self.log,
        )
        return settings

    def init_handlers(self) -> list:
        """The portal's handlers (sign-in, admin, index, reports) before Voila's."""
        handlers = [
            h
            for h in super().init_handlers()
            if h[1] is not TornadoVoilaHandler  # the catch-all renderer: ours is PortalHandler
        ]
        voila_kw = {
            "notebook_path": os.path.relpath(self.notebook_path, self.root_dir),
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
        }
        return [
            *signin.handlers(),
            (r"/admin", admin.AdminHandler),
            *handlers,
            (r"/", PortalHandler, voila_kw),
        ]

    def start(self) -> None:
        """Start serving until interrupted."""
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        settings = self.init_settings()
        self.app = HostCheckedApplication(**settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        try:
            self.listen()
        finally:
            shutil.rmtree(self.connection_dir, ignore_errors=True)


main = Portal.launch_instance

if __name__ == "__main__":
    main()
