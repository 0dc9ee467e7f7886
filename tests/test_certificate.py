"""Stage certificates: refused before the stage is reached; Chinese HTML always, PDF through Chromium."""

import shutil

import pytest

from shegong.errors import MarkingError
from shegong.trainer import certificates
from shegong.trainer import marking as M
from shegong.training import assessment as A
from shegong.training.curriculum import load_module
from shegong.training.roles import grant

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


def test_certificate_html_and_pdf(store, modules, assessments, trainee_factory, tmp_path):
    t = trainee_factory("cert", role="resident_backbone", station="乌兰浩特市义勒力特镇社工站")
    by = grant(store, "trainer", "trainer")
    t = store.complete_module(t, load_module("m01-ethics"))
    with pytest.raises(
        MarkingError, match="completed no stage, not 传"
    ):  # the m01 assessment is not passed yet
        certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    A.submit(
        store,
        t,
        assessments["m01-final"],
        modules["m01-ethics"],
        {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象", "s04": {"text": "……"}},
        seconds=60,
    )
    M.auto_score(store, assessments, modules)
    [item] = M.queue(store, by, assessments, modules)
    M.score_open(
        store,
        by,
        item.submission_id,
        "s04",
        {"refuse": 2, "reason": 2, "alternative": 1},
        item.criteria,
    )
    M.release(store, assessments["m01-final"], modules["m01-ethics"], by)
    with pytest.raises(MarkingError, match="completed 传, not 帮"):
        certificates.issue(store, t, "帮", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    pdf = shutil.which("chromium") is not None
    cert = certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=pdf)
    assert cert.serial.startswith("SG-") and cert.serial.endswith("-1-00001")
    page = cert.html.read_text(encoding="utf-8")
    assert "结业证书" in page and "传（知识传授）" in page and t.pseudonym in page
    assert (
        "1. 社会工作价值观、伦理与保密（传）" in page
        and "居民骨干，乌兰浩特市义勒力特镇社工站" in page
    )
    again = certificates.issue(store, t, "传", by=by, out_dir=tmp_path, modules=modules, pdf=False)
    assert again.serial == cert.serial  # re-printing keeps the serial
    if pdf:
        data = cert.pdf.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 5000
    else:
        assert cert.pdf is None
