"""Sign-in, sign-out, registration and account management pages of the front server (issue 14).

Every form is POSTed with Tornado's XSRF token; every change is made by a library function that
checks the acting person and writes the audit log (:mod:`shegong.training.accounts`,
:mod:`shegong.training.roles`). Sign-in goes through :func:`shegong.training.sessions.sign_in`
(lockout per account and per client address; the address from ``X-Forwarded-For`` only behind a
configured proxy) and sets the session cookie: signed, HttpOnly, SameSite=Strict, ``Secure`` when
the request came over TLS, no expiry date (the server ends it: idle, maximum age, sign-out).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler

from shegong.config import language
from shegong.errors import ConfigError, ShegongError
from shegong.orgunits import OrgUnits
from shegong.people import may
from shegong.serving import pages
from shegong.serving.security import COOKIE, client_address, current_person
from shegong.training.accounts import register
from shegong.training.progress import ROLES
from shegong.training.sessions import SignInError, end_session, sign_in, start_session


class _Page(JupyterHandler):
    """A portal page: language, person, security headers from the settings."""

    @property
    def content_security_policy(self) -> str:
        return self.settings["headers"]["Content-Security-Policy"]

    @property
    def store(self):  # noqa: ANN201
        return self.settings["shegong_store"]

    @property
    def portal(self):  # noqa: ANN201
        return self.settings["shegong_portal"]

    def write_error(self, status_code: int, **kwargs) -> None:  # noqa: ANN003
        """Errors as the portal's own page (Tornado's message, escaped)."""
        t = pages.TEXT[self.lang()]
        self.finish(
            pages.message_page(self.lang(), str(status_code), self._reason or t["not_found"])
        )

    def lang(self) -> str:
        try:
            return language(self.get_argument("lang", "zh") or "zh")
        except ConfigError:
            return "zh"

    def render_page(self, name: str, status: int = 200, **context) -> None:  # noqa: ANN003
        self.set_status(status)
        person = context.pop("person", current_person(self))
        self.finish(
            pages.render(
                name,
                self.lang(),
                person=person,
                admin_link=may(person, "invite"),
                xsrf_form_html=self.xsrf_form_html,
                **context,
            )
        )


def _next(value: str) -> str:
    """Only a path of this server (never ``//host`` or ``https://…``) is a place to go back to."""
    parts = urlsplit(value or "/")
    if parts.scheme or parts.netloc or not (value or "/").startswith("/") or "\\" in value:
        return "/"
    return value


class SignInHandler(_Page):
    """``/signin``: the form, and the check that starts a session."""

    @allow_unauthenticated
    def get(self) -> None:
        """Answer a GET request (see the class docstring)."""
        self.render_page(
            "signin.html",
            person=None,
            next=_next(self.get_argument("next", "/")),
            login="",
            error="",
            notice=self.get_argument("notice", ""),
            registration=self.portal.registration,
        )

    @allow_unauthenticated
    def post(self) -> None:
        """Answer a POST request (see the class docstring)."""
        address = client_address(self.request, self.portal.trusted_proxies)
        login = self.get_body_argument("login", "")
        try:
            login = sign_in(
                self.store, login, self.get_body_argument("password", ""), address=address
            )
        except SignInError as e:
            if e.retry_after:
                self.set_header("Retry-After", str(e.retry_after))
            self.render_page(
                "signin.html",
                401 if not e.retry_after else 429,
                person=None,
                next=_next(self.get_body_argument("next", "/")),
                login=login,
                error=e.message(),
                notice="",
                registration=self.portal.registration,
            )
            return
        token = start_session(self.store, login, address=address)
        self.set_signed_cookie(
            COOKIE,
            token,
            expires_days=None,
            httponly=True,
            samesite="Strict",
            secure=self.request.protocol == "https",
            path="/",
        )
        self.redirect(_next(self.get_body_argument("next", "/")))


class SignOutHandler(_Page):
    """``/signout``: GET shows the button (a form with the XSRF token), POST ends the session."""

    @allow_unauthenticated
    def get(self) -> None:
        """Answer a GET request (see the class docstring)."""
        t = pages.TEXT[self.lang()]
        self.render_page("message.html", heading=t["sign_out"], text="", error=False, refresh=None)

    @allow_unauthenticated
    def post(self) -> None:
        """Answer a POST request (see the class docstring)."""
        token = self.get_signed_cookie(COOKIE, max_age_days=1)
        if token:
            end_session(self.store, token.decode())
        self.clear_cookie(COOKIE, path="/")
        self.redirect("/signin")


class RegisterHandler(_Page):
    """``/register``: a trainee's account (display name, station, invitation code)."""

    def _stations(self) -> list[tuple[str, str]]:
        frame = OrgUnits.read_csv(self.portal.workspace_dir.org_units_file).frame
        frame = frame[frame["level"] == 4].sort_values("code")
        return list(zip(frame["code"], frame["name"], strict=True))

    def _form(self, status: int, error: str, form: dict[str, str]) -> None:
        lang = self.lang()
        self.render_page(
            "register.html",
            status,
            person=None,
            error=error,
            form=form,
            stations=self._stations(),
            occupations=[(k, v.get(lang, v["zh"])) for k, v in ROLES.items()],
            registration=self.portal.registration,
        )

    @allow_unauthenticated
    def get(self) -> None:
        """Answer a GET request (see the class docstring)."""
        if self.portal.registration == "closed":
            t = pages.TEXT[self.lang()]
            self.render_page("message.html", 403, heading=t["register"], text="closed", error=True)
            return
        keys = ("login", "display_name", "station_code", "role", "invitation")
        self._form(200, "", dict.fromkeys(keys, ""))

    @allow_unauthenticated
    def post(self) -> None:
        """Answer a POST request (see the class docstring)."""
        form = {
            k: self.get_body_argument(k, "")
            for k in ("login", "display_name", "station_code", "role", "invitation")
        }
        stations = dict(self._stations())
        try:
            if form["station_code"] not in stations:
                raise ConfigError("请选择所在社工站 / choose your station")
            _, status = register(
                self.store,
                form["login"],
                self.get_body_argument("password", ""),
                display_name=form["display_name"],
                role=form["role"],
                station=stations[form["station_code"]],
                station_code=form["station_code"],
                invitation=form["invitation"] or None,
                mode=self.portal.registration,
            )
        except ShegongError as e:
            self._form(400, e.message(), form)
            return
        notice = "pending" if status == "pending" else "registered"
        self.redirect(f"/signin?notice={notice}&lang={self.lang()}")


def handlers() -> list[tuple[str, type]]:
    """The routes of this module."""
    return [
        (r"/signin", SignInHandler),
        (r"/signout", SignOutHandler),
        (r"/register", RegisterHandler),
    ]
