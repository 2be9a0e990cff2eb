import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/registry/towns/",
        "/registry/villages/",
        "/registry/units/",
        "/registry/stations/",
        "/registry/groups/",
        "/registry/deputies/",
        "/audit/",
    ],
)
def test_county_staff_pages_render(client_for, url):
    response = client_for("county").get(url)
    assert response.status_code == 200


def test_deputy_detail_shows_trail(client_for, cast):
    response = client_for("county").get(cast.deputies["a"].get_absolute_url())
    assert response.status_code == 200
    assert "王小明" in response.content.decode()


def test_town_staff_gets_404_for_other_towns_deputy(client_for, cast):
    response = client_for("town_a").get(cast.deputies["b"].get_absolute_url())
    assert response.status_code == 404


def test_api_token_and_me(cast):
    from rest_framework.test import APIClient

    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "town_a", "password": "cast-pass-123"}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "town_a"
    assert me["roles"] == ["town_staff"]
    assert me["town"] == cast.towns["a"].pk
    deputies = client.get("/api/v1/deputies/").json()
    assert deputies["count"] == 2
    assert client.get(f"/api/v1/deputies/{cast.deputies['b'].pk}/").status_code == 404
