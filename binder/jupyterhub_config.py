"""JupyterHub configuration for a Shegong Workbench cohort (documented in docs/jupyterhub.md).

Every trainee and trainer signs in with their own account and gets a single-user server running as
their own OS user (LocalProcessSpawner). Only members of the JupyterHub group ``trainers`` get the
answer-key folder and the trainer's database credentials in their environment; the key files
themselves are owned by the ``shegong-trainers`` OS group with mode 0640 (folder 0750), so a
trainee's process cannot open them even by path (DESIGN.md §7; tests/test_keys_osuser.py).

Site-specific values come from the environment of the hub process (systemd unit or shell):

==============================  ==============================================================
``SHEGONG_HUB_TRAINERS``        comma-separated hub user names of trainers (default: none)
``SHEGONG_HUB_ADMINS``          comma-separated hub user names of administrators (also trainers)
``SHEGONG_KEYS_DIR``            trainer-only folder of ``<module-id>.yaml`` key files
                                (default ``/srv/shegong/keys``)
``SHEGONG_TRAINER_DB_URL_FILE`` root-only file holding the trainer's PostgreSQL URL
                                (default ``/etc/shegong/trainer_db_url``)
``SHEGONG_TRAINEE_DB_URL``      the trainees' PostgreSQL URL (a role with row-level security)
``SHEGONG_CURRICULA``           the curricula folder without key files
                                (default ``/srv/shegong/curricula``)
==============================  ==============================================================

Nothing here imports jupyterhub at module level, so the file can be checked without a hub
(tests/test_keys.py executes it with a stand-in ``get_config``).
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

TRAINERS = {u for u in os.environ.get("SHEGONG_HUB_TRAINERS", "").split(",") if u}
ADMINS = {u for u in os.environ.get("SHEGONG_HUB_ADMINS", "").split(",") if u}
KEYS_DIR = os.environ.get("SHEGONG_KEYS_DIR", "/srv/shegong/keys")
TRAINER_DB_URL_FILE = os.environ.get("SHEGONG_TRAINER_DB_URL_FILE", "/etc/shegong/trainer_db_url")
TRAINEE_DB_URL = os.environ.get(
    "SHEGONG_TRAINEE_DB_URL", "postgresql+psycopg://shegong_trainee@localhost/shegong"
)
CURRICULA = os.environ.get("SHEGONG_CURRICULA", "/srv/shegong/curricula")

# -- who signs in: local accounts (PAM); the hub creates missing OS users, one per trainee
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.LocalAuthenticator.create_system_users = True
c.Authenticator.allow_all = True
c.Authenticator.admin_users = ADMINS
c.JupyterHub.load_groups = {"trainers": {"users": sorted(TRAINERS | ADMINS)}}

# -- how servers start: each user's own OS account, JupyterLab, bound to the hub's network only
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.JupyterHub.bind_url = "http://127.0.0.1:8000"  # put a TLS proxy (nginx) in front for a cohort
# environment every server gets; the trainer-only values are added by the hook below
c.Spawner.environment = {"SHEGONG_CURRICULA": CURRICULA, "SHEGONG_LANG": "zh"}
# idle servers are stopped (jupyterhub-idle-culler service)
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": ["python3", "-m", "jupyterhub_idle_culler", "--timeout=3600"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    }
]


def is_trainer(user) -> bool:  # noqa: ANN001 - a jupyterhub User
    """Membership of the hub group ``trainers`` (or an admin)."""
    return user.name in ADMINS or any(g.name == "trainers" for g in getattr(user, "groups", []))


def shegong_pre_spawn_hook(spawner) -> None:  # noqa: ANN001 - a jupyterhub Spawner
    """Give trainers the key folder and their database URL; trainees get neither, and no terminal.

    ``JUPYTERHUB_USER`` is set by the hub for every server: the workbench identifies the trainee by
    it, never by a notebook parameter.
    """
    env = dict(spawner.environment)
    if is_trainer(spawner.user):
        env["SHEGONG_KEYS_DIR"] = KEYS_DIR
        env["SHEGONG_DATABASE_URL"] = Path(TRAINER_DB_URL_FILE).read_text(encoding="utf-8").strip()
        spawner.args = [a for a in spawner.args if "terminals_enabled" not in a]
    else:
        env.pop("SHEGONG_KEYS_DIR", None)
        env["SHEGONG_DATABASE_URL"] = TRAINEE_DB_URL
        spawner.args = [*spawner.args, "--ServerApp.terminals_enabled=False"]
    spawner.environment = env


c.Spawner.pre_spawn_hook = shegong_pre_spawn_hook
