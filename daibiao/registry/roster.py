"""Roster import: deputies from an .xlsx or .csv file, checked in full before anything is written.

Offices keep their deputies in spreadsheets, and a presidium's roster is typed by hand, so the
import is forgiving about form (column order, spaces, ``13800000000.0`` phone cells, "县级人大代表"
for a level, GBK-encoded CSV) and strict about content. It runs in three steps:

1. ``read_table`` turns the uploaded file into rows of raw cells, or refuses the file;
2. ``validate`` checks every row against the registry as the importing user may reach it and
   collects every problem of every row, so the office fixes the file once, not row by row;
3. ``apply`` writes a fully valid plan in one transaction: new deputies, their mandates and
   their change-log rows in bulk (10,000 rows in seconds), the rarer updates one by one
   through ``save_deputy`` so they follow exactly the rules of the deputy form.

A file with any error writes nothing. Its report (the original rows plus an error column) is
kept as a small file under ``PRIVATE_ROOT/roster-reports`` (never served directly), named by
a random token and readable only by the user who uploaded it, so the report page can offer it
as a download.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import logging
import os
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daibiao.core import audit
from daibiao.core.documents import build_xlsx
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.scoping import Action

from .choices import DeputyStatus, Gender, Level, Party
from .models import Deputy, DeputyGroup, ElectoralDistrict, LiaisonStation, Mandate, Town
from .services import save_deputy

logger = logging.getLogger(__name__)

# A county has about a thousand deputies and a province tens of thousands; beyond this a file
# is a mistake (a whole sheet of formulas dragged down), and holding it would only cost memory.
MAX_ROWS = 50_000
# The title rows some offices put above the headings ("武安镇人大代表名册") are skipped when
# the headings appear within this many rows.
HEADER_SEARCH_ROWS = 10
# Rows per INSERT statement; well inside SQLite's and PostgreSQL's parameter limits.
BATCH_SIZE = 500
# Parameters per ``IN (…)`` lookup, for the same reason.
LOOKUP_CHUNK = 500
# The advisory lock that serialises roster imports on PostgreSQL (any constant unique to it).
_IMPORT_LOCK_KEY = 0x6462_726F_7374  # "dbrost"
# Reports are for fixing a file the same day; older ones are removed when a new one is saved.
REPORT_MAX_AGE = dt.timedelta(hours=24)
REPORT_DIR = "roster-reports"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


# --- the columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterColumn:
    """One column of the roster: its heading in the file, and what goes in it."""

    header: str  # the heading as offices write it; the file's language, so not translated
    key: str
    required: bool
    help: str
    example: object
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[RosterColumn, ...] = (
    RosterColumn("姓名", "name", True, gettext_lazy("The deputy's full name."), "张三"),
    RosterColumn("性别", "gender", True, gettext_lazy("男 or 女."), "男"),
    RosterColumn("民族", "ethnicity", False, gettext_lazy("For example 汉族 (the default)."), "汉族"),
    RosterColumn(
        "出生年份",
        "birth_year",
        False,
        gettext_lazy("A four-digit year such as 1975."),
        1975,
        aliases=("出生年", "出生年月"),
    ),
    RosterColumn(
        "政治面貌",
        "party",
        False,
        gettext_lazy("中共党员, 中共预备党员, 民主党派 or 群众 (the default)."),
        "中共党员",
    ),
    RosterColumn(
        "手机号",
        "phone",
        True,
        gettext_lazy(
            "An 11-digit mobile number, once per file. A number already on the platform updates "
            "that deputy instead of adding a new one."
        ),
        "13800000000",
        aliases=("手机号码", "手机", "联系电话"),
    ),
    RosterColumn("职业", "occupation", False, gettext_lazy("For example 村党支部书记."), "村党支部书记"),
    RosterColumn(
        "工作单位及职务",
        "employer",
        False,
        gettext_lazy("Employer and post."),
        "某某村党支部书记",
        aliases=("工作单位和职务", "单位及职务", "工作单位"),
    ),
    RosterColumn(
        "所在镇",
        "town",
        True,
        gettext_lazy("A town you manage, named exactly as on the platform."),
        "",
        aliases=("所在镇(区)", "所在镇（区）", "所属镇", "镇(区)", "镇（区）"),
    ),
    RosterColumn(
        "代表层级",
        "levels",
        True,
        gettext_lazy(
            "One or more of 省, 市, 县, 镇 (省级, 县人大代表 and 县镇人大代表 are understood too), "
            "separated by 、 or commas."
        ),
        "县、镇",
        aliases=("层级", "代表级别"),
    ),
    RosterColumn(
        "届次", "term", False, gettext_lazy("For example 第十九届; applies to every level of the row."), ""
    ),
    RosterColumn(
        "选区",
        "district",
        False,
        gettext_lazy("An electoral district already on the platform; it goes with the mandate of its level."),
        "",
    ),
    RosterColumn(
        "代表小组",
        "group",
        False,
        gettext_lazy("A deputy group of the deputy's town."),
        "",
        aliases=("小组",),
    ),
    RosterColumn(
        "联络站",
        "station",
        False,
        gettext_lazy("A liaison station of the deputy's town."),
        "",
        aliases=("代表联络站",),
    ),
    RosterColumn("状态", "status", False, gettext_lazy("在任 (the default), 辞职 or 届满."), "在任"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
_HEADER_KEYS = {name: c.key for c in COLUMNS for name in (c.header, *c.aliases)}

# Text limits of the Deputy and Mandate fields, checked per row rather than failing in the DB.
_MAX_LENGTH = {"name": 30, "ethnicity": 20, "occupation": 60, "employer": 120, "term": 20}

_GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}
_PARTIES = {
    "中共党员": Party.CPC,
    "中国共产党党员": Party.CPC,
    "共产党员": Party.CPC,
    "党员": Party.CPC,
    "中共预备党员": Party.CPC_PROBATIONARY,
    "预备党员": Party.CPC_PROBATIONARY,
    "民主党派": Party.DEMOCRATIC,
    "群众": Party.NONE,
    "无党派": Party.NONE,
    "无党派人士": Party.NONE,
    "共青团员": Party.NONE,  # the League is not a party
    "无": Party.NONE,
}
# Members of the eight democratic parties often write their party's name (民盟盟员, 九三学社社员).
_DEMOCRATIC_PARTIES = ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟")
_STATUSES = {
    "在任": DeputyStatus.SERVING,
    "辞职": DeputyStatus.RESIGNED,
    "罢免": DeputyStatus.RESIGNED,
    "届满": DeputyStatus.TERM_ENDED,
    "任期届满": DeputyStatus.TERM_ENDED,
}
_LEVEL_CHARS = {
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "县": Level.COUNTY,
    "镇": Level.TOWN,
    "乡": Level.TOWN,
}
_LEVEL_SPLIT = re.compile(r"[、，,;；/／\s]+")
_LEVEL_SUFFIX = re.compile(r"(?:级)?(?:人大)?(?:代表)?$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_YEAR_RE = re.compile(r"^(\d{4})(?:[.\-/年].*)?$")
_SPACES = re.compile(r"\s+")  # \s covers the ideographic space U+3000 and NBSP as well
_CJK_NAME = re.compile(r"^[\u3400-\u9fff·•\s]+$")
_DEFAULTS = {
    "ethnicity": "汉族",
    "party": Party.NONE,
    "birth_year": None,
    "occupation": "",
    "employer": "",
    "group_id": None,
    "station_id": None,
    "status": DeputyStatus.SERVING,
}


class RosterFileError(ValidationError):
    """The file as a whole cannot be read as a roster (wrong type, too big, no headings …)."""


class ImportFailed(Exception):
    """A valid plan could not be written (a concurrent change); nothing was written."""


# --- reading the file -------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of an uploaded roster, as found in the file."""

    filename: str
    headers: list[str]  # the heading row as written (stripped), one per column
    header_row: int  # its row number in the spreadsheet
    columns: dict[str, int]  # column key → position
    rows: list[tuple[int, list]]  # (row number in the spreadsheet, cells); blank rows left out


