"""The front server over HTTP (issue 14): sign-in before anything, no kernel for the index and fresh
reports, roles and scope before a kernel starts, XSRF, the Host allow-list, security headers,
escaped URL values, the lockout, the kernel cap's busy page. A real server on 127.0.0.1."""

import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
import requests

from shegong.config import project_root
from shegong.errors import ConfigError
from shegong.training import accounts
from shegong.training.progress import ProgressStore
from shegong.training.roles import grant

from .portal import running_portal, signed_in, xsrf

LEAGUE, COUNTY, STATION, OTHER = "152200000000", "152201000000", "152201100000", "152201101000"
ORG_UNITS = f"""code,name,parent_code,level,unit_type,aliases
{LEAGUE},兴安盟,,2,admin,
{COUNTY},乌兰浩特市,{LEAGUE},3,admin,
{STATION},义勒力特镇社工站,{COUNTY},4,station,
{OTHER},和平街道社工站,{COUNTY},4,station,
"""
PASSWORD = "front-test-2021"
PAYLOAD = "<img src=x onerror=alert(1)>"


def build_workspace(root):
    """A workspace with org units, a yearly indicator, and a fresh executed report of STATION."""
    (root / "inputs").mkdir(parents=True)
    (root / "inputs" / "org_units.csv").write_text(ORG_UNITS, encoding="utf-8")
    (root / "indicators").mkdir()
    pd.DataFrame({"period": ["2021"], "org_unit": [LEAGUE]}).to_parquet(
        root / "indicators" / "indicators.parquet"
    )
    reports = root / "reports" / "2021"
    reports.mkdir(parents=True)
    cells = [
        {
            "cell_type": "code",
            "source": "",
            "metadata": {},
            "execution_count": 1,
            "outputs": [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "text/html": [
                            "<table class='shegong-kpi'><tr><td>D1</td>",
                            "<td>7</td></tr></table>",
                        ]
                    },
                },
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/markdown": "## 服务概况"},
                },
            ],
        }
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    time.sleep(0.01)
    for code in (STATION, OTHER):
        (reports / f"{code}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    manifest = {
        "units": [
            {"org_unit": c, "status": "ok", "parameters": {"lang": "zh"}} for c in (STATION, OTHER)
        ]
    }
    (reports / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for f in reports.glob("*.ipynb"):  # newer than the template and every input
        os.utime(f, (time.time() + 5, time.time() + 5))
    assert (project_root() / "notebooks" / "reports" / "pilot_year_report.ipynb").exists()
    store = ProgressStore.open(workspace=root)
    for login, role, scope in (
        ("admin", "admin", None),
        ("trainer-li", "trainer", None),
        ("station-1", "station", [STATION]),
        ("trainee-liu", "trainee", None),
    ):
        accounts.create_account(store, login, PASSWORD)
        grant(store, login, role, scope=scope)
    store.close()
    return root


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("front") / "ws")


@pytest.fixture(scope="module")
def portal(workspace):
    with running_portal(workspace, kernel_cap=1, queue_seconds=1, cull_idle_timeout=60) as p:
        yield p


def _get(url, session=None, **kw):
    return (session or requests).get(url, allow_redirects=False, timeout=60, **kw)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "?unit=152201100000",
        "?app=grading",
        "?app=cohort",
        "?app=mentoring",
        "?module=m01-ethics",
        "?project=P1",
        "admin",
    ],
)
def test_anonymous_requests_are_sent_to_the_sign_in_page(portal, path):
    reply = _get(portal.url + path)
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/signin")
    assert portal.kernels() == 0


