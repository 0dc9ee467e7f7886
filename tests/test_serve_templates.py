"""Voila's error pages under the project's template load nothing from another host (issue 6)."""

import os

import jinja2
import pytest

from shegong.serving.serve import TEMPLATE, TEMPLATE_ROOT

from .test_browser import LOADS


def _environment(template: str, monkeypatch) -> jinja2.Environment:
    """The Jinja environment Voila builds for ``--template`` (voila.app.Voila.setup_template_dirs),
    with the project's template directory first on JUPYTER_PATH as ``shegong serve`` sets it."""
    monkeypatch.setenv(
        "JUPYTER_PATH",
        os.pathsep.join(p for p in (str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH", "")) if p),
    )
    from voila.paths import collect_template_paths

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            collect_template_paths(["voila", "nbconvert"], template, prune=True)
        ),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
    )
    env.install_null_translations(newstyle=False)
    return env


@pytest.mark.parametrize("page", ["404.html", "error.html"])
def test_error_pages_load_nothing_from_other_hosts(page, monkeypatch):
    from voila.utils import create_include_assets_functions

    namespace = {
        "base_url": "/",
        "theme": "light",
        "status_code": 404,
        "status_message": "Not Found",
        **create_include_assets_functions(TEMPLATE, "/"),
    }
    ours = _environment(TEMPLATE, monkeypatch).get_template(page).render(**namespace)
    assert "404: Not Found" in ours and "返回首页" in ours  # the error, and a way back
    assert 'href="/voila/templates/shegong/static/index.css?v=' in ours  # styled from this server
    assert LOADS.findall(ours) == [] and "cdn.jsdelivr" not in ours
    stock = _environment("lab", monkeypatch).get_template(page).render(**namespace)
    assert "cdn.jsdelivr.net/npm/font-awesome" in stock  # what the template replaces
