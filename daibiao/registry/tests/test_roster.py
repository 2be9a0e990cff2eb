"""Roster import: files in, deputies out, all or nothing, with a row-by-row report."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.registry import roster
from daibiao.registry.choices import DeputyStatus, Gender, Level, Party
from daibiao.registry.models import Deputy, ElectoralDistrict, Mandate

pytestmark = pytest.mark.django_db

URL = "/registry/deputies/import/"
HEADERS = ["姓名", "性别", "民族", "出生年份", "政治面貌", "手机号", "职业", "工作单位及职务", "所在镇"]
HEADERS += ["代表层级", "届次", "选区", "代表小组", "联络站", "状态"]


KEYS = [c.key for c in roster.COLUMNS]  # the same order as HEADERS


def row(**cells):
    """One roster row in HEADERS order, from column keys (name=…, phone=…); the rest blank."""
    assert set(cells) <= set(KEYS), set(cells) - set(KEYS)
    return [cells.get(key, "") for key in KEYS]


def good_rows():
    return [
        row(
            name="陈 丽",
            gender="女",
            birth_year=1980,
            party="中共党员",
            phone=13900000001,
            occupation="教师",
            employer="武安镇中学教师",
            town="武安镇",
            levels="县级、镇级",
            term="第十九届",
            district="武安镇第1选区",
            group="武安镇第一代表小组",
            station="武安镇第一代表联络站",
        ),
        row(
            name="刘大海",
            gender="男",
            ethnicity="回族",
            birth_year="1975年",
            party="群众",
            phone=13900000002.0,
            town=" 九集镇 ",
            levels="镇人大代表",
            status="在任",
        ),
        row(
            name="周敏",
            gender="女",
            ethnicity="汉族",
            birth_year=None,
            party="民盟盟员",
            phone="139 0000 0003",
            occupation="医生",
            town="武安镇",
            levels="省,市",
            status="届满",
        ),
    ]


def xlsx_bytes(rows, headers=HEADERS, title_rows=()):
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(row)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding, headers=HEADERS):
    lines = [",".join(headers), *(",".join("" if v is None else str(v) for v in cells) for cells in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, content, name="名册.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def english(client_for):
    """Clients that ask for English, so the assertions read the msgids, whatever the catalogue."""

    def make(name):
        client = client_for(name)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def messages_of(response):
    return [(e.row, e.column, e.message) for e in response.context["errors"]]


# --- good files -------------------------------------------------------------------------------


def test_good_xlsx_creates_deputies_mandates_and_change_log(english, cast):
    before = Deputy.objects.count()
    client = english("county")
    response = upload(client, xlsx_bytes(good_rows()))
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert response.url == "/registry/deputies/"
    assert Deputy.objects.count() == before + 3

    chen = Deputy.objects.get(phone="13900000001")
    assert chen.name == "陈丽"  # the aligning space is dropped from a Chinese name
    assert chen.name_pinyin == "chenli"
    assert chen.county == cast.county
    assert chen.town == cast.towns["a"]
    assert chen.gender == Gender.FEMALE
    assert chen.ethnicity == "汉族"
    assert chen.birth_year == 1980
    assert chen.party == Party.CPC
    assert chen.group == cast.groups["a"]
    assert chen.station == cast.stations["a"]
    assert chen.status == DeputyStatus.SERVING
    mandates = {m.level: m for m in chen.mandates.all()}
    assert set(mandates) == {Level.COUNTY, Level.TOWN}
    assert {m.term for m in mandates.values()} == {"第十九届"}
    # The town district goes with the town mandate only.
    assert mandates[Level.TOWN].electoral_district.name == "武安镇第1选区"
    assert mandates[Level.COUNTY].electoral_district is None

    liu = Deputy.objects.get(phone="13900000002")
    assert (liu.town, liu.ethnicity, liu.birth_year, liu.party) == (cast.towns["b"], "回族", 1975, Party.NONE)
    assert liu.levels == [Level.TOWN]
    zhou = Deputy.objects.get(phone="13900000003")
    assert zhou.party == Party.DEMOCRATIC
    assert zhou.status == DeputyStatus.TERM_ENDED
    assert zhou.levels == [Level.PROVINCE, Level.CITY]

    user = cast.users["county"]
    for obj in (chen, *chen.mandates.all()):
        entry = ChangeLog.objects.for_object(obj).get()
        assert entry.action == ChangeAction.CREATE
        assert entry.actor == user
        assert entry.actor_name == "county"
    assert ChangeLog.objects.for_object(chen).get().changes["phone"] == [None, "13900000001"]

    page = client.get("/registry/deputies/")
    assert "Imported 3 deputies: 3 new, 0 updated." in page.content.decode()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_good_csv_in_utf8_bom_utf8_and_gb18030(english, cast, encoding):
    rows = good_rows()
    response = upload(english("county"), csv_bytes(rows, encoding), name="roster.csv")
    assert response.status_code == 302, response.context and messages_of(response)
    assert Deputy.objects.get(phone="13900000002").ethnicity == "回族"
    assert Deputy.objects.get(phone="13900000001").mandates.count() == 2


def test_headers_in_any_order_with_spaces_and_a_title_row(english, cast):
    headers = [" 手机号 ", "代表层级", "所在镇", "性 别", "姓名", "备注"]
    rows = [[13900000011, "县镇人大代表", "武安镇", "男", "吴刚", "unknown columns are ignored"]]
    content = xlsx_bytes(rows, headers=headers, title_rows=[["武安镇人大代表名册"]])
    response = upload(english("town_a"), content)
    assert response.status_code == 302
    deputy = Deputy.objects.get(phone="13900000011")
    assert deputy.levels == [Level.COUNTY, Level.TOWN]
    assert deputy.ethnicity == "汉族"


def test_template_downloads_and_imports_as_it_is(english, cast):
    client = english("town_a")
    response = client.get(URL + "template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in roster.COLUMNS]
    assert "武安镇" in rows[1]  # the example row names the user's own town
    imported = upload(client, response.content)
    assert imported.status_code == 302
    assert Deputy.objects.filter(name="张三", town=cast.towns["a"]).exists()


# --- bad files --------------------------------------------------------------------------------


def test_bad_rows_import_nothing_and_each_is_reported(english, cast):
    rows = good_rows()
    rows += [
        # row 5: no name, bad gender, bad year, bad phone
        row(name="", gender="男的", birth_year=1890, phone="1380000", town="武安镇", levels="县"),
        # row 6: unknown town and level
        row(name="孙七", gender="男", phone=13900000006, town="火星镇", levels="全国人大代表"),
        # rows 7 and 8: the same phone twice
        row(name="钱八", gender="男", phone=13900000007, town="武安镇", levels="镇"),
        row(name="钱九", gender="男", phone=13900000007, town="武安镇", levels="镇"),
        # row 9: a group and a station of the other town, an unknown district, a bad status
        row(
            name="赵十",
            gender="女",
            party="党派?",
            phone=13900000009,
            town="武安镇",
            levels="镇",
            district="无此选区",
            group="九集镇第一代表小组",
            station="九集镇第一代表联络站",
            status="病休",
        ),
        # row 10: a county district for a town-only deputy
        row(
            name="李十一",
            gender="女",
            phone=13900000010,
            town="武安镇",
            levels="县",
            district="武安镇第1选区",
        ),
    ]
    deputies, mandates, log = Deputy.objects.count(), Mandate.objects.count(), ChangeLog.objects.count()
    response = upload(english("county"), xlsx_bytes(rows))
    assert response.status_code == 200
    assert (Deputy.objects.count(), Mandate.objects.count()) == (deputies, mandates)
    assert ChangeLog.objects.count() == log
    found = messages_of(response)
    assert (5, "姓名", "This cell must not be empty.") in found
    assert (5, "性别", "Enter 男 or 女.") in found
    assert any(r == 5 and c == "出生年份" and m.startswith("Enter a four-digit year") for r, c, m in found)
    assert (5, "手机号", "Enter an 11-digit mobile number starting with 1.") in found
    assert (6, "所在镇", "Unknown town “火星镇”.") in found
    assert (6, "代表层级", "Unknown level “全国人大代表”: use 省, 市, 县 or 镇.") in found
    duplicate = "The mobile number 13900000007 appears in more than one row (7、8)."
    assert (7, "手机号", duplicate) in found
    assert (8, "手机号", duplicate) in found
    assert (9, "代表小组", "There is no deputy group “九集镇第一代表小组” in 武安镇.") in found
    assert (9, "联络站", "There is no liaison station “九集镇第一代表联络站” in 武安镇.") in found
    assert (9, "选区", "Unknown electoral district “无此选区”.") in found
    assert (9, "状态", "Unknown status “病休”: use 在任, 辞职 or 届满.") in found
    assert any(r == 9 and c == "政治面貌" for r, c, m in found)
    assert any(r == 10 and c == "选区" and "no such mandate" in m for r, c, m in found)
    assert {r for r, _c, _m in found} == {5, 6, 7, 8, 9, 10}  # the good rows 2–4 are not blamed
    assert response.context["error_rows"] == 6
    body = response.content.decode()
    assert "火星镇" in body
    assert response.context["report_url"] in body


def test_error_report_downloads_as_xlsx_with_error_column_for_its_owner_only(english, cast):
    rows = [*good_rows(), row(name="孙七", gender="男", phone=13900000006, town="火星镇", levels="镇")]
    response = upload(english("county"), xlsx_bytes(rows))
    url = response.context["report_url"]

    report = english("county").get(url)
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(report.content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == [*HEADERS, "Errors"]
    assert len(table) == 1 + 4  # every row of the file, so it can be fixed and uploaded again
    assert table[4][0] == "孙七"
    assert table[4][-1] == "所在镇：Unknown town “火星镇”."
    assert table[1][-1] in (None, "")
    assert sheet.cell(row=1, column=len(HEADERS) + 1).fill.fgColor.rgb.endswith("FDE2E1")

    # The report is its uploader's alone; a forged or foreign token is simply not found.
    assert english("admin").get(url).status_code == 404
    assert english("county").get(URL + "report/not-a-real-token-at-all-xx.xlsx").status_code == 404
    assert english("county").get(URL + "report/..%2F..%2Fsecret.xlsx").status_code == 404

    # Fixed in the report itself and uploaded again, it imports (the error column is ignored).
    wb = load_workbook(io.BytesIO(report.content))
    wb.active.cell(row=5, column=HEADERS.index("所在镇") + 1, value="九集镇")
    buffer = io.BytesIO()
    wb.save(buffer)
    assert upload(english("county"), buffer.getvalue()).status_code == 302
    assert Deputy.objects.get(phone="13900000006").town == cast.towns["b"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.pdf", b"%PDF-1.4 ...", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
        ("roster.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "Old-style .xls workbooks cannot be read"),
        ("roster.xlsx", b"this is not a zip archive", "The file is not a valid Excel workbook (.xlsx)."),
        ("roster.csv", b"", "empty"),  # Django's own check
        ("roster.csv", b"\r\n ,, \r\n", "The file is empty."),
        ("roster.csv", b"\x00\x01\x02binary\x00", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
    ],
)
def test_non_spreadsheet_upload_is_refused(english, cast, name, content, message):
    before = Deputy.objects.count()
    response = upload(english("county"), content, name=name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in e for e in errors), errors
    assert Deputy.objects.count() == before


def test_missing_headers_are_listed(english, cast):
    content = xlsx_bytes([["王五", "男"]], headers=["姓名", "性别", "民族"])
    response = upload(english("county"), content)
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert "The file lacks the required columns: 手机号、所在镇、代表层级." in errors[0]


def test_file_over_the_size_limit_is_refused(english, cast, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024
    response = upload(english("county"), xlsx_bytes(good_rows() * 20))
    assert "The file is larger than" in response.context["form"].errors["file"][0]


def test_headings_without_rows_are_refused(english, cast):
    response = upload(english("county"), csv_bytes([], "utf-8"), name="roster.csv")
    assert "no deputies" in response.context["form"].errors["file"][0]


# --- updates ------------------------------------------------------------------------------------


def test_importing_again_updates_instead_of_duplicating(english, cast):
    client = english("county")
    upload(client, xlsx_bytes(good_rows()))
    count, log = Deputy.objects.count(), ChangeLog.objects.count()

    response = upload(client, xlsx_bytes(good_rows()))
    assert response.status_code == 302
    assert Deputy.objects.count() == count
    assert ChangeLog.objects.count() == log  # nothing changed, so nothing is logged
    page = client.get("/registry/deputies/").content.decode()
    assert "Imported 3 deputies: 0 new, 0 updated. 3 were already up to date." in page

    rows = good_rows()
    rows[1][6] = "种粮大户"  # 刘大海 gets an occupation
    rows[1][9] = "县、镇"  # and a county mandate
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 302
    assert Deputy.objects.count() == count
    liu = Deputy.objects.get(phone="13900000002")
    assert liu.occupation == "种粮大户"
    assert liu.levels == [Level.COUNTY, Level.TOWN]
    entry = ChangeLog.objects.for_object(liu).filter(action=ChangeAction.UPDATE).get()
    assert entry.changes["occupation"] == ["", "种粮大户"]
    assert entry.actor == cast.users["county"]
    assert "Imported 3 deputies: 0 new, 1 updated. 2 were already up to date." in (
        client.get("/registry/deputies/").content.decode()
    )


def test_update_replaces_levels_and_keeps_details_of_absent_columns(english, cast):
    deputy = cast.deputies["a"]  # 王小明: county and town, group and station of 武安镇
    headers = ["姓名", "性别", "手机号", "所在镇", "代表层级"]
    response = upload(
        english("town_a"), xlsx_bytes([["王小明", "男", deputy.phone, "武安镇", "镇"]], headers)
    )
    assert response.status_code == 302
    deputy.refresh_from_db()
    assert deputy.levels == [Level.TOWN]
    assert deputy.group == cast.groups["a"]  # no 代表小组 column: kept
    assert deputy.occupation == "村党支部书记"


def test_moving_town_drops_the_old_towns_group(english, cast):
    deputy = cast.deputies["a"]
    headers = ["姓名", "性别", "手机号", "所在镇", "代表层级"]
    response = upload(
        english("county"), xlsx_bytes([["王小明", "男", deputy.phone, "九集镇", "镇"]], headers)
    )
    assert response.status_code == 302
    deputy.refresh_from_db()
    assert (deputy.town, deputy.group, deputy.station) == (cast.towns["b"], None, None)


# --- scope --------------------------------------------------------------------------------------


def test_town_staff_cannot_import_into_another_town(english, cast):
    rows = [
        row(name="甲", gender="男", phone=13900000021, town="九集镇", levels="镇"),
        row(name="乙", gender="男", phone=cast.deputies["b"].phone, town="武安镇", levels="镇"),
        row(name="丙", gender="男", phone=13900000023, town="武安镇", levels="镇"),
    ]
    before = Deputy.objects.count()
    response = upload(english("town_a"), xlsx_bytes(rows))
    assert response.status_code == 200
    found = messages_of(response)
    assert found == [
        (2, "所在镇", "You may not add deputies to the town “九集镇”."),
        (3, "手机号", "This mobile number belongs to a deputy outside your scope."),
    ]
    assert Deputy.objects.count() == before
    assert Deputy.objects.get(pk=cast.deputies["b"].pk).name == "张建国"


@pytest.mark.parametrize("name", ["unit_a", "leader", "deputy_a", "station_a"])
def test_users_who_may_not_add_deputies_get_403(english, cast, name):
    client = english(name)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "template.xlsx").status_code == 403
    assert upload(client, xlsx_bytes(good_rows())).status_code == 403
    assert not Deputy.objects.filter(phone="13900000001").exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.mark.parametrize(("name", "shown"), [("county", True), ("town_a", True), ("leader", False)])
def test_import_button_only_for_those_who_may_add(english, cast, name, shown):
    page = english(name).get("/registry/deputies/").content.decode()
    assert ('data-testid="roster-import"' in page) is shown


def test_upload_page_lists_the_columns(english, cast):
    body = english("town_a").get(URL).content.decode()
    for column in roster.COLUMNS:
        assert column.header in body
    assert "template.xlsx" in body


# --- cell parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "levels", "unknown"),
    [
        ("省人大代表、县级", ["province", "county"], []),
        ("县镇人大代表", ["county", "town"], []),
        ("市级；镇级", ["city", "town"], []),
        ("乡镇 县", ["county", "town"], []),
        ("county/town", ["county", "town"], []),
        ("全国人大代表，县", ["county"], ["全国人大代表"]),
    ],
)
def test_parse_levels(text, levels, unknown):
    assert roster.parse_levels(text) == (levels, unknown)


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        (13800000000, "13800000000"),
        (13800000000.0, "13800000000"),
        ("13800000000.0", "13800000000"),
        ("138-0000-0000", "13800000000"),
        ("+86 138 0000 0000", "13800000000"),
    ],
)
def test_normalise_phone(value, phone):
    assert roster.normalise_phone(value) == phone


def test_district_of_the_county_level_goes_to_the_county_mandate(english, cast):
    ElectoralDistrict.objects.create(county=cast.county, level=Level.COUNTY, name="武安镇第1选区")
    headers = ["姓名", "性别", "手机号", "所在镇", "代表层级", "选区"]
    response = upload(
        english("county"),
        xlsx_bytes([["吴刚", "男", 13900000031, "武安镇", "县、镇", "武安镇第1选区"]], headers),
    )
    assert response.status_code == 302
    mandates = {m.level: m.electoral_district for m in Deputy.objects.get(phone="13900000031").mandates.all()}
    assert mandates[Level.COUNTY].level == Level.COUNTY
    assert mandates[Level.TOWN].level == Level.TOWN


def test_queries_do_not_grow_with_the_number_of_new_rows(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n, first_phone):
        rows = [
            row(
                name="新代表",
                gender="女",
                phone=first_phone + i,
                town="武安镇",
                levels="县、镇",
                group="武安镇第一代表小组",
            )
            for i in range(n)
        ]
        upload_file = SimpleUploadedFile("r.xlsx", xlsx_bytes(rows))
        with CaptureQueriesContext(connection) as queries:
            plan = roster.validate(roster.read_table(upload_file), cast.users["county"])
            result = roster.apply(plan, actor=cast.users["county"])
        assert result.created == n
        # Bulk INSERTs come in batches sized by the database's parameter limit; every other
        # query (the lookups, the transaction) must be the same for 3 rows as for 60.
        return len([q for q in queries if not q["sql"].startswith("INSERT")])

    assert cast.users["county"].roles  # read once, before counting
    assert queries_for(3, 13700000000) == queries_for(60, 13710000000)
