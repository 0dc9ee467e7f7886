"""DuckDB at the project's boundary: values quoted for SQL, and DuckDB's errors as one line.

Every path and text value that reaches DuckDB SQL goes through :func:`quote` or
:func:`quote_list` (or a prepared-statement parameter); every ``duckdb.Error`` raised by a step of
the computation leaves :func:`duckdb_errors` as a :class:`~shegong.errors.ShegongError` whose
message says what to do, never as a DuckDB traceback (STYLE.md rule 16).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from os import PathLike

import duckdb

from shegong.errors import DatasetError, IndicatorError
from shegong.ledger.importer import damaged_parquet


def quote(value: str | PathLike[str]) -> str:
    """``value`` as a SQL string literal: ``it's`` → ``'it''s'`` (DuckDB's standard quoting)."""
    return "'" + str(value).replace("'", "''") + "'"


def quote_list(values: Iterable[str | PathLike[str]]) -> str:
    """A SQL list of string literals, e.g. the files of ``read_parquet([...])``."""
    return "[" + ", ".join(quote(v) for v in values) + "]"


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of an error's text, cut to ``limit`` characters."""
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:limit]


@contextmanager
def duckdb_errors() -> Iterator[None]:
    """Map every ``duckdb.Error`` raised inside the block to a one-line ShegongError.

    Raises:
        DatasetError: a Parquet file of the workspace cannot be read (I/O) or is damaged.
        IndicatorError: any other DuckDB error (the message names it and what to try).
    """
    try:
        yield
    except duckdb.IOException as e:
        raise DatasetError(
            f"无法读取工作区的 Parquet 文件 a Parquet file of the workspace cannot be read "
            f"({first_line(e)}): import that ledger again (ledger import --replace)"
        ) from e
    except duckdb.InvalidInputException as e:
        raise damaged_parquet(first_line(e)) from e
    except duckdb.OutOfMemoryException as e:
        raise IndicatorError(
            f"计算超出内存 the computation ran out of memory ({first_line(e)}): close other "
            "programs or compute one pilot year at a time"
        ) from e
    except duckdb.Error as e:
        raise IndicatorError(
            f"指标计算出错 the indicator computation failed in DuckDB ({type(e).__name__}: "
            f"{first_line(e)}): check the workspace's inputs, or report this with the message"
        ) from e
