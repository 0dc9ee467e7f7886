"""Stage certificates (结业证书) in Chinese: HTML always, PDF printed by headless Chromium where
available.

A certificate is issued once per trainee and stage, for a stage the trainee has completed by the
rules of their track in ``curricula/progression.yaml`` (:func:`shegong.trainer.progression.status`:
modules, released assessments passed, the track's mentoring entries signed off); it carries a serial
number ``SG-<year>-<stage>-<n>``, the trainee's display name given at registration (the pseudonym
for a trainee registered without one), the trainee role, station and track (培训路径), the modules
the track requires up to that stage, and the issue date. A certificate for an unconfirmed track is
refused. The page is autoescaped (a name is outside text) and carries a ``<meta>`` Content Security
Policy that runs no script (:data:`shegong.safe_html.OFFLINE_CSP`). Files go to
``<workspace>/certificates/<serial>.html`` and ``.pdf``; writes are atomic.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shegong.atomic import write_with
from shegong.errors import MarkingError
from shegong.exports import CHROMIUM_ARGS, chromium_path
from shegong.people import Person, audit
from shegong.safe_html import csp_meta
from shegong.trainer.progression import status
from shegong.trainer.rules import Rules, load_rules
from shegong.training.assessment import load_assessments
from shegong.training.model import STAGES, Module, text
from shegong.training.progress import ROLES, CompletionRow, ProgressStore, Trainee, hold
from shegong.training.roles import check_trainee
from shegong.training.tables import CertificateRow

STAGE_TITLES = {
    "传": "传（知识传授）",
    "帮": "帮（协同实践）",
    "带": "带（独立带领）",
    "教": "教（传授他人）",
}

TEMPLATE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">{{ csp }}<title>结业证书 {{ serial }}</title>
<style>
 @page { size: A4 landscape; margin: 0; }
 body { margin: 0;
        font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; }
 .cert { box-sizing: border-box; width: 297mm; height: 209mm; padding: 22mm 28mm;
         border: 6mm double #9b2c2c; text-align: center; color: #222; }
 h1 { font-size: 34pt; letter-spacing: 0.5em; margin: 6mm 0; color: #9b2c2c; }
 .lead { font-size: 15pt; line-height: 2; }
 .stage { font-size: 24pt; font-weight: bold; margin: 6mm 0; }
 table { margin: 4mm auto; font-size: 11pt; border-collapse: collapse; }
 td { padding: 1mm 4mm; border-bottom: 1px solid #ccc; text-align: left; }
 .foot { margin-top: 8mm; font-size: 11pt; display: flex; justify-content: space-between; }
</style></head><body><div class="cert shegong-certificate">
<h1>结业证书</h1>
<p class="lead">学员 <b class="trainee">{{ name }}</b>（{{ role }}
{%- if station %}，{{ station }}{% endif %}）<br>
参加社工站“传、帮、带、教”能力建设培训（<span class="track">
{{- track }}</span>培训路径），经考核，完成以下阶段：</p>
<p class="stage">{{ stage_title }}</p>
{% if modules %}<table><tbody>
{%- for m in modules %}<tr><td>{{ m }}</td></tr>{% endfor %}</tbody></table>{% endif %}
<div class="foot"><span>证书编号：<span class="serial">{{ serial }}</span></span>
<span>培训机构（盖章）　　　　　　　发证日期：{{ issued }}</span></div>
</div></body></html>
""")


@dataclass(frozen=True)
class Certificate:
    """An issued certificate: ``serial``, ``stage``, ``html`` path, ``pdf`` path (``None`` without
    Chromium)."""

    serial: str
    stage: str
    html: Path
    pdf: Path | None


def _serial(s: Session, stage: str, when: datetime) -> str:
    n = int(s.scalar(select(func.count(CertificateRow.id))) or 0) + 1
    return f"SG-{when:%Y}-{STAGES.index(stage) + 1}-{n:05d}"


