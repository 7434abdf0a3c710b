"""Reading and writing area files safely: Excel workbooks and YAML.

Safety rules (the same spirit as scenario files):

* bounded: at most ``MAX_FILE_BYTES`` on disk, ``MAX_SHEETS`` sheets, ``MAX_ROWS`` rows and
  ``MAX_COLUMNS`` columns per sheet, and a bounded unpacked size (an .xlsx is a zip file, so a
  small file could otherwise unpack to gigabytes);
* no formula is evaluated: the workbook is read with ``data_only=False`` and any cell that
  holds a formula is refused (type the value instead), so a cached result Excel stored is never
  trusted either;
* no external link is followed: a workbook with external links (``xl/externalLinks``) or
  macros is refused before openpyxl parses it;
* no interpolation or resolver runs on the text: any text holding ``${`` is refused, and the
  values are validated cell by cell here before any configuration library sees them.

Every problem names the sheet, the cell (``Capacity!B7``), the value and what is allowed.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .schema import MAX_MONTHS, MONTHS, SHEETS, Cell

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
MAX_SHEETS = 12
MAX_ROWS = 200
MAX_COLUMNS = 20
MAX_TEXT = 500

README_SHEET = "README"
SETTINGS_FIRST_ROW = 5      # rows 1-2 title and note, row 4 headers
TABLE_HEADER_ROW = 4        # column keys; units, allowed and notes below
TABLE_FIRST_ROW = 8
SETTINGS_HEADERS = ("key", "value", "unit", "allowed", "note")

Problem = tuple[str, Any, str]


class Area:
    """A local area as read from a file: its values by sheet and where each came from."""

    def __init__(self, data: dict[str, Any], locations: dict[tuple, str], source: str):
        self.data = data
        self.locations = locations  # (yaml key, key or row index, column) -> "Sheet!B7"
        self.source = source

    @property
    def name(self) -> str:
        return str(self.data["area"]["name"])

    def where(self, block: str, key: Any, column: str | None = None) -> str:
        return self.locations.get((block, key, column), f"{block}.{key}")


# ------------------------------------------------------------------------------------- read
def read_area(path: str | Path, content: bytes | None = None) -> Area:
    """Read and check an area file (.xlsx or .yaml). Raises one ConfigError listing every
    problem, each naming the sheet, cell, value and what is allowed."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".yaml", ".yml"):
        raise ConfigError(f"Area file {path.name!r} must be an Excel workbook (.xlsx) or YAML "
                          "(.yaml); save it in one of those formats",
                          [("area", path.name, ".xlsx or .yaml")])
    if content is None:
        if not path.is_file():
            raise ConfigError(f"Area file {str(path)!r} does not exist",
                              [("area", str(path), "an existing file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_big(path.name, size)
        content = path.read_bytes()
    if len(content) > MAX_FILE_BYTES:
        raise _too_big(path.name, len(content))
    formulas: list[Problem] = []
    if suffix == ".xlsx":
        raw, locations, formulas = _read_xlsx(content, path.name)
    else:
        raw, locations = _read_yaml(content, path.name)
    data = check(raw, locations, path.name, formulas)
    return Area(data, locations, str(path))


def _too_big(name: str, size: int) -> ConfigError:
    return ConfigError(f"Area file {name!r} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} "
                       "(an area needs a few kilobytes)",
                       [("area", name, f"at most {MAX_FILE_BYTES:,} bytes")])


def _read_yaml(content: bytes, name: str) -> tuple[dict, dict]:
    from ..config import parse_yaml_text

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{name!r} is not UTF-8 text", [("area", name, "UTF-8 YAML")]) from None
    data = parse_yaml_text(text, repr(name))
    unknown = [k for k in data if k not in {key for key, _, _ in SHEETS.values()}]
    if unknown:
        allowed = ", ".join(key for key, _, _ in SHEETS.values())
        raise ConfigError(f"{name!r}: unknown section {unknown[0]!r}; the sections are "
                          f"{allowed}", [(str(unknown[0]), unknown[0], allowed)])
    return data, {}


def _check_zip(content: bytes, name: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise ConfigError(f"{name!r} is not an Excel workbook (.xlsx): save it from Excel or "
                          "LibreOffice as .xlsx", [("area", name, "an .xlsx workbook")]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ConfigError(f"{name!r} holds {len(entries)} parts; an area workbook has "
                              f"fewer than {MAX_ZIP_ENTRIES}",
                              [("area", name, f"at most {MAX_ZIP_ENTRIES} parts")])
        unpacked = sum(e.file_size for e in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ConfigError(f"{name!r} unpacks to {unpacked:,} bytes; the limit is "
                              f"{MAX_UNPACKED_BYTES:,}",
                              [("area", name, f"at most {MAX_UNPACKED_BYTES:,} bytes unpacked")])
        names = [e.filename for e in entries]
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise ConfigError(f"{name!r} links to other workbooks; links are never followed. "
                          "Break the links (Excel: Data > Edit Links > Break Link) and save "
                          "the values", [("area", name, "no external links")])
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ConfigError(f"{name!r} contains macros; save it as a plain .xlsx workbook",
                          [("area", name, "no macros")])


def _read_xlsx(content: bytes, name: str) -> tuple[dict, dict]:
    import openpyxl

    _check_zip(content, name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), data_only=False, keep_links=False,
                                    keep_vba=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ConfigError(f"{name!r} cannot be read as a workbook ({type(exc).__name__}: "
                          f"{exc})", [("area", name, "an .xlsx workbook")]) from None
    sheets = [ws.title for ws in wb.worksheets]
    if len(sheets) > MAX_SHEETS:
        raise ConfigError(f"{name!r} has {len(sheets)} sheets; the limit is {MAX_SHEETS}",
                          [("area", name, f"at most {MAX_SHEETS} sheets")])
    unknown = [s for s in sheets if s not in SHEETS and s != README_SHEET]
    if unknown:
        raise ConfigError(f"{name!r}: unknown sheet {unknown[0]!r}; the sheets are "
                          f"{README_SHEET}, {', '.join(SHEETS)}",
                          [(unknown[0], unknown[0], "one of " + ", ".join(SHEETS))])
    problems: list[Problem] = []
    formulas: list[Problem] = []
    for ws in wb.worksheets:
        if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS:
            problems.append((ws.title, f"{ws.max_row} rows x {ws.max_column} columns",
                             f"at most {MAX_ROWS} rows and {MAX_COLUMNS} columns"))
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or type(cell.value).__name__ in (
                        "ArrayFormula", "DataTableFormula"):
                    formulas.append((f"{ws.title}!{cell.coordinate}", _text_of(cell.value),
                                     "a typed value, not a formula (formulas are never "
                                     "evaluated)"))
    _raise(problems, name)
    data: dict[str, Any] = {}
    locations: dict[tuple, str] = {}
    for sheet, (key, shape, cells) in SHEETS.items():
        if sheet not in sheets:
            problems.append((sheet, None, "this sheet is required"))
            continue
        ws = wb[sheet]
        if shape == "settings":
            data[key] = _settings_sheet(ws, key, cells, locations, problems)
        else:
            data[key] = _table_sheet(ws, key, cells, locations, problems)
    if problems:
        _raise(problems + formulas, name)
    return data, locations, formulas


def _text_of(value: Any) -> str:
    return str(getattr(value, "text", value))


def _settings_sheet(ws, block: str, cells: tuple[Cell, ...], locations: dict,
                    problems: list[Problem]) -> dict[str, Any]:
    known = {c.key for c in cells}
    out: dict[str, Any] = {}
    for r in range(SETTINGS_FIRST_ROW, ws.max_row + 1):
        key = ws.cell(r, 1).value
        if key is None or (isinstance(key, str) and not key.strip()):
            continue
        key = str(key).strip()
        where = f"{ws.title}!A{r}"
        if key not in known:
            problems.append((where, key, "a key of this sheet: " + ", ".join(sorted(known))))
            continue
        if key in out:
            problems.append((where, key, "each key once"))
            continue
        out[key] = ws.cell(r, 2).value
        locations[(block, key, None)] = f"{ws.title}!B{r}"
    return out


def _table_sheet(ws, block: str, cells: tuple[Cell, ...], locations: dict,
                 problems: list[Problem]) -> list[dict[str, Any]]:
    from openpyxl.utils import get_column_letter

    known = {c.key for c in cells}
    columns: dict[int, str] = {}
    for c in range(1, ws.max_column + 1):
        head = ws.cell(TABLE_HEADER_ROW, c).value
        if head is None:
            continue
        head = str(head).strip()
        if head == "note":
            continue
        if head not in known:
            problems.append((f"{ws.title}!{get_column_letter(c)}{TABLE_HEADER_ROW}", head,
                             "a column of this sheet: " + ", ".join(c.key for c in cells)))
            continue
        columns[c] = head
    rows = []
    for r in range(TABLE_FIRST_ROW, ws.max_row + 1):
        values = {key: ws.cell(r, c).value for c, key in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        index = len(rows)
        for c, key in columns.items():
            locations[(block, index, key)] = f"{ws.title}!{get_column_letter(c)}{r}"
        rows.append(values)
    return rows


def _raise(problems: list[Problem], name: str) -> None:
    if problems:
        lines = [f"- {where} = {value!r}: {allowed}" if value is not None
                 else f"- {where}: {allowed}" for where, value, allowed in problems]
        raise ConfigError(f"Area file {name!r}: {len(problems)} problem(s)\n" + "\n".join(lines),
                          problems)


# ------------------------------------------------------------------------------------ check
def check(raw: dict[str, Any], locations: dict[tuple, str], name: str,
          known: list[Problem] | None = None) -> dict[str, Any]:
    """Check every value against its cell's unit and range; return clean, typed values.
    ``known`` problems (formula cells) are reported with the rest, once per cell."""
    problems: list[Problem] = list(known or [])
    out: dict[str, Any] = {}

    def where(block: str, key: Any, column: str | None = None) -> str:
        return locations.get((block, key, column),
                             f"{block}.{key}" if column is None else f"{block}[{key}].{column}")

    for sheet, (block, shape, cells) in SHEETS.items():
        given = raw.get(block)
        if shape == "settings":
            if given is None:
                given = {}
            if not isinstance(given, dict):
                problems.append((block, "...", f"a mapping of settings (sheet {sheet})"))
                continue
            for key in given:
                if key not in {c.key for c in cells}:
                    problems.append((where(block, key), key, "a setting of sheet " + sheet))
            values = {}
            for cell in cells:
                value = _clean(cell, given.get(cell.key), where(block, cell.key), problems)
                values[cell.key] = value
            out[block] = values
        else:
            rows = given or []
            if not isinstance(rows, list):
                problems.append((block, "...", f"a list of rows (sheet {sheet})"))
                continue
            if len(rows) > MAX_MONTHS:
                problems.append((block, f"{len(rows)} rows", f"at most {MAX_MONTHS} rows"))
                continue
            clean_rows = []
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    problems.append((f"{block}[{i}]", row, "a row of named values"))
                    continue
                for key in row:
                    if key not in {c.key for c in cells}:
                        problems.append((where(block, i, key), key, "a column of sheet " + sheet))
                clean_rows.append({c.key: _clean(c, row.get(c.key), where(block, i, c.key),
                                                 problems) for c in cells})
            out[block] = clean_rows
    _cross_checks(out, where, problems)
    seen: set[str] = set()
    unique = []
    for problem in problems:  # a formula cell is named once, as a formula
        if problem[0] not in seen:
            seen.add(problem[0])
            unique.append(problem)
    _raise(unique, name)
    return out


_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$")


def _clean(cell: Cell, value: Any, where: str, problems: list[Problem]) -> Any:
    if isinstance(value, str) and "${" in value:
        problems.append((where, value, "plain text: '${' (interpolation) is not allowed"))
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        if cell.required:
            problems.append((where, None, f"required ({cell.unit}): {cell.allowed()}"))
        return None
    if cell.kind == "text":
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            problems.append((where, text[:40] + "...", cell.allowed()))
            return None
        if cell.key == "name" and not _NAME.match(text):
            problems.append((where, text, "letters, digits, _ . - (at most 41 characters, "
                             "not starting with . or -)"))
            return None
        return text
    if cell.kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            problems.append((where, value, cell.allowed()))
            return None
    if cell.kind == "month":
        if isinstance(value, (date, datetime)):
            return f"{value.year:04d}-{value.month:02d}"
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            problems.append((where, value, cell.allowed()))
            return None
        return text
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.append((where, value, f"{cell.allowed()} ({cell.unit})"))
        return None
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except ValueError:
        problems.append((where, value, f"{cell.allowed()} ({cell.unit})"))
        return None
    if number != number or number in (float("inf"), float("-inf")):
        problems.append((where, value, f"{cell.allowed()} ({cell.unit})"))
        return None
    if (cell.lo is not None and number < cell.lo) or (cell.hi is not None and number > cell.hi):
        problems.append((where, value, f"{cell.allowed()} ({cell.unit})"))
        return None
    if cell.kind == "int":
        if not float(number).is_integer():
            problems.append((where, value, f"{cell.allowed()} ({cell.unit})"))
            return None
        return int(number)
    return number


def _cross_checks(out: dict[str, Any], where, problems: list[Problem]) -> None:
    """Checks that involve more than one cell; each still names the cell to change."""
    pop = out.get("population", {})
    if all(pop.get(k) is not None for k in ("age_65_74", "age_75_84", "age_85_plus")):
        if pop["age_65_74"] + pop["age_75_84"] + pop["age_85_plus"] < 1:
            problems.append((where("population", "age_65_74"), 0,
                             "at least one person aged 65+ in the three bands"))
    year = out.get("costs", {}).get("price_year")
    if year is not None:
        from ..costs import price_index

        if year not in price_index():
            problems.append((where("costs", "price_year"), year,
                             "a financial year with a deflator: " + ", ".join(price_index())))
    cap = out.get("capacity", {})
    if cap and cap.get("p1_reablement_hours_per_week") is None \
            and cap.get("p1_reablement_visits_per_week") is None:
        problems.append((where("capacity", "p1_reablement_hours_per_week"), None,
                         "give reablement hours per week, or visits per week in the row below"))
    calendar = out.get("beds_calendar", [])
    names = [row.get("month") for row in calendar]
    if len(calendar) != 12 or names != list(MONTHS):
        problems.append(("Beds calendar" if not calendar else where("beds_calendar", 0, "month"),
                         ", ".join(str(n) for n in names[:3]) + ("..." if len(names) > 3 else ""),
                         "twelve rows, April to March in order"))
    seen: dict[str, int] = {}
    for i, row in enumerate(out.get("monthly", [])):
        month = row.get("month")
        if month is None:
            continue
        if month in seen:
            problems.append((where("monthly", i, "month"), month, "each month once"))
        seen[month] = i


# ------------------------------------------------------------------------------------ write
def area_yaml(data: dict[str, Any], header: str = "") -> str:
    """The area as YAML, sections in sheet order."""
    body = {block: data.get(block) for _, (block, _, _) in SHEETS.items()}
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def write_workbook(data: dict[str, Any], path: str | Path | None = None) -> bytes:
    """The area as a documented workbook; returns its bytes (and writes it if ``path``)."""
    from .workbook import build_workbook

    content = build_workbook(data)
    if path is not None:
        Path(path).write_bytes(content)
    return content
