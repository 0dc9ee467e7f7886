"""The front chapters of the evaluation report as blocks: the cover, 一、基本情况,
二、评估依据与方法 and 三、评估结果 (overall result with the rank among peers, dimensions, key
measures, services, five-society linkage, training, units below, peer medians)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from shegong.indicators.results import GRADE_LABELS, read_evaluation
from shegong.reports import assessment as judge
from shegong.reports import facts, lifecycle
from shegong.reports.blocks import (
    Block,
    Cover,
    Figure,
    Items,
    Paragraph,
    Style,
    Table,
)
from shegong.reports.context import CHILD_MEASURES, Context, digest, grade_label, rank_label
from shegong.reports.format import (
    STATUS_COLOURS,
    format_value,
    long_date,
    signed,
    status_label,
    unit_label,
)
from shegong.reports.html import SCREEN_CSS
from shegong.reports.sections import peer_comparison
from shegong.reports.services import service_blocks
from shegong.reports.team import staff_block, training_blocks
from shegong.reports.unit import KPI_ORDER


def cover(ctx: Context) -> list[Block]:
    r, t, rec = ctx.report, ctx.t, ctx.record
    station = str(r.units.row(r.org_unit)["unit_type"]) in ("station", "centre")
    title = t["title_station" if station else "title"].format(name=r.name, year=r.year)
    state = rec.get("state", "draft")
    label = lifecycle.STATE_LABELS[ctx.lang][state]
    if state == "issued":
        label += " · " + t["version"].format(n=rec.get("version", 1))
    pilot = r.pilot_year
    stage = facts.STAGES[ctx.lang].get(pilot)
    c = t["cover"]
    lines = [
        [c["unit"], r.name],
        [c["code"], r.org_unit],
        [c["level"], r.level_label],
        [
            c["pilot"],
            t["pilot"].format(year=r.year, n=pilot, stage=stage) if stage else str(r.year),
        ],
        [c["body"], ctx.body or t["no_body"]],
        [c["date"], long_date(ctx.report_date, ctx.lang)],
    ]
    header = t["header"].format(name=r.name, year=r.year)
    if state != "issued":
        short = lifecycle.STATE_SHORT[ctx.lang][state]
        header += f"（{short}）" if ctx.lang == "zh" else f" ({short})"
    new = digest(ctx)
    revision = []
    version = int(rec.get("version") or 0)
    if state == "issued" and version > 1:
        old_lock = lifecycle.version_dir(r.workspace, r.year, r.org_unit, version - 1) / "lock.json"
        old = json.loads(old_lock.read_text(encoding="utf-8")) if old_lock.exists() else {}
        day = lambda iso: long_date(dt.date.fromisoformat(iso), ctx.lang) if iso else "—"
        revision.append(
            t["revision"].format(
                n=version,
                date=day(rec.get("issued_at")),
                old=version - 1,
                old_date=day(old.get("issued_at")),
            )
        )
        if rec.get("reason"):
            revision.append(t["reason"].format(reason=rec["reason"]))
        found = lifecycle.changes(old.get("digests", {}).get(ctx.lang, {}), new, ctx.lang)
        sep = "；" if ctx.lang == "zh" else "; "
        revision.append(t["changed"].format(changes=sep.join(found)) if found else t["unchanged"])
    return [Style(SCREEN_CSS), Cover(title, lines, header, state, label, ctx.lang, revision, new)]


def basic(ctx: Context) -> list[Block]:
    out: list[Block] = [ctx.number.heading(ctx.t["s1"])]
    out += [Paragraph(s) for s in facts.unit_facts(ctx.report, ctx.staff, ctx.lang)]
    return out + staff_block(ctx.report, ctx.number, ctx.staff)


def basis(ctx: Context) -> list[Block]:
    t, lang, r = ctx.t, ctx.lang, ctx.report
    out: list[Block] = [ctx.number.heading(t["s2"]), ctx.number.heading(t["s2_basis"], 2)]
    out.append(Items([{"text": b[lang]} for b in ctx.rules.basis], "basis"))
    out.append(ctx.number.heading(t["s2_sources"], 2))
    counts = facts.source_counts(r.workspace, r.units, r.org_unit, r.year, ctx.files)
    for kind, values in counts.items():
        if kind in ctx.rules.methods:
            fill = {"year": r.year, **{k: f"{v:,}" for k, v in values.items()}}
            out.append(Paragraph(ctx.rules.methods[kind][lang].format_map(_Missing(fill))))
    out.append(ctx.number.heading(t["s2_methods"], 2))
    for kind in ("scoring", "peers"):
        if kind in ctx.rules.methods:
            out.append(Paragraph(ctx.rules.methods[kind][lang]))
    return out


class _Missing(dict):
    """Placeholders a count does not fill show as —, never a KeyError in a report."""

    def __missing__(self, key: str) -> str:
        return "—"


def results(ctx: Context) -> list[Block]:
    t, lang, r, n = ctx.t, ctx.lang, ctx.report, ctx.number
    out: list[Block] = [n.heading(t["s3"]), n.heading(t["s3_total"], 2)]
    score = ctx.total.get("score")
    shown = "—" if score is None or pd.isna(score) else f"{score:.1f}"
    out.append(
        Table(
            t["summary_cols"],
            [[shown, grade_label(ctx), rank_label(ctx), signed(ctx.total.get("change"))]],
            caption=n.table(t["summary_table"].format(year=r.year)),
            align=["r", "c", "c", "r"],
            css_class="shegong-summary",
        )
    )
    info = r.units.row(r.org_unit)
    parent = info.get("parent_code")
    peers = ctx.total.get("peer_count")
    if parent and parent in r.units and peers is not None and not pd.isna(peers) and int(peers) > 1:
        out.append(
            Paragraph(
                t["peer_note"].format(
                    parent=r.units.name(parent),
                    n=int(peers),
                    peers=t["peer_words"].get(r.level, r.level_label),
                ),
                "note",
            )
        )
    else:
        out.append(Paragraph(t["peer_note_root"], "note"))
    dims = r.evaluation[r.evaluation["dimension"] != "total"] if r.evaluation is not None else None
    if dims is not None and not dims.empty:
        out.append(n.heading(t["s3_dims"], 2))
        names = {d: r.text["dims"][d].split(" ", 1)[-1] for d in r.text["dims"]}
        rows = [
            [
                names[d.dimension],
                f"{d.max_score:.0f}",
                "—" if pd.isna(d.score) else f"{d.score:.1f}",
                "—" if pd.isna(d.score) else f"{d.score / d.max_score * 100:.0f}%",
                "—" if pd.isna(d.previous_score) else f"{d.previous_score:.1f}",
                signed(d.change),
            ]
            for d in dims.sort_values("dimension").itertuples()
        ]
        out.append(
            Table(
                t["dims_cols"],
                rows,
                caption=n.table(t["dims_table"].format(year=r.year)),
                align=["l", "r", "r", "r", "r", "r"],
                css_class="shegong-dims",
            )
        )
        caption = n.figure(t["dims_figure"].format(year=r.year))
        out.append(Figure(r.dimensions_png(title=""), caption))
    out.append(n.heading(t["s3_key"], 2))
    key = r.kpis[r.kpis["indicator"].isin(KPI_ORDER)]
    out.append(
        Table(
            t["key_cols"],
            [
                [
                    k.name,
                    k.display,
                    unit_label(k.unit, lang),
                    format_value(k.target, k.unit),
                    status_label(k.status, lang, k.numerator, k.denominator),
                ]
                for k in key.itertuples()
            ],
            caption=n.table(t["key_table"].format(year=r.year)),
            align=["l", "r", "c", "r", "c"],
            css_class="shegong-key",
            colours=[STATUS_COLOURS.get(s, "") for s in key["status"]],
            colour_col=4,
        )
    )
    return out


def services(ctx: Context) -> list[Block]:
    t, r, n = ctx.t, ctx.report, ctx.number
    out: list[Block] = [n.heading(t["s3_services"], 2)]
    if r.monthly["value"].sum() == 0:
        out.append(Paragraph(t["no_data"]))
    out.append(Figure(r.monthly_png(title=""), n.figure(t["monthly"].format(year=r.year))))
    area = r.area_png(title="")
    if area is not None:
        out.append(Figure(area, n.figure(t["areas"].format(year=r.year))))
    return out + service_blocks(r, n) + training_blocks(r, n)


def children(ctx: Context) -> list[Block]:
    t, lang, r, n = ctx.t, ctx.lang, ctx.report, ctx.number
    out: list[Block] = []
    if not r.children.empty:
        evaluation = read_evaluation(r.workspace)
        ranks = (
            judge.peer_ranks(evaluation, r.units, r.year)
            if evaluation is not None
            else pd.DataFrame(columns=["org_unit"])
        )
        by = ranks.set_index("org_unit")
        units = dict(zip(r.kpis["indicator"], r.kpis["unit"], strict=True))
        names = dict(zip(r.kpis["indicator"], r.kpis["name"], strict=True))
        measures = [m for m in CHILD_MEASURES if m in r.children.columns]
        columns = t["children_cols"] + [
            f"{names[m]}（{unit_label(units[m], lang)}）"
            if lang == "zh"
            else f"{names[m]} ({unit_label(units[m], lang)})"
            for m in measures
        ]
        rows = []
        for c in r.children.itertuples():
            have = c.code in by.index
            score = by.at[c.code, "score"] if have else float("nan")
            grade = by.at[c.code, "grade"] if have else None
            rows.append(
                [
                    c.name,
                    "—" if pd.isna(score) else f"{score:.1f}",
                    GRADE_LABELS[lang].get(grade, "—") if isinstance(grade, str) else "—",
                    signed(by.at[c.code, "change"]) if have else "—",
                ]
                + [format_value(getattr(c, m), units[m]) for m in measures]
            )
        own = any(not c for c in r.children["code"])
        out += [
            n.heading(t["s3_children"], 2),
            Table(
                columns,
                rows,
                caption=n.table(t["children_table"].format(year=r.year)),
                align=["l", "r", "c", "r"] + ["r"] * len(measures),
                css_class="shegong-children",
                note=t["own_note"] if own else "",
                wide=True,
            ),
        ]
    peers = peer_comparison(r.table, r.registry, r.org_unit, r.level, r.year, lang)
    if not peers.empty:
        rows = [
            [
                p.name,
                format_value(p.unit_value, p.unit),
                format_value(p.median, p.unit),
                f"{p.n:,}",
                unit_label(p.unit, lang),
            ]
            for p in peers.itertuples()
        ]
        out += [
            n.heading(t["s3_peers"], 2),
            Table(
                t["peers_cols"],
                rows,
                caption=n.table(t["peers_table"].format(year=r.year)),
                align=["l", "r", "r", "r", "c"],
                css_class="shegong-peers",
            ),
        ]
    return out