def read_table(upload) -> Table:
    """Read an uploaded .xlsx or .csv file into a ``Table``; ``RosterFileError`` if it is none."""
    name = getattr(upload, "name", "") or ""
    limit = settings.ROSTER_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise RosterFileError(_("The file is larger than {size} MB.").format(size=round(limit / 2**20, 1)))
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise RosterFileError(
            _("Old-style .xls workbooks cannot be read: open the file in Excel or WPS and save it as .xlsx.")
        )
    if suffix not in (".xlsx", ".csv"):
        raise RosterFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    content = upload.read()
    if not content.strip():
        raise RosterFileError(_("The file is empty."))
    # Judge by content too: a workbook renamed to .csv is still a workbook.
    grid = _xlsx_rows(content) if content.startswith(b"PK\x03\x04") else _csv_rows(content, suffix)
    return _table(name, grid)


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign archive
        logger.info("roster: unreadable workbook: %r", exc)
        raise RosterFileError(_("The file is not a valid Excel workbook (.xlsx).")) from exc
    try:
        sheet = workbook.active
        if not hasattr(sheet, "iter_rows"):  # a chart sheet is active: take the first worksheet
            sheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension>; without it openpyxl reads every cell there is.
        sheet.reset_dimensions()
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(_text(v) for v in values):
                rows.append((number, list(values)))
                if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
        return rows
    except RosterFileError:
        raise
    except Exception as exc:
        logger.info("roster: damaged worksheet: %r", exc)
        raise RosterFileError(_("The file is not a valid Excel workbook (.xlsx).")) from exc
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")  # Excel's "Unicode text"
    if b"\x00" in content[:4096]:
        raise RosterFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel and WPS on Chinese Windows save "CSV" in the ANSI code page, GBK; GB18030 is its
        # superset.
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            _("The text of the file could not be read: save it as “CSV UTF-8” or as .xlsx.")
        ) from exc


