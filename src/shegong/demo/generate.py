"""``generate_demo_inputs``: every seeded input of the demo — org units, roster, the ledgers of
pilot years 2021 and 2022, and the inputs beyond the ledger (DOMAIN.md §4).

The 2021 ledgers and the roster come from :mod:`shegong.demo.ledgers`, the rest from
:mod:`shegong.demo.inputs`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from shegong.atomic import write_with
from shegong.demo.inputs import write_other_inputs
from shegong.demo.ledgers import (
    ORG_UNIT_COLUMNS,
    PILOT_YEAR,
    PUBLISHED_FIGURES,
    invalid_rows,
    make_stations,
    org_unit_rows,
    roster_rows,
    valid_rows,
    write_csv,
    write_ledgers,
)
from shegong.errors import ConfigError


@dataclass(frozen=True)
class DemoInputs:
    """Paths of the generated demo inputs and the figures their valid rows reproduce.

    ``org_units``: ``org_units.csv``; ``roster``: ``roster.csv``; ``ledgers``: the six county
    ledgers (five .xlsx, one GB18030 .csv); ``expected``: indicator id → published value
    (D1 户, D3a 个, D4a 个, D5b 次, D6 场, F3 元, D7a 人次), see :data:`PUBLISHED_FIGURES`.
    """

    org_units: Path
    roster: Path
    ledgers: list[Path]
    expected: dict[str, float] = field(default_factory=lambda: dict(PUBLISHED_FIGURES))
    ledgers_by_year: dict[int, list[Path]] = field(default_factory=dict)
    expected_by_year: dict[int, dict[str, float]] = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)


def generate_demo_inputs(dest: Path, *, seed: int = 2021) -> DemoInputs:
    """Write the seeded demo inputs for pilot year 2021 of 兴安盟 into ``dest``.

    Files (folders are created; existing files of the same name are replaced atomically):

    - ``org_units.csv`` (UTF-8): ``code`` (12-digit string), ``name``, ``parent_code`` (empty
      for the league), ``level`` (2 league, 3 county, 4 station, 5 room), ``unit_type``
      (``admin``, ``station``, ``room``), ``aliases`` (joined by ``|``).
    - ``roster.csv`` (UTF-8): ``staff_id`` (``S<station 9 digits>-NN``, volunteers ``V…``),
      ``station_code``, ``name``, ``role`` (站长, 社工, 志愿者), ``employment`` (专职, 兼职),
      ``qualification`` (助理社会工作师, 社会工作师, 高级社会工作师, 无), ``certificate_year``.
    - ``ledger/<county>_2021台账.xlsx`` for five counties: one sheet per month (``1月``…``12月``),
      title in row 1, :data:`LEDGER_HEADER` in row 2, data from row 3; and
      ``ledger/突泉县_2021台账.csv`` in GB18030 with the header in its first line. Units:
      服务人次 人次, 志愿服务时长 hours, 链接资源 元.

    The valid rows reproduce :data:`PUBLISHED_FIGURES`; :data:`REJECTED_ROWS` further rows carry
    one defect each (unknown 服务类型, impossible date, unknown 所属站点) and must be rejected.

    Raises:
        ConfigError: ``dest`` exists and is not a folder.
        OSError: a file cannot be written.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ConfigError(f"{dest} exists and is not a folder; pass a folder for the demo inputs")
    rng = random.Random(seed)
    stations = make_stations(rng)
    org_path, roster_path = dest / "org_units.csv", dest / "roster.csv"
    units, roster = org_unit_rows(stations), roster_rows(rng, stations)
    write_with(org_path, lambda p: write_csv(p, ORG_UNIT_COLUMNS, units, "utf-8"))
    used: set[str] = set()  # ID numbers handed out, so that none repeats across persons
    sink: dict = {}
    rows = valid_rows(rng, stations, used, sink=sink) + invalid_rows(rng, stations, used)
    ledgers = write_ledgers(rng, dest, rows, PILOT_YEAR)
    extra = write_other_inputs(
        dest, stations, {PILOT_YEAR: (rows, sink)}, roster, seed=seed, used=used
    )
    return DemoInputs(
        org_units=org_path,
        roster=roster_path,
        ledgers=ledgers,
        expected=dict(PUBLISHED_FIGURES),
        ledgers_by_year={PILOT_YEAR: ledgers, **extra.ledgers},
        expected_by_year={PILOT_YEAR: dict(PUBLISHED_FIGURES), **extra.expected},
        inputs=extra.files,
    )
