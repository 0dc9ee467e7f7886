"""ipywidgets components of the workbench (installed as ``shegong.widgets``).

Widgets display and collect; scoring, storage and content loading live in :mod:`shegong`.
"""

from shegong.widgets.app import ModulePlayerApp, module_player_app
from shegong.widgets.exercises import WIDGETS, ExerciseWidget, exercise_widget
from shegong.widgets.player import ModulePlayer
from shegong.widgets.signin import SignInWidget

__all__ = [
    "ModulePlayerApp",
    "module_player_app",
    "ModulePlayer",
    "SignInWidget",
    "ExerciseWidget",
    "exercise_widget",
    "WIDGETS",
]
