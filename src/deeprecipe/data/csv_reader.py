"""A CSV file into raw columns, parsed by ``pyarrow.csv`` (multi-threaded, typed).

- The delimiter (``,``, ``;`` or tab) is detected from the header unless given.
- Empty cells and ``NA``, ``N/A``, ``NaN``, ``null``, ``?`` (any case) are missing. ``None`` is
  missing among numbers but a value in a text column (``AirBags: None``, ``MasVnrType: None``),
  where imputing it would replace a real category with another; a note says so. (pandas reads
  it as missing everywhere.)
- Numbers stay in Arrow until the schema writes them into the feature matrix; text columns
  are dictionary-encoded by Arrow (:class:`~deeprecipe.data.columns.TextColumn`). Blanks
  around a value are ignored.
- A nameless first column (``"",a,b`` or ``,a,b``: R's ``write.csv``, pandas' ``to_csv()``) whose
  values are distinct is the file's row index: it is left out, and a note says so.
- Decimal commas (``1,5``) are parsed as numbers when ``decimal=","`` is given, and detected
  in a file whose delimiter is not a comma: a text column whose every filled cell reads as a
  number with a decimal comma becomes numbers.

Arrow reports a malformed file without a line number; only then is the file read again with
Python's ``csv`` module to name the line, so errors stay as precise as they were.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe.data.columns import TextColumn, as_column, is_text, numbers
from deeprecipe.errors import DeepRecipeError

MISSING = ("", "na", "n/a", "nan", "null", "?")
#: missing among numbers, a category in a text column
MISSING_AMONG_NUMBERS = ("none",)
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^(?i:[+-]?(inf|infinity))$"
DECIMAL_COMMA = r"^[+-]?\d+(,\d+)?([eE][+-]?\d+)?$"
HEAD_BYTES = 1 << 16
#: Arrow's block size: types are inferred from the first block (about 8 MB of text)
BLOCK_BYTES = 8 << 20


def _null_values() -> list[str]:
    return sorted({v for m in MISSING for v in (m, m.upper(), m.title(), m.capitalize())})


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as exc:
        raise DeepRecipeError(f"{path} could not be read: {exc.strerror}") from None
    if b"\x00" in head:
        raise DeepRecipeError(f"{path} holds binary data; accepted: a CSV text file in UTF-8")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the chunk
            raise DeepRecipeError(
                f"{path} is not UTF-8 text ({exc.reason}); accepted: a CSV file in UTF-8"
            ) from None
        return head[: exc.start].decode("utf-8-sig")


def _header(path: Path, head: str, delimiter: str | None) -> tuple[list[str], str]:
    lines = [line for line in head.splitlines() if line.strip()]
    if not lines:
        raise DeepRecipeError(f"{path} is empty; accepted: a header row and data rows")
    first = lines[0]
    if delimiter is None:
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    # the first column may be nameless: a row index, checked once its values are read
    if any(h == "" for h in header[1:]) or header == [""]:
        k = header.index("", 1) if len(header) > 1 else 0
        raise DeepRecipeError(
            f"{path}: column {k + 1} of the header has no name; accepted: a "
            "header row naming every column"
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DeepRecipeError(
            f"{path}: the header repeats {', '.join(map(repr, dup))}; "
            "accepted: distinct column names"
        )
    return header, delimiter


def _data_lines(path: Path, delimiter: str) -> tuple[list[int], str | None]:
    """The line number of every data row, read with Python's ``csv`` module (error path only),
    and the first structural problem found, if any."""
    lines: list[int] = []
    width = None
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            for r in reader:
                if not r or not any(c.strip() for c in r):
                    continue
                if width is None:
                    width = len(r)
                    continue
                if len(r) != width:
                    return lines, (
                        f"{path}: line {reader.line_num} has {len(r)} fields but the header has "
                        f"{width}; accepted: {width} fields per line (delimiter {delimiter!r})"
                    )
                lines.append(reader.line_num)
        except csv.Error as exc:
            return lines, f"{path} could not be parsed as CSV at line {reader.line_num}: {exc}"
    return lines, None


def row_labeller(path: Path, delimiter: str) -> Callable[[int], str]:
    """``row(i)`` -> ``"row i (line L of file.csv)"``; the lines are counted only when asked."""
    cache: list[list[int]] = []

    def row(i: int) -> str:
        if not cache:
            cache.append(_data_lines(path, delimiter)[0])
        line = cache[0][i] if i < len(cache[0]) else i + 2
        return f"row {i} (line {line} of {path.name})"

    return row


def _row_index_note(path: Path, column: Any) -> str:
    """The note for a nameless first column, read as the file's row index when its values are
    distinct (R's write.csv writes 1..m or the row names, pandas' to_csv() its index): a place
    in the file, not a feature. Refused otherwise, as any nameless column is."""
    column = as_column(column)
    if is_text(column):
        filled = column.codes[column.codes >= 0]
        span = f"{column.first_value()!r} to {column.cell(len(column) - 1)!r}"
    else:
        values = numbers(column)
        filled = values[np.isfinite(values)]
        span = f"{filled.min():.15g} to {filled.max():.15g}" if len(filled) else ""
    distinct = len(np.unique(filled))
    if len(filled) < len(column) or distinct < len(column):
        raise DeepRecipeError(
            f"{path}: column 1 of the header has no name, and its values are not a row index "
            f"({len(column) - len(filled)} missing, {distinct} distinct in {len(column)} rows); "
            "accepted: a header row naming every column, or a nameless first column with a "
            "different value in every row (a row index, left out)"
        )
    return (
        f"the first column has no name in the header and a different value in every row "
        f"({span}): read as the file's row index, as R's write.csv and pandas' "
        "to_csv() write it (pandas reads it as 'Unnamed: 0'), and left out of the features"
    )


def _text_or_numbers(column: Any, decimal_comma: bool, notes: list[str], name: str) -> Any:
    """A string column from Arrow: numbers if every filled cell is one (blanks trimmed, decimal
    commas when detected or asked), otherwise a dictionary-encoded text column, whose ``None``
    cells are a category (said in ``notes``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(column)
    lower = pc.utf8_lower(trimmed)
    missing = pc.or_kleene(pc.is_null(trimmed), pc.is_in(lower, value_set=pa.array(MISSING)))
    word = pc.is_in(lower, value_set=pa.array(MISSING_AMONG_NUMBERS))
    numeric = pc.if_else(pc.or_(missing, word), pa.scalar(None, pa.string()), trimmed)
    filled = len(numeric) - numeric.null_count
    if filled:
        for pattern, comma in ((NUMBER, False), (DECIMAL_COMMA, True)):
            if comma and not decimal_comma:
                continue
            if pc.sum(pc.match_substring_regex(numeric, pattern)).as_py() == filled:
                text = pc.replace_substring(numeric, ",", ".") if comma else numeric
                try:
                    return pc.cast(text, pa.float64())
                except pa.ArrowInvalid:  # a form the regex admits but Arrow does not: text
                    break
    words = pc.sum(word).as_py() or 0
    if words:
        notes.append(
            f"text column {name!r}: {words} cell(s) 'None' read as a category, not as missing "
            "cells (write NA or leave a cell empty where its value is unknown)"
        )
    return TextColumn.from_arrow(pc.if_else(missing, pa.scalar(None, pa.string()), trimmed))


def _options(header: list[str], delimiter: str, **convert: Any) -> dict[str, Any]:
    """pyarrow's options for a file whose header was read already (see the module docstring);
    ``convert`` overrides the conversion options."""
    import pyarrow.csv as pacsv

    conversion = {
        "null_values": _null_values(),
        "strings_can_be_null": True,
        "quoted_strings_can_be_null": True,
        "true_values": ["\x00true"],  # no boolean columns: true/false stay text
        "false_values": ["\x00false"],
        "timestamp_parsers": ["\x00"],  # dates stay text (then refused as id-like)
    }
    return {
        "read_options": pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK_BYTES),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter),
        "convert_options": pacsv.ConvertOptions(**(conversion | convert)),
    }


