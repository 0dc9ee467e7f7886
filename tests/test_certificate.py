"""Stage certificates: refused before the track is confirmed and before its stage is reached;
Chinese HTML naming the track and its modules; PDF through Chromium."""

import shutil

import pytest

from shegong.errors import MarkingError
from shegong.trainer import certificates
from shegong.trainer.rules import load_rules
from shegong.trainer.tracks import confirm_track
from shegong.training.curriculum import load_module
from shegong.training.roles import grant

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures
from .test_mentoring import M01, M09, M09_FULL, _pass


def test_certificate_follows_the_confirmed_track(
    store, modules, assessments, trainee_factory, tmp_path
):
    t = trainee_factory("cert", role="resident_backbone", station="乌兰浩特市义勒力特镇社工站")
    by = grant(store, "trainer", "trainer")
    t = store.complete_module(t, load_module("m01-ethics"))
    with pytest.raises(MarkingError, match="track is not confirmed"):
        certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    t = confirm_track(store, t, "backbone", by=by, rules=load_rules())
    with pytest.raises(
        MarkingError, match="completed no stage, not 传"
    ):  # m09, m06 and both assessments are still missing
        certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    for m in ("m09-local-ethics", "m06-assistance"):
        store.complete_module(t, load_module(m))
    _pass(
        store,
        t,
        by,
        assessments,
        modules,
        "m01-final",
        M01,
        {"refuse": 2, "reason": 2, "alternative": 1},
    )
    _pass(store, t, by, assessments, modules, "m09-final", M09, M09_FULL)
    with pytest.raises(MarkingError, match="completed 传, not 帮"):
        certificates.issue(store, t, "帮", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    pdf = shutil.which("chromium") is not None
    cert = certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=pdf)
    assert cert.serial.startswith("SG-") and cert.serial.endswith("-1-00001")
    page = cert.html.read_text(encoding="utf-8")
    assert "结业证书" in page and "传（知识传授）" in page and t.pseudonym in page
    assert '<span class="track">居民骨干</span>培训路径' in page
    assert "居民骨干，乌兰浩特市义勒力特镇社工站" in page
    listed = [line for line in page.splitlines() if "<td>" in line]
    assert "".join(listed).count("<td>") == 3 and all(
        name in page
        for name in (
            "1. 社会工作价值观、伦理与保密（传）",
            "2. 本土社工伦理与双重关系（传）",
            "3. 社会救助、老人与儿童服务、危机应对（传）",
        )
    )  # the backbone track's 传 modules, in catalogue order
    again = certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    assert again.serial == cert.serial  # re-printing keeps the serial
    if pdf:
        data = cert.pdf.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 5000
    else:
        assert cert.pdf is None
