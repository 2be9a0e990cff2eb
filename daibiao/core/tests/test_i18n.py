"""The Chinese UI is complete: every msgid translated, and the compiled catalogue current."""

from pathlib import Path

import polib
from django.conf import settings
from django.test import override_settings
from django.utils import translation

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source():
    po = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.pofile(str(CATALOGUE / "django.po"))
    }
    mo = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(CATALOGUE / "django.mo"))
    }
    stale = {k: v for k, v in po.items() if mo.get(k) != v}
    assert stale == {}, "run `make messages` (compilemessages) after editing django.po"


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_default_language_is_simplified_chinese(client):
    response = client.get("/accounts/login/")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_english_is_available_through_the_switch(client):
    with translation.override("en"):
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert response.status_code == 200
    assert "Log in" in response.content.decode()