def _csv_rows(content: bytes, suffix: str):
    if suffix != ".csv":
        raise RosterFileError(_("The file is not a valid Excel workbook (.xlsx)."))
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    # Offices export with commas, but a tab- or semicolon-separated file is easy to tell.
    delimiter = max((",", "\t", ";"), key=first_line.count)
    rows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            if any(_text(v) for v in values):
                rows.append((number, values))
                if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
    except csv.Error as exc:
        raise RosterFileError(_("The CSV file is malformed: {error}").format(error=exc)) from exc
    return rows


def _header_key(value) -> str | None:
    # Headings are matched without any spaces ("姓  名" aligns two-character headings in many
    # forms) and without a required-field star.
    text = _SPACES.sub("", _text(value)).rstrip("*＊")
    return _HEADER_KEYS.get(text)


def _table(filename: str, grid: list[tuple[int, list]]) -> Table:
    if not grid:
        raise RosterFileError(_("The file is empty."))
    # The heading row is the one, among the first few, that names the most known columns.
    candidates = grid[:HEADER_SEARCH_ROWS]
    scores = [sum(1 for v in values if _header_key(v)) for _, values in candidates]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
    header_number, header_values = candidates[best]
    headers = [_text(v) for v in header_values]
    columns: dict[str, int] = {}
    for position, value in enumerate(header_values):
        key = _header_key(value)
        if key is None:
            continue
        if key in columns:
            raise RosterFileError(
                _("The column “{name}” appears more than once.").format(name=COLUMN_BY_KEY[key].header)
            )
        columns[key] = position
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise RosterFileError(
            _(
                "The file lacks the required columns: {columns}. The first row must hold the column "
                "headings; download the template to see them."
            ).format(columns="、".join(missing))
        )
    rows = [(number, list(values)) for number, values in grid[best + 1 :]]
    if not rows:
        raise RosterFileError(_("The file holds column headings but no deputies."))
    if len(rows) > MAX_ROWS:
        raise RosterFileError(
            _("The file holds more than {limit} rows; split it into smaller files.").format(limit=MAX_ROWS)
        )
    return Table(filename=filename, headers=headers, header_row=header_number, columns=columns, rows=rows)


