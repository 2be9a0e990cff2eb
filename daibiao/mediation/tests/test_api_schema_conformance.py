"""What the schema fuzz test (``tests/robustness/test_api_schema_fuzz.py``) found in the
mediation API, pinned: an agreement downloads as the PDF it is, which the schema documents."""

from __future__ import annotations

import pytest

from tests.robustness.schema import call_checked

pytestmark = pytest.mark.django_db


def test_an_agreement_downloads_as_the_pdf_it_is_as_documented(cast, clinics):
    agreement = clinics.a1.agreements.get()
    response = call_checked(
        cast.users["county"],
        "GET",
        "/api/v1/mediation-agreements/{id}/download/",
        path_parameters={"id": agreement.pk},
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
