"""The trainer and trainee apps served through ``notebooks/apps/index.ipynb?app=NAME``.

:data:`APPS` maps an app name to its (Chinese, English) title; :func:`show_app` displays it. The
apps read ``SHEGONG_WORKSPACE`` (set by ``shegong serve``) for the workspace and its progress store,
or ``SHEGONG_DATABASE_URL`` when set. The person is the one the front server authenticated
(:func:`shegong.serving.portal.served_person`), passed in as ``person``; who may use a trainer
app follows that person's roles and scope (:func:`shegong.people.check`), never the URL.
"""

from __future__ import annotations

import os

from IPython.display import display

from shegong.config import language
from shegong.errors import UnknownAppError
from shegong.people import Person

APPS: dict[str, tuple[str, str]] = {
    "cohort": ("学员进度总览", "Cohort progress"),
    "grading": ("开放题评分队列", "Grading queue"),
    "mentoring": ("传帮带教督导日志", "Mentoring log"),
    "assessment": ("结业测评（学员）", "Summative assessment (trainee)"),
    "survey": ("培训反馈（学员）", "Session feedback (trainee)"),
}


def build_app(name: str, lang: str = "zh", *, person: Person | None = None, **kw):  # noqa: ANN201
    """The app widget (an ipywidgets container) for ``name`` (see :data:`APPS`) for ``person``;
    ``kw`` go to the app (e.g. ``assessment_id``).

    Raises:
        UnknownAppError: ``name`` is not in :data:`APPS`.
        AccessError: a trainer app opened by someone without the trainer role.
    """

    lang = language(lang)
    if name not in APPS:
        raise UnknownAppError(f"no app {name!r} (?app=…): use one of {', '.join(APPS)}")
    workspace = os.environ.get("SHEGONG_WORKSPACE")
    if name == "cohort":
        from shegong.widgets.cohort_app import CohortApp

        return CohortApp(person=person, lang=lang, workspace=workspace)
    if name == "grading":
        from shegong.widgets.grading_queue import GradingQueueApp

        return GradingQueueApp(person=person, lang=lang)
    if name == "mentoring":
        from shegong.widgets.mentoring_log import MentoringApp

        return MentoringApp(person=person, lang=lang)
    if name == "survey":
        from shegong.widgets.survey import ReactionSurvey

        return ReactionSurvey(lang=lang, login=person.login if person else None)
    from shegong.widgets.assessment import assessment_app

    return assessment_app(
        kw.get("assessment_id", "m01-final"), lang, login=person.login if person else None
    )


def show_app(name: str, lang: str = "zh", *, person: Person | None = None, **kw) -> None:
    """Display the app ``name`` in the current notebook (Voila page). Raises as "
    ":func:`build_app`."""
    display(build_app(name, lang, person=person, **kw))