# --- cell values ------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO dates, stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def normalise_phone(value) -> str:
    """``13800000000``, ``13800000000.0``, ``138 0000 0000`` and ``+86-138…`` → ``13800000000``."""
    text = re.sub(r"[\s\-()（）]", "", _text(value))
    text = re.sub(r"\.0+$", "", text)  # a number that went through a float in some export
    if text.startswith("+86"):
        text = text[3:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text


def parse_levels(value) -> tuple[list[str], list[str]]:
    """The levels named in a cell, in the order of ``Level``, and the words not understood.

    "省人大代表、县级" → province, county; "县镇人大代表" → county, town; "乡镇" → town.
    """
    found: set[str] = set()
    unknown: list[str] = []
    for token in _LEVEL_SPLIT.split(_text(value)):
        if not token:
            continue
        if token.lower() in Level.values:
            found.add(token.lower())
            continue
        core = _LEVEL_SUFFIX.sub("", token)
        if not core:
            continue
        if all(ch in _LEVEL_CHARS for ch in core):
            found.update(_LEVEL_CHARS[ch] for ch in core)
        else:
            unknown.append(token)
    order = list(Level.values)
    return sorted(found, key=order.index), unknown


def parse_birth_year(value) -> int | None:
    """A year from ``1975``, ``1975.0``, ``"1975年"``, ``"1975.03"`` or a date cell; None if none."""
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value >= 1000 else None  # 1975.03 in a 出生年月 column
    match = _YEAR_RE.match(_text(value))
    return int(match.group(1)) if match else None


def _party(text: str) -> str | None:
    if text in _PARTIES:
        return _PARTIES[text]
    if text.lower() in Party.values:
        return text.lower()
    if text.startswith(_DEMOCRATIC_PARTIES):
        return Party.DEMOCRATIC
    return None


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or one row, when ``column`` is blank)."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class RowPlan:
    """What one valid row will do: create a deputy, or update ``existing``."""

    row: int
    fields: dict  # deputy attribute → value, for the columns the file has
    mandates: list[dict]  # {"level", and "term"/"electoral_district" when the file has them}
    existing: Deputy | None = None


