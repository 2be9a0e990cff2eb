import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def read_sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_filtered_deputy_list_exports_only_the_filtered_rows(cast, client_for):
    response = client_for("county").get(f"/registry/deputies/?town={cast.towns['b'].pk}&export=xlsx")
    rows = read_sheet(response)
    assert rows[0][0] == "姓名"
    names = sorted(r[0] for r in rows[1:])
    assert names == ["张建国", "赵秀英"]
    # Levels read naturally, not as codes.
    assert {r[9] for r in rows[1:]} == {"镇级", "市级"}


def test_export_is_scoped_like_the_list(cast, client_for):
    rows = read_sheet(client_for("town_a").get("/registry/deputies/?export=xlsx"))
    assert sorted(r[0] for r in rows[1:]) == ["李春兰", "王小明"]


def test_search_by_pinyin_initials_in_export(cast, client_for):
    rows = read_sheet(client_for("county").get("/registry/deputies/?search=zjg&export=xlsx"))
    assert [r[0] for r in rows[1:]] == ["张建国"]


@pytest.mark.parametrize("path", ["towns", "villages", "units", "stations", "groups"])
def test_every_registry_list_exports(cast, client_for, path):
    rows = read_sheet(client_for("county").get(f"/registry/{path}/?export=xlsx"))
    assert len(rows) >= 2


def test_text_that_looks_like_a_formula_is_exported_as_text(cast, client_for):
    from daibiao.core.services import save_record
    from daibiao.registry.models import Unit

    save_record(Unit(county=cast.county, name='=HYPERLINK("http://x","点我")'), actor=cast.users["county"])
    response = client_for("county").get("/registry/units/?search=HYPERLINK&export=xlsx")
    cell = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert cell.value == '=HYPERLINK("http://x","点我")'
    assert cell.data_type == "s"