def render_html(
    store: ProgressStore,
    trainee: Trainee,
    stage: str,
    serial: str,
    issued: datetime,
    modules: dict[str, Module],
    rules: Rules | None = None,
) -> str:
    """The certificate page (zh-CN, A4 landscape): the trainee's track and the modules it requires
    up to ``stage`` that the trainee completed, in catalogue order."""
    rules = rules or load_rules()
    track = rules.track(trainee.track)
    wanted = set(track.modules(up_to=stage))
    with Session(store.engine) as s:
        done = set(
            s.scalars(select(CompletionRow.module_id).where(CompletionRow.trainee_id == trainee.id))
        )
    names = [
        f"{m.order}. {text(m.title, 'zh')}（{m.stage}）"
        for m in modules.values()
        if m.id in done and m.id in wanted
    ]
    return TEMPLATE.render(
        csp=Markup(csp_meta()),
        name=trainee.label,
        role=ROLES[trainee.role]["zh"],
        station=trainee.station,
        track=track.name("zh"),
        stage_title=STAGE_TITLES[stage],
        modules=names,
        serial=serial,
        issued=f"{issued:%Y年%m月%d日}",
    )


def print_pdf(html_file: Path, pdf_file: Path) -> Path | None:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium (playwright ``page.pdf``).

    Returns ``None`` (HTML only) when Chromium or playwright is missing.
    """
    chromium = chromium_path()
    if chromium is None:
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None

    def write(tmp: Path) -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(html_file.resolve().as_uri())
                page.pdf(path=str(tmp), format="A4", landscape=True, print_background=True)
            finally:
                browser.close()

    # a thread of its own: playwright's sync API refuses to run inside the kernel's asyncio loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(write_with, pdf_file, write).result()
    return pdf_file


def issue(
    store: ProgressStore,
    trainee: Trainee,
    stage: str,
    *,
    by: Person,
    out_dir: str | os.PathLike[str],
    modules: dict[str, Module],
    pdf: bool = True,
) -> Certificate:
    """Issue (or re-print) the ``stage`` certificate of ``trainee`` into ``out_dir``. ``by`` needs
    the
    ``certify`` action and a scope reaching the trainee's station; the issue is audited.

    Raises:
        AccessError: ``by`` may not certify this trainee.
        MarkingError: the trainee has not reached ``stage`` on their track, or no trainer has
            confirmed the track yet.
    """
    check_trainee(store, by, "certify", trainee.station_code)
    if stage not in STAGES:
        raise MarkingError(f"unknown stage {stage!r}: use one of {', '.join(STAGES)}")
    if not trainee.track_confirmed:
        raise MarkingError(
            f"trainee {trainee.pseudonym}'s track is not confirmed: confirm or change it in the "
            "cohort app before issuing a certificate"
        )
    rules = load_rules()
    reached = status(store, trainee, load_assessments(modules), rules).reached
    if reached is None or STAGES.index(reached) < STAGES.index(stage):
        raise MarkingError(
            f"trainee {trainee.pseudonym} has completed {reached or 'no stage'}, not "
            f"{stage}, by the "
            "rules of their track in curricula/progression.yaml: a certificate "
            "follows the completed stage"
        )
    now = datetime.now(UTC)
    with Session(store.engine) as s, s.begin():
        hold(s, "certificate serials")  # numbers are counted: one issuer at a time
        row = s.scalar(
            select(CertificateRow).where(
                CertificateRow.trainee_id == trainee.id, CertificateRow.stage == stage
            )
        )
        if row is None:
            row = CertificateRow(
                trainee_id=trainee.id,
                stage=stage,
                serial=_serial(s, stage, now),
                issued_by=store.pseudonym(by.login),
                issued_at=now,
            )
            s.add(row)
            s.flush()
        serial, issued = row.serial, row.issued_at
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_file = out / f"{serial}.html"
    page = render_html(store, trainee, stage, serial, issued, modules, rules)
    write_with(html_file, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    pdf_file = print_pdf(html_file, out / f"{serial}.pdf") if pdf else None
    audit(store.workspace, by, "certify", f"trainee:{trainee.id}", stage=stage, serial=serial)
    return Certificate(serial, stage, html_file, pdf_file)