@dataclass
class Plan:
    """The outcome of ``validate``: every row's plan, and every error found."""

    table: Table
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class _Lookups:
    """Everything the rows refer to, read in a handful of queries before the rows are checked."""

    def __init__(self, user, phones: list[str]):
        self.towns_by_name: dict[str, list[dict]] = defaultdict(list)
        for town in Town.objects.restrict(user, Action.CHANGE).values("id", "name", "county_id"):
            self.towns_by_name[town["name"]].append(town)
        town_ids = [t["id"] for towns in self.towns_by_name.values() for t in towns]
        county_ids = {t["county_id"] for towns in self.towns_by_name.values() for t in towns}
        # Towns one may see but not write: named in a row, they are out of scope, not unknown.
        self.visible_town_names = set(Town.objects.restrict(user, Action.VIEW).values_list("name", flat=True))
        self.groups = {
            (g["town_id"], g["name"]): g["id"]
            for g in DeputyGroup.objects.filter(town_id__in=town_ids).values("id", "town_id", "name")
        }
        self.group_towns = {pk: town_id for (town_id, _name), pk in self.groups.items()}
        self.stations = {
            (s["town_id"], s["name"]): s["id"]
            for s in LiaisonStation.objects.filter(town_id__in=town_ids).values("id", "town_id", "name")
        }
        self.station_towns = {pk: town_id for (town_id, _name), pk in self.stations.items()}
        self.districts: dict[tuple[int, str], dict[str, ElectoralDistrict]] = defaultdict(dict)
        for district in ElectoralDistrict.objects.restrict(user, Action.VIEW).filter(
            county_id__in=county_ids
        ):
            self.districts[(district.county_id, district.name)][district.level] = district
        # Deputies are matched by phone across the whole platform (the number is unique there),
        # so that a number belonging to someone out of reach is reported, not duplicated.
        self.existing: dict[str, Deputy] = {}
        mandates = Prefetch("mandates", queryset=Mandate.objects.select_related("electoral_district"))
        for start in range(0, len(phones), LOOKUP_CHUNK):
            chunk = phones[start : start + LOOKUP_CHUNK]
            for deputy in Deputy.objects.filter(phone__in=chunk).prefetch_related(mandates):
                self.existing[deputy.phone] = deputy
        ids = [d.pk for d in self.existing.values()]
        self.changeable: set[int] = set()
        for start in range(0, len(ids), LOOKUP_CHUNK):
            self.changeable.update(
                Deputy.objects.restrict(user, Action.CHANGE)
                .filter(pk__in=ids[start : start + LOOKUP_CHUNK])
                .values_list("pk", flat=True)
            )


def validate(table: Table, user) -> Plan:
    """Check every row of ``table`` for ``user``; the plan holds all rows' errors or none."""
    plan = Plan(table=table)
    cols = table.columns
    phone_rows: dict[str, list[int]] = defaultdict(list)
    for number, cells in table.rows:
        if "phone" in cols:
            phone_rows[normalise_phone(_cell(cells, cols["phone"]))].append(number)
    lookups = _Lookups(user, [p for p in phone_rows if _PHONE_RE.match(p)])
    for number, cells in table.rows:
        row_plan, errors = _check_row(number, cells, table, lookups, phone_rows)
        if errors:
            plan.errors.extend(errors)
        else:
            plan.rows.append(row_plan)
    if plan.errors:
        plan.rows = []  # nothing of a file with errors is ever written
    return plan


def _cell(cells: list, position: int):
    return cells[position] if position < len(cells) else None


