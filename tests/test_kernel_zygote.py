"""Report kernels forked from a pre-imported zygote (shegong.reports.kernel_zygote): still one fresh
kernel per unit, dead kernels retried, and no process left behind."""

import asyncio
import json
import os
import shutil
import sys
import time

import nbformat
import psutil
import pytest

from shegong.config import Workspace
from shegong.reports import kernel_zygote
from shegong.reports.batch import run_reports

pytestmark = pytest.mark.slow
LEAGUE, ULANHOT, STATION = "152200000000", "152201000000", "152201100000"
#: a kernel's first sys.path entry: ipykernel_launcher removes the working directory that `python
#: -m` puts first
STDLIB_ZIP = os.path.join(
    sys.base_prefix, "lib", f"python{sys.version_info[0]}{sys.version_info[1]}.zip"
)

#: prints what a unit's kernel saw: a module-level variable left by an earlier unit, its pid, its
#: parent
PROBE = (
    "import json, os, sys, psutil\n"
    "import shegong.reports.charts as charts\n"
    "seen = getattr(charts, 'unit_marker', None)\n"
    "charts.unit_marker = org_unit\n"
    "parent = psutil.Process(os.getppid())\n"
    "print(json.dumps({'seen': seen, 'pid': os.getpid(), 'ppid': parent.pid, "
    "'parent': ' '.join(parent.cmdline()),\n"
    "                  'leader': os.getpgid(0) == os.getpid(), 'cwd': os.getcwd(),\n"
    "                  'path0': sys.path[0]}))"
)


@pytest.fixture
def ws(demo_workspace, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(
        demo_workspace, root, ignore=shutil.ignore_patterns("reports", "progress.sqlite*")
    )
    return Workspace.at(root)


def _template(path, *cells: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            'org_unit = ""\nyear = 2021\nworkspace = ""\nlang = "zh"',
            metadata={"tags": ["parameters"]},
        )
    ]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def _probe(ws, entry) -> dict:
    nb = nbformat.read(ws.root / entry["outputs"][0], as_version=4)
    text = "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout"
    )
    return json.loads(text.strip().splitlines()[-1])


def _gone(pid: int, timeout: float = 10, *, zombie_ok: bool = False) -> bool:
    """The process has ended and been reaped by its parent (or, ``zombie_ok``, has ended: an
    orphan's reaping is the init process's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE and zombie_ok:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_each_unit_gets_a_fresh_forked_kernel_and_nothing_is_left_behind(ws, tmp_path):
    template = _template(tmp_path / "probe.ipynb", PROBE)
    codes = [LEAGUE, ULANHOT, STATION]
    manifest = run_reports(
        ws, year=2021, units=codes, workers=1, progress=False, template=template, pdf=False
    )
    assert [u["status"] for u in manifest["units"]] == ["ok", "ok", "ok"]
    seen = [_probe(ws, u) for u in manifest["units"]]
    # one worker, one zygote: every kernel is its child, yet none sees the marker the unit before it
    # set
    assert [s["seen"] for s in seen] == [None, None, None]
    assert len({s["pid"] for s in seen}) == 3
    assert (
        len({s["ppid"] for s in seen}) == 1 and "shegong.reports.kernel_zygote" in seen[0]["parent"]
    )
    assert all(
        s["leader"] for s in seen
    )  # its own process group, as jupyter_client's launcher does
    assert {s["cwd"] for s in seen} == {str(ws.root)}
    assert {s["path0"] for s in seen} == {STDLIB_ZIP}  # the working directory is not on sys.path
    for pid in [s["pid"] for s in seen] + [
        seen[0]["ppid"]
    ]:  # the kernels and the zygote have ended
        assert _gone(pid), pid


def test_without_the_zygote_kernels_start_the_ordinary_way(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("SHEGONG_KERNEL_ZYGOTE", "0")
    template = _template(tmp_path / "probe.ipynb", PROBE)
    manifest = run_reports(
        ws, year=2021, units=[STATION], workers=1, progress=False, template=template, pdf=False
    )
    seen = _probe(ws, manifest["units"][0])
    assert seen["seen"] is None and "shegong.reports.kernel_zygote" not in seen["parent"]
    assert (
        "multiprocessing" in seen["parent"]
    )  # the pool worker started it (jupyter_client's Popen)
    assert seen["cwd"] == str(
        ws.root
    )  # and ipykernel_launcher takes the working directory off sys.path
    assert seen["path0"] == STDLIB_ZIP


def test_a_dead_forked_kernel_is_retried_in_a_new_forked_kernel(ws, tmp_path):
    marker = tmp_path / "died"
    marker.mkdir()
    template = _template(
        tmp_path / "dying.ipynb",
        (
            "import os, pathlib\n"
            f"flag = pathlib.Path({str(marker)!r}) / org_unit\n"
            "if not flag.exists():\n"
            "    flag.write_text(str(os.getpid()))\n"
            "    os._exit(1)\n"
        ),
        PROBE,
    )
    manifest = run_reports(
        ws, year=2021, units=[ULANHOT], workers=1, progress=False, template=template, pdf=False
    )
    entry = manifest["units"][0]
    assert (entry["status"], entry["attempts"], entry["error"]) == ("ok", 2, None)
    seen = _probe(ws, entry)
    first = int((marker / ULANHOT).read_text())
    assert seen["pid"] != first and "shegong.reports.kernel_zygote" in seen["parent"]
    assert _gone(first) and _gone(seen["pid"]) and _gone(seen["ppid"])


def test_a_killed_kernel_and_the_kernels_of_a_dead_zygote_are_gone(tmp_path):
    """In this process: a busy forked kernel killed by its manager (as after a timeout) is gone,
    and a kernel whose zygote is killed dies with it (PR_SET_PDEATHSIG)."""
    assert kernel_zygote.start()
    zygote = kernel_zygote.running().proc.pid
    try:

        async def busy_kernel() -> kernel_zygote.ZygoteKernelManager:
            km = kernel_zygote.ZygoteKernelManager(kernel_name="python3")
            await km.start_kernel(cwd=str(tmp_path))
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            client.execute("import time; time.sleep(600)")
            client.stop_channels()
            return km

        async def scenario() -> None:
            km = await busy_kernel()
            assert isinstance(km.provisioner.process, kernel_zygote.ForkedKernel)
            killed = km.provisioner.process.pid
            assert psutil.Process(killed).ppid() == zygote
            await km.shutdown_kernel(now=True)
            assert _gone(killed)
            km = await busy_kernel()
            orphan = km.provisioner.process.pid
            kernel_zygote.running().proc.kill()
            kernel_zygote.running().proc.wait(timeout=10)
            assert _gone(orphan, zombie_ok=True)
            for _ in range(
                100
            ):  # its other threads may still be ending when its leader shows as a zombie
                if not await km.is_alive():
                    break
                await asyncio.sleep(0.1)
            assert not await km.is_alive()
            await km.shutdown_kernel(now=True)  # a dead kernel: its manager just cleans up

        asyncio.run(scenario())
    finally:
        kernel_zygote.stop()
    assert kernel_zygote.running() is None