def test_sign_in_sets_a_strict_httponly_session_cookie_and_needs_xsrf(portal):
    s = requests.Session()
    token = xsrf(s, portal.url + "signin")
    no_xsrf = s.post(
        portal.url + "signin",
        data={"login": "admin", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert no_xsrf.status_code == 403
    wrong = s.post(
        portal.url + "signin",
        data={"_xsrf": token, "login": "admin", "password": "x"},
        allow_redirects=False,
        timeout=30,
    )
    assert wrong.status_code == 401 and "login or password is wrong" in wrong.text
    ok = s.post(
        portal.url + "signin",
        data={"_xsrf": token, "login": "ADMIN", "password": PASSWORD, "next": "//evil.example/"},
        allow_redirects=False,
        timeout=30,
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/"  # never to another host
    cookie = next(c for c in ok.headers["Set-Cookie"].split(", _") if "shegong_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert "expires" not in cookie.lower()  # ends with the browser, or earlier on the server
    index = _get(portal.url, s)
    assert index.status_code == 200 and "义勒力特镇社工站" in index.text and "admin" in index.text
    out = s.post(
        portal.url + "signout",
        data={"_xsrf": xsrf(s, portal.url)},
        allow_redirects=False,
        timeout=30,
    )
    assert out.status_code == 302
    replay = requests.get(
        portal.url,
        cookies={
            "shegong_session": s.cookies.get("shegong_session")
            or cookie.split("=", 1)[1].split(";")[0]
        },
        allow_redirects=False,
        timeout=30,
    )
    assert replay.status_code == 302  # the ended session's cookie no longer signs in


def test_index_and_fresh_reports_need_no_kernel(portal):
    s = signed_in(portal.url, "admin", PASSWORD)
    report = _get(portal.url + f"?unit={STATION}&year=2021", s)
    assert (
        report.status_code == 200
        and "shegong-kpi" in report.text
        and "<h2>服务概况</h2>" in report.text
    )
    assert _get(portal.url + "?year=2021", s).status_code == 200
    assert portal.kernels() == 0


def test_every_page_carries_the_security_headers(portal):
    s = signed_in(portal.url, "admin", PASSWORD)
    for path in ("", "signin", f"?unit={STATION}&year=2021", "admin", "voila/static/voila.js"):
        headers = _get(portal.url + path, s).headers
        if path.startswith("voila/static"):
            continue  # a script file: no page
        csp = headers["Content-Security-Policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
        assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_foreign_host_is_refused_pages_static_files_and_websockets(portal):
    s = signed_in(portal.url, "admin", PASSWORD)
    for path in (
        "",
        "signin",
        "voila/static/voila.js",
        "api/kernels/00000000-0000-0000-0000-000000000000/channels",
    ):
        reply = _get(
            portal.url + path,
            s,
            headers={
                "Host": "rebind.example",
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
        assert reply.status_code == 403, path
    assert _get(portal.url + "signin", s, headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize("param", ["unit", "lang", "app", "module", "project", "scope", "search"])
def test_a_reflected_payload_is_text_in_every_parameter(portal, param):
    s = signed_in(portal.url, "admin", PASSWORD)
    reply = _get(portal.url, s, params={param: PAYLOAD, "year": "2021"})
    assert "<img src=x" not in reply.text
    if param != "lang":  # an unknown language is Chinese; every other value is shown, as text
        assert "onerror=alert(1)&gt;" in reply.text
    assert reply.status_code == (200 if param in ("search", "lang") else 404)
    assert portal.kernels() == 0  # a bad value costs no kernel


def test_a_station_account_reads_its_own_station_only(portal):
    s = signed_in(portal.url, "station-1", PASSWORD)
    assert _get(portal.url + f"?unit={STATION}&year=2021", s).status_code == 200
    other = _get(portal.url + f"?unit={OTHER}&year=2021", s)
    assert other.status_code == 403 and "outside the scope" in other.text
    assert _get(portal.url + f"?unit={COUNTY}&year=2021", s).status_code == 403
    index = _get(portal.url + "?year=2021", s).text
    assert "义勒力特镇社工站" in index and "和平街道社工站" not in index
    assert portal.kernels() == 0


def test_a_trainee_cannot_open_trainer_apps_nor_claim_another_login(portal):
    s = signed_in(portal.url, "trainee-liu", PASSWORD)
    for app in ("grading", "cohort"):
        reply = _get(portal.url + f"?app={app}", s, headers={"X-Shegong-Login": "admin"})
        assert reply.status_code == 403, app
    assert _get(portal.url + "admin", s).status_code == 403
    assert _get(portal.url + f"?unit={STATION}", s).status_code == 403  # reports: evaluators …
    assert portal.kernels() == 0


def test_the_kernel_cap_answers_busy_with_a_retry_time(portal):
    s = signed_in(portal.url, "trainer-li", PASSWORD)
    first = _get(portal.url + "?app=mentoring", s)
    assert first.status_code == 200 and portal.kernels() == 1
    busy = _get(portal.url + "?module=m01-ethics&lang=en", s)
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
    assert "retry in" in busy.text and 'http-equiv="refresh"' in busy.text
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', first.text).group(1)
    assert (
        s.delete(
            portal.url + f"api/kernels/{kernel}",
            headers={"X-XSRFToken": s.cookies["_xsrf"]},
            timeout=30,
        ).status_code
        == 204
    )


def test_five_failed_sign_ins_lock_the_account_and_the_address_behind_a_proxy(workspace):
    """Behind a configured proxy the client is the last X-Forwarded-For address: 5 failures lock
    the account (even with the right password) and that address (even for another account)."""
    store = ProgressStore.open(workspace=workspace)
    accounts.create_account(store, "lock-me", PASSWORD)  # its own account: the others stay open
    store.close()
    with running_portal(workspace, trusted_proxies=["127.0.0.1"]) as p:
        s = requests.Session()
        token = xsrf(s, p.url + "signin")

        def attempt(login, password, client):
            return s.post(
                p.url + "signin",
                data={"_xsrf": token, "login": login, "password": password},
                headers={"X-Forwarded-For": f"203.0.113.9, {client}"},
                allow_redirects=False,
                timeout=30,
            )

        codes = [attempt("lock-me", "nope", "10.0.0.7").status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        locked = attempt("lock-me", PASSWORD, "10.0.0.8")
        assert locked.status_code == 429 and 800 < int(locked.headers["Retry-After"]) <= 901
        assert attempt("admin", PASSWORD, "10.0.0.7").status_code == 429  # the address
        assert attempt("admin", PASSWORD, "10.0.0.8").status_code == 302


def test_the_session_key_and_the_store_are_owner_only(portal, workspace, tmp_path):
    import stat

    from shegong.serving.security import session_secret

    key = tmp_path / "keys" / "session.key"
    first = session_secret(key)
    assert session_secret(key) == first and len(first) == 32  # created once, then read
    for f in (key, Path(os.environ["SHEGONG_SESSION_KEY_FILE"]), workspace / "progress.sqlite"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    key.write_bytes(b"short")
    with pytest.raises(ConfigError, match="damaged"):
        session_secret(key)


def _post(session, url, **data):
    return session.post(
        url, data={"_xsrf": session.cookies["_xsrf"], **data}, allow_redirects=False, timeout=60
    )


def test_accounts_in_the_browser_invite_register_reset_disable_grant(portal, workspace):
    from shegong.people import read_audit

    trainer = signed_in(portal.url, "trainer-li", PASSWORD)
    page = _post(trainer, portal.url + "admin", action="invite")
    code = re.search(r"(?:邀请码|Invitation code)[^：:]*[：:] ?([0-9A-F]{10})", page.text).group(1)
    assert "shegong-accounts" not in page.text  # the account list is the admins'
    newcomer = requests.Session()
    xsrf(newcomer, portal.url + "register")
    form = dict(
        login="Wang.Min",
        password="wangmin-steppe-7",
        display_name="王敏",
        station_code=STATION,
        role="volunteer",
    )
    refused = _post(newcomer, portal.url + "register", **form, invitation="WRONG")
    assert refused.status_code == 400 and "invitation" in refused.text
    ok = _post(newcomer, portal.url + "register", **form, invitation=code)
    assert ok.status_code == 302 and "notice=registered" in ok.headers["Location"]
    store = ProgressStore.open(workspace=workspace)
    me = store.trainee("wang.min")
    assert (me.display_name, me.station_code, me.station) == ("王敏", STATION, "义勒力特镇社工站")
    signed_in(portal.url, "wang.min", "wangmin-steppe-7")
    assert (
        _post(
            trainer,
            portal.url + "admin",
            action="reset",
            login="wang.min",
            password="wangmin-river-8",
        ).status_code
        == 200
    )
    with pytest.raises(AssertionError):
        signed_in(portal.url, "wang.min", "wangmin-steppe-7")  # the old password is gone
    assert (
        _post(
            trainer, portal.url + "admin", action="status", login="wang.min", status="disabled"
        ).status_code
        == 403
    )  # only admins disable
    admin = signed_in(portal.url, "admin", PASSWORD)
    listed = _get(portal.url + "admin", admin).text
    assert "shegong-accounts" in listed and "wang.min" in listed
    assert (
        _post(
            admin,
            portal.url + "admin",
            action="grant",
            login="wang.min",
            role="evaluator",
            scope=COUNTY,
        ).status_code
        == 200
    )
    from shegong.training.roles import person

    assert person(store, "wang.min").roles == {"trainee", "evaluator"}
    assert person(store, "wang.min").scope == {COUNTY}
    assert (
        _post(
            admin, portal.url + "admin", action="status", login="wang.min", status="disabled"
        ).status_code
        == 200
    )
    with pytest.raises(AssertionError):
        signed_in(portal.url, "wang.min", "wangmin-river-8")
    actions = [(e["actor"], e["action"], e["target"]) for e in read_audit(workspace)]
    assert ("trainer-li", "reset_password", "wang.min") in actions
    assert ("admin", "grant", "wang.min") in actions and (
        "admin",
        "set_status",
        "wang.min",
    ) in actions
    store.close()


def test_public_reports_are_read_only_for_anonymous_visitors(workspace):
    with running_portal(workspace, public_reports=True) as p:
        index = _get(p.url + "?year=2021")
        assert index.status_code == 200 and "义勒力特镇社工站" in index.text
        assert "/?app=" not in index.text and "/?module=" not in index.text  # no apps listed
        report = _get(p.url + f"?unit={STATION}&year=2021")
        assert report.status_code == 200 and "shegong-kpi" in report.text
        for path in (f"?unit={STATION}&year=2021&lang=en", "?app=mentoring", "?module=m01-ethics"):
            reply = _get(p.url + path)  # a live report or an app needs a kernel: sign in first
            assert reply.status_code == 302 and reply.headers["Location"].startswith("/signin")
        assert _get(p.url + "admin").status_code == 302
        assert p.kernels() == 0
