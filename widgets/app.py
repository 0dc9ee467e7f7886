"""The module-player app the notebook displays: identify the trainee, then play the chosen module.

The trainee is the person the served portal authenticated (``login``, passed down by the server),
otherwise whoever signs in through :class:`SignInWidget` — never a URL value or a notebook
parameter (DESIGN.md §7).
"""

from __future__ import annotations

import ipywidgets as w

from shegong.config import language
from shegong.errors import CurriculumError
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ProgressStore, Trainee
from shegong.widgets.player import ModulePlayer, module_label, ui
from shegong.widgets.signin import resume_or_sign_in


class ModulePlayerApp(w.VBox):
    """Sign-in (or hub profile) → module picker + :class:`ModulePlayer`. ``player`` is set once
    signed in.

    Raises :class:`~shegong.errors.CurriculumError` for an unknown ``module_id``.
    """

    def __init__(
        self,
        module_id: str,
        *,
        lang: str = "zh",
        store_url: str | None = None,
        curricula_path: str | None = None,
        login: str | None = None,
    ) -> None:
        self.modules = load_curricula(curricula_path)
        if module_id not in self.modules:
            raise CurriculumError(f"no module '{module_id}': use one of {', '.join(self.modules)}")
        self.module_id, self.lang, self._url = module_id, lang, store_url
        self.store: ProgressStore | None = None
        self.trainee: Trainee | None = None
        self.player: ModulePlayer | None = None
        self.picker = w.Dropdown(
            options=[(module_label(m, lang), k) for k, m in self.modules.items()],
            value=module_id,
            description=ui("module", lang),
            style={"description_width": "initial"},
            layout=w.Layout(width="auto", max_width="100%"),  # the full title, never cut short
        )
        self.picker.observe(self._pick, names="value")
        super().__init__([])
        self.signin, resumed = resume_or_sign_in(
            self._open_store, self.start, lang=lang, login=login
        )
        if resumed:
            return
        self.children = [self.signin]

    def _open_store(self) -> ProgressStore:
        if self.store is None:
            self.store = ProgressStore.open(self._url)
        return self.store

    def start(self, store: ProgressStore, trainee: Trainee) -> None:
        """Show the player for ``trainee``."""
        self.store, self.trainee = store, trainee
        self.player = ModulePlayer(
            self.modules[self.picker.value], trainee=trainee, store=store, lang=self.lang
        )
        self.children = [self.picker, self.player]

    def _pick(self, change) -> None:  # noqa: ANN001
        if self.trainee is not None and self.store is not None:
            self.start(self.store, self.trainee)


def module_player_app(module_id: str, lang: str = "zh", **kw) -> ModulePlayerApp:
    """The app for the notebook: ``display(module_player_app("m01-ethics", "zh"))``."""

    return ModulePlayerApp(module_id, lang=language(lang), **kw)
