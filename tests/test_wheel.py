"""The built wheel holds the whole package: every module imports and every data file opens.

A subpackage missing from ``[tool.setuptools] packages`` or a template missing from the package
data would pass every other test (they run on the editable install) and fail a Binder or hub
install. The wheel is installed without dependencies into a fresh virtual environment that sees
the test environment's third-party packages (a ``.pth`` file) but not its editable ``shegong``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = r"""
import importlib, json, pkgutil, sys
from importlib import resources
import shegong
assert "site-packages" in shegong.__file__, shegong.__file__
modules, failed = [], {}
for info in pkgutil.walk_packages(shegong.__path__, "shegong."):
    if ".migrations.versions." in info.name or info.name.endswith(".migrations.env"):
        continue  # Alembic's scripts run inside Alembic, read below as files
    try:
        importlib.import_module(info.name)
        modules.append(info.name)
    except Exception as e:
        failed[info.name] = f"{type(e).__name__}: {e}"
files = {}
for package, pattern in [("shegong.serving", "share"), ("shegong.training", "migrations")]:
    root = resources.files(package) / pattern
    stack, seen = [root], []
    while stack:
        node = stack.pop()
        for child in node.iterdir():
            if child.is_dir():
                stack.append(child)
            elif not child.name.endswith(".pyc"):
                child.read_bytes()
                seen.append(child.name)
    files[pattern] = sorted(seen)
print(json.dumps({"modules": modules, "failed": failed, "files": files}))
"""


@pytest.mark.slow
def test_the_wheel_installs_and_every_module_and_data_file_opens(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("shegong-*.whl")
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # third-party packages of the test environment, but not its editable shegong (its finder is
    # installed by a .pth file, which a path added this way does not run)
    Path(purelib, "test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", purelib, wheel],
        check=True,
        capture_output=True,
    )
    # the data the workbench reads (datasets/, notebooks/) stays in the checkout: SHEGONG_ROOT
    env = {**os.environ, "SHEGONG_ROOT": str(ROOT)}
    out = subprocess.run(
        [python, "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, check=False, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["failed"] == {}
    expected = {
        "shegong.cli.main",
        "shegong.widgets.apps",
        "shegong.serving.portal",
        "shegong.reports.batch",
        "shegong.reports.kernel_zygote",
        "shegong.training.progress",
        "shegong.trainer.cohort",
        "shegong.indicators.compute",
        "shegong.ledger.importer",
        "shegong.demo.run",
    }
    assert expected <= set(result["modules"])
    assert "index.html.j2" in result["files"]["share"]
    assert "script.py.mako" in result["files"]["migrations"]
    assert "0001_initial.py" in result["files"]["migrations"]
