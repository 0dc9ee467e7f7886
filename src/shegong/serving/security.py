"""Security pieces of the front server (issue 14): the session cookie's identity provider, the
session key file, the client address, the Host allow-list and the security headers of every page.

Shared by :mod:`shegong.serving.front` (the application) and :mod:`shegong.serving.signin` (the
pages that start and end sessions).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import tornado.web
from jupyter_server.auth.identity import IdentityProvider, User
from tornado.httputil import HTTPServerRequest, split_host_and_port

from shegong.config import setting
from shegong.errors import ConfigError
from shegong.people import Person
from shegong.training.roles import person
from shegong.training.sessions import session_login

COOKIE = "shegong_session"
#: the one inline script Voila's handler writes (a keep-alive during long cells), allowed by hash
HEARTBEAT = "window.voila_heartbeat()"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def security_headers(*, unsafe_eval: bool = False) -> dict[str, str]:
    """Headers of every served page: a Content-Security-Policy that allows scripts from this server
    only (plus the hash of Voila's heartbeat), no plugins, no framing by other sites; no MIME
    sniffing; no referrer to other sites. ``unsafe_eval`` adds ``'unsafe-eval'`` (see
    :attr:`Portal.allow_unsafe_eval`)."""
    script = f"'self' {_sha256(HEARTBEAT)}" + (" 'unsafe-eval'" if unsafe_eval else "")
    csp = "; ".join(
        (
            "default-src 'self'",
            f"script-src {script}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        )
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN",
    }


def session_secret(path: Path | None = None) -> bytes:
    """The key that signs session cookies: ``SHEGONG_SESSION_KEY_FILE`` (default
    ``~/.config/shegong/session.key``, outside the repository), 32 random bytes created 0600 on
    first use. Raises :class:`ConfigError` for a damaged or unreadable file."""
    path = path or Path(setting("SHEGONG_SESSION_KEY_FILE") or "").expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            key = path.read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot read the session key {path}: {e.strerror}") from e
        if len(key) != 32:
            raise ConfigError(
                f"session key {path} is damaged: delete it (everyone signs in again)"
            ) from None
        return key
    except OSError as e:
        raise ConfigError(f"cannot create the session key {path}: {e.strerror}") from e
    key = os.urandom(32)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(key)
    return key


def client_address(request: HTTPServerRequest, proxies: list[str]) -> str:
    """The client's address: the peer, or — only when the peer is a configured proxy — the last
    address of ``X-Forwarded-For`` (the one that proxy appended)."""
    peer = request.remote_ip or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if peer in proxies and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def host_allowed(request: HTTPServerRequest, allowed: list[str]) -> bool:
    """Whether the request's ``Host`` (without port) is loopback or one of ``allowed``."""
    host, _ = split_host_and_port(request.host.lower())
    host = host.strip("[]")
    return host in LOOPBACK or host in allowed


class SessionIdentity(IdentityProvider):
    """The workbench's own sign-in: the signed session cookie, checked against the store."""

    @property
    def auth_enabled(self) -> bool:
        """Authentication is always on: the front server's session identifies the person."""
        return True

    @property
    def login_available(self) -> bool:
        """Sign-in is offered (at ``/signin``)."""
        return True

    def get_handlers(self) -> list:
        """No handlers of jupyter_server's own login: the portal has its own."""
        return []  # /signin, /register, /signout are the portal's (shegong.serving.signin)

    def get_user(self, handler: tornado.web.RequestHandler) -> User | None:
        """The signed-in person of ``handler``'s session cookie as a jupyter_server user, or
        None."""
        token = handler.get_signed_cookie(COOKIE, max_age_days=1)
        if not token:
            return None
        login = session_login(handler.settings["shegong_store"], token.decode())
        return User(username=login) if login else None


def current_person(handler: tornado.web.RequestHandler) -> Person | None:
    """The signed-in person of a request (roles and scope from the store), or ``None``."""
    user = getattr(handler, "current_user", None)
    if user is None:
        return None
    return person(handler.settings["shegong_store"], user.username)
