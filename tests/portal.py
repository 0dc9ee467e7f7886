"""One way to start the portal, sign in and open Chromium — for the tests (through the fixtures of
``conftest.py``), the benchmarks and ``docs/take_screenshots.py`` (issue 14).

* :func:`running_portal` starts ``shegong serve``'s front server on 127.0.0.1 and a free port, waits
  until it answers, and stops it (and its kernels) afterwards;
* :func:`signed_in` returns a ``requests`` session signed in through the sign-in form (with its
  XSRF token), :func:`sign_in_page` does the same in a Playwright page;
* :func:`chromium_browser` launches Debian's chromium with the project's flags and collects the
  Content-Security-Policy violations every page reports on its console (:data:`CSP_VIOLATIONS`).
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shegong.config import Workspace
from shegong.exports import CHROMIUM_ARGS, chromium_path
from shegong.serving.serve import portal_command, voila_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Portal:
    """A running front server: ``url`` (ends with ``/``), ``proc`` (its process)."""

    url: str
    proc: subprocess.Popen
    log: Path

    def kernels(self) -> int:
        """Live kernels of the server (its ipykernel child processes)."""
        import psutil

        live = 0
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                live += child.status() != psutil.STATUS_ZOMBIE and any(
                    "ipykernel_launcher" in a for a in child.cmdline()
                )
            except psutil.Error:
                pass
        return live


def _up(url: str) -> bool:
    try:
        requests.get(url + "signin", timeout=2, allow_redirects=False)
    except requests.RequestException:
        return False
    return True


@contextlib.contextmanager
def running_portal(workspace: str | Path, log: Path | None = None, **options) -> Iterator[Portal]:  # noqa: ANN003
    """The front server on 127.0.0.1 for ``workspace`` (``options``: those of
    :func:`shegong.serving.serve.portal_command`), stopped afterwards."""
    ws = Workspace.at(workspace, create=False)
    port = free_port()
    log = log or Path(ws.root) / f"portal-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            portal_command(ws, port=port, ip="127.0.0.1", **options),
            env=voila_env(ws),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while not _up(url):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the portal did not start: {log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Portal(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def xsrf(session: requests.Session, url: str) -> str:
    """The XSRF token of a form page (its hidden ``_xsrf`` field)."""
    page = session.get(url, timeout=30).text
    found = re.search(r'name="_xsrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def signed_in(url: str, login: str, password: str) -> requests.Session:
    """A ``requests`` session signed in through ``/signin`` (raises AssertionError if refused)."""
    session = requests.Session()
    token = xsrf(session, url + "signin")
    reply = session.post(
        url + "signin",
        data={"_xsrf": token, "login": login, "password": password, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 302, (reply.status_code, reply.text[:500])
    return session


def sign_in_page(page, url: str, login: str, password: str) -> None:  # noqa: ANN001 - a Playwright page
    """Sign ``page`` in through the sign-in form."""
    page.goto(url + "signin", timeout=60_000)
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("form.shegong-signin button[type=submit]")
    page.wait_for_url(lambda u: "/signin" not in u, timeout=60_000)


@dataclass
class Browser:
    """A launched chromium: ``new_page()`` opens a page whose console CSP reports go to
    ``csp_violations`` (a test asserts it stays empty)."""

    browser: object
    csp_violations: list[str] = field(default_factory=list)

    def new_page(self, **kw):  # noqa: ANN003, ANN201
        page = self.browser.new_page(viewport={"width": 1200, "height": 900}, **kw)
        page.on(
            "console",
            lambda m: (
                self.csp_violations.append(m.text)
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None
            ),
        )
        return page


@contextlib.contextmanager
def chromium_browser(executable: str | None = None) -> Iterator[Browser]:
    """Debian's chromium through Playwright with the project's flags, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable or chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            yield Browser(browser)
        finally:
            browser.close()