def _check_row(number, cells, table, lookups: _Lookups, phone_rows) -> tuple[RowPlan | None, list[RowError]]:
    cols = table.columns
    errors: list[RowError] = []
    values = {key: _text(_cell(cells, position)) for key, position in cols.items()}

    def error(key: str, message: str) -> None:
        header = table.headers[cols[key]] if key in cols else COLUMN_BY_KEY[key].header
        errors.append(RowError(number, header, values.get(key, ""), message))

    for column in COLUMNS:
        if column.required and not values.get(column.key):
            error(column.key, _("This cell must not be empty."))
    for key, limit in _MAX_LENGTH.items():
        if len(values.get(key, "")) > limit:
            error(key, _("At most {limit} characters.").format(limit=limit))

    fields: dict = {}
    name = values.get("name", "")
    # Two-character names are often padded with a space to line up with three-character ones.
    fields["name"] = _SPACES.sub("", name) if _CJK_NAME.match(name) else name

    gender = values.get("gender", "")
    if gender:
        fields["gender"] = _GENDERS.get(gender) or (
            gender.lower() if gender.lower() in Gender.values else None
        )
        if fields["gender"] is None:
            error("gender", _("Enter 男 or 女."))

    if "ethnicity" in cols:
        fields["ethnicity"] = values["ethnicity"] or _DEFAULTS["ethnicity"]

    if "birth_year" in cols:
        fields["birth_year"] = None
        if values["birth_year"]:
            year = parse_birth_year(_cell(cells, cols["birth_year"]))
            last = timezone.localdate().year
            if year is None or not 1920 <= year <= last:
                error(
                    "birth_year",
                    _("Enter a four-digit year between {first} and {last}.").format(first=1920, last=last),
                )
            else:
                fields["birth_year"] = year

    if "party" in cols:
        fields["party"] = _party(values["party"]) if values["party"] else Party.NONE
        if fields["party"] is None:
            error(
                "party",
                _(
                    "Unknown political affiliation “{value}”: use 中共党员, 中共预备党员, 民主党派 or 群众."
                ).format(value=values["party"]),
            )

    phone = normalise_phone(_cell(cells, cols["phone"])) if "phone" in cols else ""
    fields["phone"] = phone
    existing = None
    if phone:
        if not _PHONE_RE.match(phone):
            error("phone", _("Enter an 11-digit mobile number starting with 1."))
        elif len(phone_rows[phone]) > 1:
            error(
                "phone",
                _("The mobile number {phone} appears in more than one row ({rows}).").format(
                    phone=phone, rows="、".join(str(n) for n in phone_rows[phone])
                ),
            )
        else:
            existing = lookups.existing.get(phone)
            if existing is not None and existing.pk not in lookups.changeable:
                error("phone", _("This mobile number belongs to a deputy outside your scope."))

    for key in ("occupation", "employer"):
        if key in cols:
            fields[key] = values[key]

    town = None
    town_name = _SPACES.sub("", values.get("town", ""))
    if town_name:
        towns = lookups.towns_by_name.get(town_name, [])
        if len(towns) == 1:
            town = towns[0]
            fields["town_id"] = town["id"]
            fields["county_id"] = town["county_id"]
        elif len(towns) > 1:
            error("town", _("More than one town is called “{name}”.").format(name=town_name))
        elif town_name in lookups.visible_town_names:
            error("town", _("You may not add deputies to the town “{name}”.").format(name=town_name))
        else:
            error("town", _("Unknown town “{name}”.").format(name=town_name))

    levels: list[str] = []
    if values.get("levels"):
        levels, unknown = parse_levels(values["levels"])
        for word in unknown:
            error("levels", _("Unknown level “{value}”: use 省, 市, 县 or 镇.").format(value=word))
        if not levels and not unknown:
            error("levels", _("Name at least one level: 省, 市, 县 or 镇."))

    if town is not None:
        for key, table_of, message in (
            ("group", lookups.groups, _("There is no deputy group “{name}” in {town}.")),
            ("station", lookups.stations, _("There is no liaison station “{name}” in {town}.")),
        ):
            if key not in cols:
                continue
            wanted = values[key]
            fields[f"{key}_id"] = table_of.get((town["id"], wanted)) if wanted else None
            if wanted and fields[f"{key}_id"] is None:
                error(key, message.format(name=wanted, town=town["name"]))

    if "status" in cols:
        fields["status"] = _STATUSES.get(values["status"]) if values["status"] else DeputyStatus.SERVING
        if fields["status"] is None and values["status"].lower() in DeputyStatus.values:
            fields["status"] = values["status"].lower()
        if fields["status"] is None:
            error(
                "status",
                _("Unknown status “{value}”: use 在任, 辞职 or 届满.").format(value=values["status"]),
            )

    mandates = [{"level": level} for level in levels]
    if "term" in cols:
        for mandate in mandates:
            mandate["term"] = values["term"]
    if "district" in cols and town is not None and levels:
        wanted = values["district"]
        by_level = lookups.districts.get((town["county_id"], wanted), {}) if wanted else {}
        if wanted and not by_level:
            error("district", _("Unknown electoral district “{name}”.").format(name=wanted))
        elif wanted and not set(by_level) & set(levels):
            error(
                "district",
                _(
                    "The electoral district “{name}” elects {level} deputies, but this row holds no "
                    "such mandate."
                ).format(name=wanted, level="、".join(str(Level(lv).label) for lv in by_level)),
            )
        for mandate in mandates:
            mandate["electoral_district"] = by_level.get(mandate["level"])

    if errors:
        return None, errors
    if existing is not None:
        # A deputy moved to another town cannot stay in the old town's group or station.
        if "group_id" not in fields and lookups.group_towns.get(existing.group_id) != fields["town_id"]:
            fields["group_id"] = None
        if "station_id" not in fields and lookups.station_towns.get(existing.station_id) != fields["town_id"]:
            fields["station_id"] = None
    return RowPlan(row=number, fields=fields, mandates=mandates, existing=existing), []


