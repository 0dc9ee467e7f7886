"""The demo's evaluating body and evaluators' opinions (issue 17): what an evaluator writes by hand.

:func:`write_demo_report_settings` writes ``WORKSPACE/report_settings.yaml`` (the evaluating body
named on the cover and in the sign-off) and an opinion in ``WORKSPACE/narratives/<code>.md`` for
the league, one county (乌兰浩特市) and one station (和平街道社工站). Synthetic, like all demo data:
the body is not a real organisation, and the opinions speak of the demo's figures only in general
terms (the figures themselves are in the reports).
"""

from __future__ import annotations

from shegong import atomic
from shegong.config import Workspace

SETTINGS = """\
# 评估报告设置 Report settings (issue 17). schema_version 1.
# evaluating_body: named on the cover and in the sign-off of every report of this workspace.
schema_version: 1
evaluating_body:
  zh: 兴安盟社会工作服务评估组（演示）
  en: Xing'an League social work evaluation team (demo)
"""

NARRATIVES = {
    "152200000000": """\
全盟社工站试点进入第二年，旗县之间、站点之间差距明显。评估组实地查看和问卷调查表明，站点普遍做到有场地、有人员、
有台账，但个案工作的规范程度参差不齐，部分站点开案少、结案评估流于形式，社会组织的链接和培育也集中在少数站点。

建议盟民政局把个案服务规范和台账质量作为下一年度的督导重点，推动先进旗县与薄弱旗县结对帮扶。
""",
    "152201000000": """\
乌兰浩特市三个社工站运行平稳，专职社工配备到位，小组和社区活动开展得较为活跃。评估组注意到社会组织的链接和培育
仍以个别站点为主，慈善资源来源单一。

建议市民政局统筹辖区社会组织资源，在下一年度为每个社工站至少对接一家稳定合作的社会组织。
""",
    "152201100000": """\
和平街道社工站队伍稳定，站长和社工均已持证，台账记录及时完整，服务对象对站点服务的评价较好。个案数量不多，
结案和目标达成情况尚难评价；慈善资源链接明显不足。

建议站点在巩固入户走访的基础上，把发现的持续需求转为规范的个案服务，并主动对接辖区企业和慈善组织。
""",
}


def write_demo_report_settings(ws: Workspace) -> None:
    """Write the demo's report settings and the three opinions (replacing earlier ones)."""
    atomic.write_text(ws.root / "report_settings.yaml", SETTINGS)
    folder = ws.root / "narratives"
    folder.mkdir(parents=True, exist_ok=True)
    for code, text in NARRATIVES.items():
        atomic.write_text(folder / f"{code}.md", text)
