"""Sign-in for trainees outside the portal, and the first-visit profile of a signed-in person.

In the served portal the front server has authenticated the person before the kernel started
(:mod:`shegong.serving.front`) and passes the login down (``login``); the widget then only asks
for the trainee profile when there is none yet. Opened in JupyterLab outside the portal, it signs
in with the store's accounts (:func:`shegong.training.accounts.sign_in`) or registers with a
trainer's invitation code (:func:`shegong.training.accounts.register`). The store is opened
lazily through ``store_factory`` on the first click, so merely displaying the widget creates no
database. Calls ``on_signed_in(store, trainee)`` once the trainee is known. At registration the
trainee chooses a track (培训路径) from ``curricula/progression.yaml`` — preset from the role —
which
a trainer later confirms or changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from shegong.errors import ShegongError
from shegong.trainer.rules import Rules, load_rules
from shegong.training import accounts, sessions
from shegong.training.progress import ROLES, TRACK_OF_ROLE, ProgressError, ProgressStore, Trainee

TEXT = {
    "title": {"zh": "学员登录", "en": "Trainee sign-in"},
    "profile": {
        "zh": "第一次使用：请选择你的角色、培训路径和所在社工站",
        "en": "First visit: choose your role, track and station",
    },
    "track": {"zh": "培训路径", "en": "Track"},
    "track_note": {
        "zh": "培训路径决定你在各阶段要学的模块和要完成的实践；培训师会确认或调整。",
        "en": "Your track sets the modules and practice of each stage; your trainer "
        "confirms or changes it.",
    },
    "login": {"zh": "账号", "en": "Login"},
    "password": {"zh": "密码", "en": "Password"},
    "role": {"zh": "角色", "en": "Role"},
    "station": {"zh": "社工站", "en": "Station"},
    "display_name": {"zh": "姓名", "en": "Name"},
    "invitation": {"zh": "邀请码", "en": "Invitation code"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "register": {"zh": "注册新学员", "en": "Register"},
    "start": {"zh": "开始学习", "en": "Start"},
    "first_time": {
        "zh": "第一次使用？填写账号、密码（至少 8 个字符）、姓名、培训师给的邀请码，"
        "选择角色、培训路径和所在社工站，再点「注册新学员」。",
        "en": "First time here? Enter a login, a password (8 characters or more), your name and "
        "the "
        "invitation code your trainer gave you, choose your role, track and station, then click "
        "Register.",
    },
    "station_required": {"zh": "请填写所在社工站", "en": "Please enter your station"},
}


def t(key: str, lang: str) -> str:
    """The sign-in label ``key`` in ``lang`` (Chinese when missing)."""
    return TEXT[key].get(lang, TEXT[key]["zh"])


def resume_or_sign_in(
    open_store: Callable[[], ProgressStore],
    start: Callable[[ProgressStore, Trainee], None],
    *,
    lang: str,
    login: str | None = None,
) -> tuple["SignInWidget", bool]:
    """With the authenticated ``login`` the served portal passes down, ``start`` is called at once
    when its trainee profile exists (second value True) and the returned widget asks for the
    profile otherwise; without a login the widget is a sign-in (DESIGN.md §7)."""
    signin = SignInWidget(open_store, start, lang=lang, hub_user=login)
    if login:
        store = open_store()
        known = store.trainee(login)
        if known is not None:
            start(store, known)
            return signin, True
    return signin, False


class SignInWidget(w.VBox):
    """Login + password (sign in, or register with name, invitation code, role and station); with
    ``hub_user`` (an already authenticated login) only the profile: role and station."""

    def __init__(
        self,
        store_factory: Callable[[], ProgressStore],
        on_signed_in: Callable[[ProgressStore, Trainee], None],
        *,
        lang: str = "zh",
        hub_user: str | None = None,
    ) -> None:
        self._factory, self._done, self.lang, self.hub_user = (
            store_factory,
            on_signed_in,
            lang,
            hub_user,
        )
        self._store: ProgressStore | None = None
        self.login = w.Text(description=t("login", lang))
        self.password = w.Password(description=t("password", lang))
        self.role = w.Dropdown(
            options=[(v.get(lang, v["zh"]), k) for k, v in ROLES.items()],
            description=t("role", lang),
        )
        self.rules: Rules = load_rules()
        self.track = w.Dropdown(
            options=[(tr.name(lang), k) for k, tr in self.rules.tracks.items()],
            description=t("track", lang),
            layout=w.Layout(width="auto"),
        )
        self._preset_track()
        self.role.observe(lambda _c: self._preset_track(), names="value")
        self.station = w.Text(
            description=t("station", lang), placeholder="乌兰浩特市义勒力特镇社工站"
        )
        self.display_name = w.Text(description=t("display_name", lang))
        self.invitation = w.Text(description=t("invitation", lang))
        self.sign_in_button = w.Button(description=t("sign_in", lang), button_style="primary")
        self.register_button = w.Button(
            description=t("register" if hub_user is None else "start", lang)
        )
        self.message = w.HTML()
        self.sign_in_button.on_click(lambda _b: self._run(self._sign_in))
        self.register_button.on_click(lambda _b: self._run(self._register))
        if hub_user is None:
            children = [
                w.HTML(f"<h3>{t('title', lang)}</h3>"),
                self.login,
                self.password,
                w.HBox([self.sign_in_button]),
                w.HTML(f"<p><small>{html.escape(t('first_time', lang))}</small></p>"),
                self.display_name,
                self.invitation,
                self.role,
                self.track,
                w.HTML(f"<p><small>{html.escape(t('track_note', lang))}</small></p>"),
                self.station,
                self.register_button,
                self.message,
            ]
        else:
            children = [
                w.HTML(f"<h3>{t('profile', lang)}</h3>"),
                self.role,
                self.track,
                w.HTML(f"<p><small>{html.escape(t('track_note', lang))}</small></p>"),
                self.station,
                self.register_button,
                self.message,
            ]
        super().__init__(children)

    def _preset_track(self) -> None:
        """Preset the track the chosen role starts on (the trainee may pick another)."""
        preset = TRACK_OF_ROLE.get(self.role.value)
        if preset in self.rules.tracks:
            self.track.value = preset

    def store(self) -> ProgressStore:
        """The progress store, opened on first use."""
        if self._store is None:
            self._store = self._factory()
        return self._store

    def _run(self, action: Callable[[], Trainee]) -> None:
        try:
            trainee = action()
        except ShegongError as e:
            self.message.value = f'<span style="color:#c33">{html.escape(e.message())}</span>'
            return
        self.message.value = ""
        self._done(self.store(), trainee)

    def _sign_in(self) -> Trainee:
        store = self.store()
        login = sessions.sign_in(store, self.login.value, self.password.value, address="kernel")
        trainee = store.trainee(login)
        if trainee is None:
            raise ProgressError("此账号没有学员资料 / this account has no trainee profile")
        return trainee

    def _register(self) -> Trainee:
        if not self.station.value.strip():
            raise ProgressError(t("station_required", self.lang))
        if self.hub_user is not None:
            return self.store().register_hub(
                self.hub_user,
                role=self.role.value,
                station=self.station.value.strip(),
                track=self.track.value,
            )
        trainee, _ = accounts.register(
            self.store(),
            self.login.value,
            self.password.value,
            display_name=self.display_name.value,
            role=self.role.value,
            station=self.station.value.strip(),
            track=self.track.value,
            invitation=self.invitation.value,
        )
        return trainee
