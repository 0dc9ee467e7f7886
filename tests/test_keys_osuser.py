"""Real isolation: a second local OS user (the trainee) cannot read the trainer's 0600 key file,
while the trainer's grading works and the trainee sees the released scores (DESIGN.md §7).

Runs only as root (CI): it creates the user with ``useradd`` and removes it afterwards. The
trainee's process uses the system Python 3.11 with the project's site-packages, because the venv's
interpreter lives under /root, which another user cannot enter.
"""

import json
import os
import pwd
import shutil
import site
import subprocess
import tempfile
from pathlib import Path

import pytest

from shegong.trainer import marking as M
from shegong.training import assessment as A
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ProgressStore
from shegong.training.roles import grant

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3.11")

TRAINEE = r"""
import json, os, site, sys
site.addsitedir(os.environ["VENV_SITE"])
from shegong.training.assessment import load_assessments, results, submit
from shegong.training.curriculum import load_curricula
from shegong.errors import KeyAccessError
from shegong.training.progress import ProgressStore

store = ProgressStore.open()
mods = load_curricula()
a = load_assessments(mods)["m01-final"]
out = {"uid": os.getuid()}
if sys.argv[1] == "submit":
    t = store.add_trainee("liu", role="volunteer", station="152201101")
    answers = {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象",
               "s04": {"text": "未经本人同意不能披露，可与家属制定安全计划。"}}
    submit(store, t, a, mods["m01-ethics"], answers, seconds=42)
    key = mods["m01-ethics"].path / "keys.yaml"
    try:
        key.read_text(encoding="utf-8")
        out["open"] = "read"
    except PermissionError as e:
        out["open"] = "PermissionError"
    try:
        from shegong.training.answer_keys import load_keys
        load_keys(mods["m01-ethics"])
        out["load_keys"] = "read"
    except KeyAccessError as e:
        out["load_keys"] = type(e).__name__ + ": " + str(e)
        out["is_permission_error"] = isinstance(e, PermissionError) and isinstance(
            e.__cause__, PermissionError)
    try:
        from shegong.trainer.marking import auto_score
        auto_score(store, {"m01-final": a}, mods)
        out["grade"] = "graded"
    except KeyAccessError:
        out["grade"] = "KeyAccessError"
else:
    t = store.trainee("liu")
    out["results"] = [(r.status, r.score, r.max_score) for r in results(store, t, a)]
print(json.dumps(out))
"""


def _others_can_reach(path: Path) -> bool:
    """Whether a user who is neither owner nor group can traverse to ``path`` and read it."""
    import stat

    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH or (part == path and not mode & stat.S_IROTH):
            return False
    return True


@pytest.fixture
def trainee_user():
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root and useradd (runs in CI as root)")
    if not SYSTEM_PYTHON.exists():
        pytest.skip(
            "needs /usr/bin/python3.11 for the second user (the venv interpreter is under /root)"
        )
    for needed in (ROOT / "src", Path(site.getsitepackages()[0])):
        if not _others_can_reach(needed):
            pytest.skip(
                f"{needed} is not readable by other users (a parent folder lacks o+rx); "
                "this test needs a checkout outside private home folders"
            )
    name = f"sgtrainee{os.getpid() % 100000}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def test_trainee_user_cannot_read_keys_while_the_trainer_grades(trainee_user, monkeypatch):
    base = Path(tempfile.mkdtemp(prefix="shegong-osuser-", dir="/tmp"))
    try:
        base.chmod(0o755)
        curricula = base / "curricula"
        shutil.copytree(ROOT / "curricula", curricula)
        for key in curricula.glob("*/keys.yaml"):
            os.chown(key, 0, 0)
            key.chmod(0o600)  # the trainer's, unreadable to others
        ws = base / "ws"
        ws.mkdir()
        ws.chmod(0o777)  # trainees write submissions (SQLite needs the folder)
        pkey = base / "pseudonym.key"
        pkey.write_bytes(os.urandom(32))
        pkey.chmod(0o644)
        url = f"sqlite:///{ws / 'progress.sqlite'}"
        for name, value in {
            "SHEGONG_CURRICULA": str(curricula),
            "SHEGONG_DATABASE_URL": url,
            "SHEGONG_KEY_FILE": str(pkey),
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SHEGONG_KEYS_DIR", raising=False)
        store = ProgressStore(url)  # the trainer creates and migrates the store
        store.close()  # (closing removes root's -wal/-shm files)
        (ws / "progress.sqlite").chmod(0o666)
        script = base / "trainee.py"
        script.write_text(TRAINEE, encoding="utf-8")
        script.chmod(0o644)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(base),
            "LANG": "C.UTF-8",
            "SHEGONG_CURRICULA": str(curricula),
            "SHEGONG_DATABASE_URL": url,
            "SHEGONG_KEY_FILE": str(pkey),
            "VENV_SITE": site.getsitepackages()[0],
            "PYTHONPATH": str(ROOT / "src"),
        }

        def as_trainee(step: str) -> dict:
            proc = subprocess.run(
                [str(SYSTEM_PYTHON), str(script), step],
                env=env,
                cwd=base,
                capture_output=True,
                text=True,
                timeout=120,
                user=trainee_user.pw_uid,
                group=trainee_user.pw_gid,
                extra_groups=[],
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
            return json.loads(proc.stdout.strip().splitlines()[-1])

        first = as_trainee("submit")
        assert first["uid"] == trainee_user.pw_uid != 0
        assert first["open"] == "PermissionError"
        assert (
            first["load_keys"].startswith("KeyAccessError: answer keys")
            and "not readable by this user" in first["load_keys"]
        )
        assert first["is_permission_error"] is True
        assert first["grade"] == "KeyAccessError"  # the trainee's process cannot grade

        modules = load_curricula()  # the trainer (root) can
        assessments = A.load_assessments(modules)
        assert M.auto_score(store, assessments, modules) == 3
        trainer = grant(store, "trainer-root", "trainer")
        [item] = M.queue(store, trainer, assessments, modules)
        assert "安全计划" in item.answer and item.model_answer
        M.score_open(
            store,
            trainer,
            item.submission_id,
            "s04",
            {"refuse": 2, "reason": 1, "alternative": 1},
            item.criteria,
        )
        M.release(store, assessments["m01-final"], modules["m01-ethics"], trainer)
        store.close()

        second = as_trainee("results")
        assert second["results"] == [["released", 8.0, 9.0]]  # 1 + 2 + 1 + (2 + 1 + 1)
    finally:
        shutil.rmtree(base, ignore_errors=True)
