"""One writer at a time (issue 16, item 7): the workspace lock around import, compute and report,
tested with real processes — two imports of the same content at once store it once; a holder
that dies releases the lock; a busy workspace is named with the command holding it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from shegong.config import Workspace

from .builders import row, write_org_units, write_standard_xlsx
from .conftest import SHEGONG

HOLDER = """
import sys, time
from pathlib import Path
from shegong.atomic import workspace_lock
root, ready, release = map(Path, sys.argv[1:4])
with workspace_lock(root, "shegong ledger import 甲.xlsx (test holder)"):
    ready.touch()
    while not release.exists():
        time.sleep(0.05)
"""


def _wait_for(predicate, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _holder(tmp_path: Path, ws: Workspace) -> tuple[subprocess.Popen, Path]:
    ready, release = tmp_path / "ready", tmp_path / "release"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(ws.root), str(ready), str(release)],
        env=dict(os.environ),
    )
    _wait_for(ready.exists)
    return proc, release


def _ledger(path: Path) -> Path:
    d = pd.Timestamp("2021-03-02").date()
    return write_standard_xlsx(
        path,
        [
            row(1, d, "和平街道社工站", "", "主题活动", "社区治理", times=30),
            row(2, d, "都林街道社工站", "", "小组活动", "儿童关爱", times=12),
        ],
    )


def test_two_imports_of_the_same_content_at_once_store_it_once(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    first = _ledger(tmp_path / "和平街道3月.xlsx")
    second = tmp_path / "和平街道3月（重发）.xlsx"
    shutil.copyfile(first, second)  # the same bytes under another name, sent twice
    holder, release = _holder(tmp_path, ws)
    procs, errs, handles = [], [], []
    for path in (first, second):
        err = tmp_path / f"{path.stem}.err"
        errs.append(err)
        handles.append(err.open("w"))
        procs.append(
            subprocess.Popen(
                [*SHEGONG, "ledger", "import", str(path), "--workspace", str(ws.root), "--json"],
                stdout=subprocess.PIPE,
                stderr=handles[-1],
                text=True,
                env=dict(os.environ),
            )
        )
    # both imports are running and waiting for the same lock at the same moment
    _wait_for(lambda: all("workspace busy, waiting" in e.read_text() for e in errs))
    for e in errs:
        assert "held by `shegong ledger import 甲.xlsx (test holder)` (pid " in e.read_text()
    release.touch()
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    for h in handles:
        h.close()
    assert [p.returncode for p in procs] == [0, 0] and holder.wait(timeout=30) == 0
    stored = sorted(f.name for f in ws.accepted_dir.glob("*.parquet"))
    assert len(stored) == 1
    rows = pd.read_parquet(ws.accepted_dir / stored[0])
    assert (len(rows), int(rows["person_times"].sum())) == (2, 42)  # not 4 rows and 84
    duplicates = [o["files"][0]["duplicate_of"] for o in outs]
    assert sorted(d is None for d in duplicates) == [False, True]
    assert stored[0].removesuffix(".parquet") in duplicates
    log = [json.loads(line) for line in ws.import_log.read_text(encoding="utf-8").splitlines()]
    assert len(log) == 2 and sum(e["duplicate_of"] is None for e in log) == 1


def test_a_holder_that_dies_releases_the_workspace(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    holder, _release = _holder(tmp_path, ws)
    holder.send_signal(signal.SIGKILL)  # no cleanup runs: the OS drops the lock
    holder.wait(timeout=30)
    started = time.monotonic()
    proc = subprocess.run(
        [
            *SHEGONG,
            "ledger",
            "import",
            str(_ledger(tmp_path / "a.xlsx")),
            "--workspace",
            str(ws.root),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SHEGONG_LOCK_TIMEOUT": "30"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 25 and "workspace busy" not in proc.stderr
    assert not (ws.root / ".shegong.lock.json").exists()  # the note leaves with its holder


def test_a_busy_workspace_names_the_command_that_holds_it(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    holder, release = _holder(tmp_path, ws)
    try:
        proc = subprocess.run(
            [*SHEGONG, "indicators", "compute", "--workspace", str(ws.root), "--year", "2021"],
            capture_output=True,
            text=True,
            env={**os.environ, "SHEGONG_LOCK_TIMEOUT": "1"},
            timeout=120,
        )
    finally:
        release.touch()
        holder.wait(timeout=30)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"shegong: 工作区正被另一命令占用 workspace {ws.root} is held by ")
    assert "`shegong ledger import 甲.xlsx (test holder)` (pid " in last
    assert last.endswith("wait for it to finish and run this command again")