def _without_blank_rows(table: Any) -> Any:
    """Rows whose every cell is empty are blank lines (``,,,``), as Python's csv module skips
    them."""
    import pyarrow as pa

    if not (table.num_rows and table.num_columns):
        return table
    empty = np.ones(table.num_rows, dtype=bool)
    for col in table.columns:
        if col.null_count == 0:
            return table
        empty &= col.is_null().to_numpy(zero_copy_only=False)
    return table.filter(pa.array(~empty)) if empty.any() else table


def _read_table(path: Path, options: dict[str, Any]) -> Any:
    """The whole file as an Arrow table. Block by block first (``open_csv``): the parse buffers
    of one block at a time, so the peak is about the table itself, half of ``read_csv``'s. Its
    column types are inferred from the first block, so a later block that does not fit them
    (a word after thousands of numbers) is read again with ``read_csv``, which sees every row."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.open_csv(path, **options).read_all()
    except pa.ArrowInvalid as exc:
        if "conversion error" not in str(exc) and "CSV conversion" not in str(exc):
            raise
    return pacsv.read_csv(path, **options)


def read_csv_columns(
    path: Path, *, delimiter: str | None = None, decimal: str | None = None
) -> tuple[dict[str, Any], Callable[[int], str], list[str]]:
    """``(columns, row label, notes)`` of a CSV file; the notes say what was left out (a row
    index). See the module docstring."""
    import pyarrow as pa

    if decimal not in (None, ".", ","):
        raise DeepRecipeError(f"decimal={decimal!r}; accepted: '.' or ','")
    header, delimiter = _header(path, _head(path), delimiter)
    if decimal == "," and delimiter == ",":
        raise DeepRecipeError(
            f"{path} is comma-separated, so ',' cannot also be its decimal mark; accepted: "
            "decimal=',' with a ';' or tab delimiter"
        )
    options = _options(header, delimiter, decimal_point=decimal or ".")
    try:
        table = _read_table(path, options)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text or "UTF-8" in text:
            raise DeepRecipeError(
                f"{path} is not UTF-8 text; accepted: a CSV file in UTF-8"
            ) from None
        if "Empty CSV" in text:
            raise DeepRecipeError(
                f"{path} is empty; accepted: a header row and data rows"
            ) from None
        _, problem = _data_lines(path, delimiter)
        raise DeepRecipeError(
            problem or f"{path} could not be parsed as CSV: {text.splitlines()[0]}"
        ) from None
    table = _without_blank_rows(table)
    comma = decimal == "," or (decimal is None and delimiter != ",")
    columns: dict[str, Any] = {}
    notes: list[str] = []
    for name, col in zip(header, table.columns, strict=True):
        t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            columns[name] = col
        elif pa.types.is_null(t):
            columns[name] = pa.chunked_array([pa.nulls(len(col), pa.float64())])
        else:
            if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
                col = col.cast(pa.string())
            columns[name] = _text_or_numbers(col, comma, notes, name)
    if header[0] == "":
        notes.insert(0, _row_index_note(path, columns.pop("")))
    return columns, row_labeller(path, delimiter), notes


def read_csv_cells(
    path: Path, names: list[str], *, delimiter: str | None = None
) -> dict[str, list[str]]:
    """The cells of columns ``names`` exactly as the file writes them (``"007"`` and ``"NA"``
    stay as they are), row for row as :func:`read_csv_columns` reads the file: to copy an id
    into a predictions file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header, delimiter = _header(path, _head(path), delimiter)
    unknown = [n for n in names if n not in header]
    if unknown:
        raise DeepRecipeError(
            f"{path} has no column {', '.join(map(repr, unknown))}; accepted: "
            f"{', '.join(h for h in header if h)}"
        )
    options = _options(
        header,
        delimiter,
        column_types={h: pa.string() for h in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = _read_table(path, options)
    except pa.ArrowInvalid as exc:
        raise DeepRecipeError(
            f"{path} could not be parsed as CSV: {str(exc).splitlines()[0]}"
        ) from None
    cells = {h: pc.utf8_trim_whitespace(table.column(h)) for h in header}
    blank = np.ones(table.num_rows, dtype=bool)  # the rows read_csv_columns skips
    for col in cells.values():
        blank &= pc.is_in(pc.utf8_lower(col), value_set=pa.array(MISSING)).to_numpy(
            zero_copy_only=False
        )
    return {
        n: [v for v, b in zip(cells[n].to_pylist(), blank, strict=True) if not b] for n in names
    }
