"""The closing chapters of the evaluation report as blocks: 四、主要成效与亮点, 五、存在问题,
六、整改建议 (one per problem), 七、评估结论 with the evaluators' opinion, the list of annexes,
the sign-off, and the annexes (measures in full with their ids, data quality, definitions)."""

from __future__ import annotations

import pandas as pd

from shegong.ledger.rows import REASONS
from shegong.reports import assessment as judge
from shegong.reports import lifecycle
from shegong.reports.blocks import (
    Annex,
    Block,
    Items,
    Narrative,
    Paragraph,
    SignOff,
    Table,
)
from shegong.reports.context import Context
from shegong.reports.format import (
    STATUS_COLOURS,
    format_value,
    long_date,
)
from shegong.reports.sections import methodology, narrative
from shegong.reports.unit import render_narrative


def judgement(ctx: Context) -> list[Block]:
    """四 highlights, 五 problems, 六 recommendations, 七 conclusion and opinion, sign-off."""
    t, lang, r, n = ctx.t, ctx.lang, ctx.report, ctx.number
    dims = r.evaluation[r.evaluation["dimension"] != "total"] if r.evaluation is not None else None
    names = {d: r.text["dims"][d].split(" ", 1)[-1] for d in r.text["dims"]}
    found = judge.highlights(ctx.rows, ctx.previous, r.registry, ctx.rules, lang, dims, names)
    out: list[Block] = [n.heading(t["s4"])]
    pct = f"{(ctx.rules.highlights['exceed'] - 1) * 100:.0f}"
    out.append(
        Items(found, "highlights") if found else Paragraph(t["highlights_none"].format(pct=pct))
    )
    out.append(n.heading(t["s5"]))
    problems = [{"text": p.text, "measures": list(p.measures), "key": p.key} for p in ctx.problems]
    out.append(Items(problems, "problems") if problems else Paragraph(t["problems_none"]))
    out.append(n.heading(t["s6"]))
    labels = t["advice_fields"]
    advice = [
        {
            "lead": t["advice_for"].format(n=i),
            "text": a.what,
            "fields": [[labels[0], a.who], [labels[1], a.by], [labels[2], a.check]],
            "measures": list(a.measures),
            "key": a.problem.key,
            "due": a.due.isoformat(),
        }
        for i, a in enumerate(ctx.advice, 1)
    ]
    out.append(Items(advice, "advice") if advice else Paragraph(t["advice_none"]))
    out.append(n.heading(t["s7"]))
    counts = ctx.rows["status"].value_counts().to_dict()
    parent = r.units.row(r.org_unit).get("parent_code")
    area = r.units.name(parent) if parent and parent in r.units else r.name
    text = judge.conclusion(
        ctx.rules, lang, unit=r.name, year=r.year, total=ctx.total, counts=counts, area=area
    )
    out.append(Paragraph(text))
    opinion = narrative(r.workspace, r.org_unit)
    out.append(Paragraph("", lead=t["opinion"] + ("：" if lang == "zh" else ":")))
    if opinion and opinion.strip():
        out.append(Narrative(opinion, render_narrative(opinion)))
    else:
        out.append(Narrative("", render_narrative(t["no_opinion"]), missing=True))
    out.append(Paragraph(t["annexes"], "body"))
    out.append(signoff(ctx))
    return out


def signoff(ctx: Context) -> SignOff:
    t, rec, ws = ctx.t, ctx.record, ctx.report.workspace
    s = t["signoff"]
    evaluator = lifecycle.display_name(ws, rec.get("reviewed_by")) or t["pending_review"]
    reviewer = lifecycle.display_name(ws, rec.get("issued_by")) or t["pending_issue"]
    return SignOff(
        [
            [s["body"], ctx.body or t["no_body"]],
            [s["evaluator"], evaluator],
            [s["reviewer"], reviewer],
            [s["date"], long_date(ctx.report_date, ctx.lang)],
        ]
    )


def annexes(ctx: Context) -> list[Block]:
    t, lang, r = ctx.t, ctx.lang, ctx.report
    order = {m.id: i for i, m in enumerate(r.registry.measures)}  # the registry's order, A1 … G4
    rank = r.kpis["indicator"].map(order).to_numpy().argsort(kind="stable")
    kpis, kpi = r.kpis.iloc[rank], r.kpi_table().iloc[rank]
    num = [format_value(v, "个") if pd.notna(v) else "—" for v in kpis["numerator"]]
    den = [format_value(v, "个") if pd.notna(v) else "—" for v in kpis["denominator"]]
    rows = [
        list(map(str, row)) + [a, b]
        for row, a, b in zip(kpi.values.tolist(), num, den, strict=True)
    ]
    out: list[Block] = [
        Annex(t["annex"].format(n=1), t["annex1"]),
        Table(
            t["annex1_cols"],
            rows,
            caption=t["annex1_table"].format(year=r.year),
            align=["l", "l", "r", "c", "r", "c", "r", "r"],
            css_class="shegong-kpi",
            colours=[STATUS_COLOURS.get(s, "") for s in kpis["status"]],
            colour_col=5,
            note=t["annex1_note"],
            wide=True,
        ),
        Annex(t["annex"].format(n=2), t["annex2"]),
    ]
    if ctx.files:
        sep = "、" if lang == "zh" else ", "
        rows = [
            [
                f["file"],
                f"{f['rows_read']:,}",
                f"{f['accepted']:,}",
                f"{f['rejected']:,}",
                f"{f['skipped_blank']:,}",
                f"{f['total_rows']:,}",
                sep.join(
                    f"{REASONS.get(k, (k, k))[0 if lang == 'zh' else 1]}（{v}）"
                    for k, v in sorted(f["rejected_by_reason"].items())
                )
                or "—",
                f"{f['total_differences']:,}",
            ]
            for f in ctx.files
        ]
        out.append(
            Table(
                t["files_cols"],
                rows,
                caption=t["files_table"].format(year=r.year),
                align=["l", "r", "r", "r", "r", "r", "l", "r"],
                css_class="shegong-quality",
                note=t["files_note"],
                wide=True,
            )
        )
    else:
        out.append(Paragraph(t["files_none"]))
    found = r.findings_table()
    if not found.empty and r.findings is not None:
        names = {m.id: m.name[lang] for m in r.registry.measures}
        found.iloc[:, 1] = [names.get(i, i) for i in found.iloc[:, 1]]
        rows = [list(map(str, x)) for x in found.values.tolist()]
        out.append(
            Table(
                t["checks_cols"],
                rows,
                caption=t["checks_table"].format(year=r.year),
                align=["c", "l", "l"],
                css_class="shegong-findings",
                wide=True,
            )
        )
    else:
        out.append(Paragraph(t["checks_none"]))
    method = methodology(r.registry, lang)
    dims = {m.id: r.text["dims"][m.dimension].split(" ", 1)[-1] for m in r.registry.measures}
    rows = [[row[0], dims[row[0]], *map(str, row[1:])] for row in method.values.tolist()]
    out += [
        Annex(t["annex"].format(n=3), t["annex3"]),
        Table(
            t["method_cols"],
            rows,
            caption=t["method_table"],
            align=["l", "l", "l", "c", "l", "l"],
            css_class="shegong-method",
            wide=True,
        ),
    ]
    return out


#: the parts of the report in order; the served page draws the first :data:`FIRST_PAINT` at once
