"""ipywidgets components of the workbench (installed as ``shegong.widgets``).

Widgets display and collect; scoring, storage and content loading live in :mod:`shegong`.
"""

from .app import ModulePlayerApp, module_player_app
from .exercises import WIDGETS, ExerciseWidget, exercise_widget
from .player import ModulePlayer
from .signin import SignInWidget

__all__ = [
    "ModulePlayerApp",
    "module_player_app",
    "ModulePlayer",
    "SignInWidget",
    "ExerciseWidget",
    "exercise_widget",
    "WIDGETS",
]