# --- writing ----------------------------------------------------------------------------------


def _unchanged(deputy: Deputy, row: RowPlan) -> bool:
    if any(getattr(deputy, key) != value for key, value in row.fields.items()):
        return False
    current = {m.level: m for m in deputy.mandates.all()}
    if set(current) != {m["level"] for m in row.mandates}:
        return False
    for wanted in row.mandates:
        mandate = current[wanted["level"]]
        if "term" in wanted and mandate.term != wanted["term"]:
            return False
        district = wanted.get("electoral_district")
        if "electoral_district" in wanted and mandate.electoral_district_id != (
            district.pk if district else None
        ):
            return False
    return True


def apply(plan: Plan, *, actor) -> ImportResult:
    """Write a valid plan in one transaction, attributed to ``actor``; all of it or nothing.

    New deputies and their mandates go in with ``bulk_create`` and get their change-log rows in
    bulk too (bulk inserts send no signals). Rows matching an existing deputy go through
    ``save_deputy``, like the form, unless they would change nothing: importing the same
    roster again leaves the records and their trail as they were.
    """
    if not plan.ok:
        raise ValueError("A roster with errors cannot be imported.")
    try:
        with transaction.atomic(), audit.actor_bound(actor):
            _lock_imports()
            if _overtaken(plan):
                # Another import (or someone at the form) added some of these deputies after this
                # file was checked: check it again against the registry as it is now, so that
                # they are updated instead of inserted twice.
                plan = validate(plan.table, actor)
                if not plan.ok:
                    raise ImportFailed(_changed_message())
            new_rows = [row for row in plan.rows if row.existing is None]
            updates = [row for row in plan.rows if row.existing is not None]
            deputies = []
            for row in new_rows:
                deputy = Deputy(**{**_DEFAULTS, **row.fields})
                deputy.fill_derived()
                deputies.append(deputy)
            Deputy.objects.bulk_create(deputies, batch_size=BATCH_SIZE)
            if deputies and deputies[0].pk is None:  # a backend that does not return keys
                ids = dict(
                    Deputy.objects.filter(phone__in=[d.phone for d in deputies]).values_list("phone", "pk")
                )
                for deputy in deputies:
                    deputy.pk = ids[deputy.phone]
            mandates = [
                Mandate(
                    deputy=deputy,
                    level=wanted["level"],
                    term=wanted.get("term", ""),
                    electoral_district=wanted.get("electoral_district"),
                )
                for deputy, row in zip(deputies, new_rows, strict=True)
                for wanted in row.mandates
            ]
            Mandate.objects.bulk_create(mandates, batch_size=BATCH_SIZE)
            ChangeLog.objects.bulk_create(
                [
                    *audit.bulk_entries(deputies, ChangeAction.CREATE),
                    *audit.bulk_entries(mandates, ChangeAction.CREATE),
                ],
                batch_size=BATCH_SIZE,
            )
            updated = unchanged = 0
            for row in updates:
                deputy = row.existing
                if _unchanged(deputy, row):
                    unchanged += 1
                    continue
                for key, value in row.fields.items():
                    setattr(deputy, key, value)
                save_deputy(deputy, actor=actor, mandates=row.mandates)
                updated += 1
    except (IntegrityError, PermissionDenied) as exc:
        # Validation read the registry a moment ago; someone changed it since (the same phone
        # added by hand, a deputy moved out of reach). The transaction is rolled back whole.
        logger.warning("roster import rolled back: %r", exc)
        raise ImportFailed(_changed_message()) from exc
    return ImportResult(created=len(deputies), updated=updated, unchanged=unchanged)


