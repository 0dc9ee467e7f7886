"""The module player notebook: committed clean, runs under nbmake (answered in Chromium through the
portal: tests/test_browser_portal.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "training" / "module_player.ipynb"
BIN = Path(sys.executable).parent


def test_notebook_is_committed_without_outputs_and_has_one_parameters_cell():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    namespace: dict = {}
    exec("".join(params[0]["source"]), namespace)
    assert (namespace["module_id"], namespace["lang"]) == ("m01-ethics", "zh")
    assert all(len("".join(c["source"]).splitlines()) <= 3 for c in code)  # thin: import and call


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHEGONG_", "JUPYTERHUB_", "PYTEST_"))
    }
    env.update(
        SHEGONG_DATABASE_URL=f"sqlite:///{tmp_path / 'progress.sqlite'}",
        SHEGONG_KEY_FILE=str(tmp_path / "pseudonym.key"),
        SHEGONG_WORKSPACE=str(tmp_path / "ws"),
        **extra,
    )
    return env


def test_player_runs_under_nbmake_and_asks_for_a_sign_in(tmp_path):
    """Outside the portal the player signs in itself: a hub variable names nobody (issue 14)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbmake",
            str(NOTEBOOK),
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=_env(tmp_path, JUPYTERHUB_USER="jovyan"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert not (tmp_path / "progress.sqlite").exists()  # no store before someone signs in
