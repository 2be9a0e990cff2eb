from django.core.management import call_command


def test_the_openapi_schema_builds_valid_and_without_warnings(tmp_path):
    # --fail-on-warn: an ambiguous enum name or an untyped filter fails here, not only in
    # `check --deploy` on the production profile.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10_000