def _changed_message() -> str:
    return _(
        "The deputies changed while the file was being imported, so nothing was imported. Upload it again."
    )


def _lock_imports() -> None:
    """Let one roster import write at a time, until its transaction ends.

    Two imports of overlapping files at once would otherwise both insert the same new deputies
    (the unique phone number then refuses the second import whole), or take the same unique
    keys in opposite orders and deadlock. PostgreSQL: a transaction-level advisory lock.
    SQLite: the project opens every transaction with ``BEGIN IMMEDIATE``, which already holds
    the database's one write lock from the start; nothing more is needed.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_KEY])


def _overtaken(plan: Plan) -> bool:
    """Whether a deputy this plan would add exists by now (added since the file was checked)."""
    phones = [row.fields["phone"] for row in plan.rows if row.existing is None]
    return any(
        Deputy.objects.filter(phone__in=phones[start : start + LOOKUP_CHUNK]).exists()
        for start in range(0, len(phones), LOOKUP_CHUNK)
    )


# --- the error report -------------------------------------------------------------------------


def _report_dir() -> Path:
    return Path(settings.PRIVATE_ROOT) / REPORT_DIR


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return _text(value)


def _purge_reports(directory: Path) -> None:
    cutoff = timezone.now().timestamp() - REPORT_MAX_AGE.total_seconds()
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another request purged it first
            continue


def save_report(plan: Plan, user) -> str:
    """Keep ``plan``'s rows and errors for ``user``; returns the token that names the report."""
    directory = _report_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _purge_reports(directory)
    error_header = _("Errors")
    # A report uploaded again still has its error column; it is dropped from the new report.
    keep = [i for i, h in enumerate(plan.table.headers) if h not in (error_header, "Errors")]
    data = {
        "owner": user.pk,
        "created": timezone.now().isoformat(),
        "filename": plan.table.filename,
        "headers": [plan.table.headers[i] for i in keep],
        "rows": [[number, [_plain(_cell(cells, i)) for i in keep]] for number, cells in plan.table.rows],
        "errors": [[e.row, e.column, e.value, e.message] for e in plan.errors],
    }
    token = secrets.token_urlsafe(24)
    # The rows hold phone numbers: the file is the owner's alone, and never overwritten.
    fd = os.open(directory / f"{token}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    return token


def load_report(token: str, user) -> dict | None:
    """The report named ``token`` if ``user`` saved it and it has not expired; else None."""
    if not _TOKEN_RE.match(token or ""):
        return None
    path = _report_dir() / f"{token}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if data.get("owner") != user.pk:
        return None
    created = dt.datetime.fromisoformat(data["created"])
    if timezone.now() - created > REPORT_MAX_AGE:
        return None
    return data


def report_xlsx(data: dict) -> bytes:
    """The uploaded rows as a workbook with a shaded error column: fix the cells, delete nothing,
    upload it again (the error column is ignored then)."""
    messages: dict[int, list[str]] = defaultdict(list)
    for row, column, _value, message in data["errors"]:
        messages[row].append(f"{column}：{message}" if column else message)
    width = len(data["headers"])
    rows = (
        [*(cells + [None] * width)[:width], "；".join(messages.get(number, []))]
        for number, cells in data["rows"]
    )
    return build_xlsx([*data["headers"], _("Errors")], rows, title=_("Import errors"), highlight_column=width)


def template_xlsx(town_name: str = "") -> bytes:
    """An empty roster with its headings and one example row (in one of the user's towns)."""
    example = [c.example for c in COLUMNS]
    example[[c.key for c in COLUMNS].index("town")] = town_name
    return build_xlsx([c.header for c in COLUMNS], [example], title=_("Deputies"))
