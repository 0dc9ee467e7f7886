"""社工站培训与评估工作台 — Shegong Workbench.

Training and pilot-year evaluation for China's township social work stations (乡镇（街道）社工站).
All logic lives in this package; notebooks and widgets only call it.
"""

__version__ = "0.1.0"
