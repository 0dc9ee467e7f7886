"""The trainee's assessment notebook, run under a trace of file opens and network calls, never opens
a key file, and no key value is in its outputs or in any object reachable from its namespace
(DESIGN.md §7)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from shegong.training.progress import ProgressStore

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "evaluation" / "assessment.ipynb"
CURRICULA = ROOT / "curricula"

SITECUSTOMIZE = """
import os, sys
_log = os.environ.get("SHEGONG_TRACE_LOG")
if _log:
    _fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    def _hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            os.write(_fd, ("open\\t" + os.fsdecode(args[0]) + "\\n").encode("utf-8", "replace"))
        elif event in ("socket.connect", "socket.sendto", "urllib.Request", "socket.getaddrinfo"):
            shown = repr(args[1:2] if event.startswith("socket.") else args[:1])
            os.write(_fd, (event + "\\t" + shown + "\\n").encode("utf-8", "replace"))
    sys.addaudithook(_hook)
"""

# Appended to the notebook: answer, submit, then dump every string reachable from the user
# namespace.
PROBE = """
import gc, json, os
app = _
app.signin.login.value, app.signin.password.value = "trace-trainee", "trace-pass-2021"
app.signin.sign_in_button.click()  # outside the portal the trainee signs in (no hub variable)
app.items["s01"].choice.value = "b"
app.items["s04"].text.value = "未经本人同意，不能告诉网格员。"
assert app.send() is not None
seen, stack, strings = set(), [v for k, v in globals().items() if not k.startswith("_")], set()
while stack and len(seen) < 3_000_000:
    obj = stack.pop()
    if id(obj) in seen:
        continue
    seen.add(id(obj))
    if isinstance(obj, str):
        if len(obj) >= 4:
            strings.add(obj)
        continue
    if isinstance(obj, (bytes, int, float)):
        continue
    stack.extend(gc.get_referents(obj))
with open(os.environ["SHEGONG_STRINGS_OUT"], "w", encoding="utf-8") as fh:
    json.dump(sorted(strings), fh)  # ASCII escapes: surrogates survive
print("probe", len(seen), len(strings))
"""


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str):
        yield value.strip()


def key_values() -> set[str]:
    """Distinctive key strings: texts of the key files (why, rubric, model answers) found in no
    trainee-side file — Chinese texts of 4+ characters or English ones of 16+ (ids such as `refuse`
    are ordinary words)."""
    public = "".join(
        p.read_text(encoding="utf-8")
        for p in CURRICULA.rglob("*")
        if p.is_file() and p.name != "keys.yaml" and p.suffix in (".yaml", ".md", ".csv")
    )
    values = set()
    for keys in CURRICULA.glob("*/keys.yaml"):
        values |= {
            v
            for v in _leaves(yaml.safe_load(keys.read_text(encoding="utf-8"))["keys"])
            if v not in public and (len(v) >= 16 or (len(v) >= 4 and not v.isascii()))
        }
    return values


def test_assessment_notebook_never_opens_or_holds_a_key(tmp_path):
    secrets = key_values()
    assert len(secrets) >= 20  # rubric names, descriptions, model answers, whys
    trace_dir = tmp_path / "trace"
    trace_dir.mkdir()
    (trace_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    run = tmp_path / "assessment.ipynb"
    nbformat.write(nb, run)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHEGONG_", "JUPYTERHUB_", "PYTEST_"))
    }
    env.update(
        SHEGONG_DATABASE_URL=f"sqlite:///{tmp_path / 'progress.sqlite'}",
        SHEGONG_KEY_FILE=str(tmp_path / "p.key"),
        SHEGONG_WORKSPACE=str(tmp_path / "ws"),
        JUPYTERHUB_USER="someone-else",  # never read: identity is a sign-in, not a variable
        SHEGONG_TRACE_LOG=str(tmp_path / "opens.log"),
        SHEGONG_STRINGS_OUT=str(tmp_path / "strings.json"),
        PYTHONPATH=str(trace_dir),
    )
    store = ProgressStore(env["SHEGONG_DATABASE_URL"])
    old_key = os.environ.get("SHEGONG_KEY_FILE")
    os.environ["SHEGONG_KEY_FILE"] = env["SHEGONG_KEY_FILE"]
    try:
        from shegong.training.accounts import create_account

        create_account(store, "trace-trainee", "trace-pass-2021")
        store.add_trainee("trace-trainee", role="volunteer", station="152201101")
    finally:
        os.environ["SHEGONG_KEY_FILE"] = old_key or ""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=120",
            "--output",
            "executed.ipynb",
            str(run),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    log = (tmp_path / "opens.log").read_text(encoding="utf-8").splitlines()
    opened = [line.split("\t", 1)[1] for line in log if line.startswith("open\t")]
    assert any(
        p.endswith("summative.yaml") for p in opened
    )  # the trace sees the curriculum being read …
    assert not [p for p in opened if p.endswith("keys.yaml") or "/keys/" in p]  # … and no key file
    network = [line for line in log if not line.startswith("open\t")]
    assert all(
        "127.0.0.1" in line or "localhost" in line or "AF_UNIX" in line for line in network
    ), network

    executed = (tmp_path / "executed.ipynb").read_text(encoding="utf-8")
    assert "probe" in executed and "已提交" in executed  # the app rendered and the answers went in
    strings = json.loads((tmp_path / "strings.json").read_text(encoding="utf-8"))
    assert len(strings) > 1000  # the walk reached the app, library and modules
    blob = "\n".join(strings)
    assert [s for s in secrets if s in blob] == []
    assert [s for s in secrets if s in executed] == []
    with store.engine.connect() as c:
        assert c.exec_driver_sql("select count(*) from submissions").scalar() == 1
        assert c.exec_driver_sql("select count(*) from item_scores").scalar() == 0
    store.close()
