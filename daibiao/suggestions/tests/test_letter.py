import io

import pytest
from docx import Document

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_assignment_letter_opens_and_names_the_suggestion_and_the_unit(cast, api_for):
    suggestion = cast.suggestions["a"]
    response = api_for("town_a").get(f"/api/v1/suggestions/{suggestion.pk}/letter/?unit={cast.units['a'].pk}")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    text = text_of(response.content)
    assert suggestion.title in text
    assert "县交通运输局" in text
    assert "王小明" in text  # the leading deputy


def test_a_co_unit_gets_its_own_letter_and_not_the_lead_units(cast, api_for):
    suggestion = cast.suggestions["a"]
    unit_b = api_for("unit_b")
    own = unit_b.get(f"/api/v1/suggestions/{suggestion.pk}/letter/?unit={cast.units['b'].pk}")
    assert own.status_code == 200
    assert "县水利局" in text_of(own.content)
    other = unit_b.get(f"/api/v1/suggestions/{suggestion.pk}/letter/?unit={cast.units['a'].pk}")
    assert other.status_code == 404


def test_no_letter_outside_ones_scope(cast, api_for):
    suggestion = cast.suggestions["a"]
    assert api_for("town_b").get(f"/api/v1/suggestions/{suggestion.pk}/letter/").status_code == 404
