"""Every template, read as text (no rendering): each form that posts carries the CSRF token,
and nothing needs what the content security policy forbids (``style-src 'self'`` and
``script-src 'self'``, no nonces): no ``style`` attribute or element, no inline script, no
``on…=`` handler, no ``javascript:`` link, no ``hx-on`` (htmx would need ``eval``).

``test_csrf`` proves the server refuses a post without the token; this finds the form that
would then fail for its users, before anyone presses its button.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "daibiao"
TEMPLATES = sorted(p for p in PACKAGE.glob("**/templates/**/*.html") if "node_modules" not in p.parts)

FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form\s*>", re.IGNORECASE | re.DOTALL)
POSTS = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.IGNORECASE)
CSRF_TOKEN = re.compile(r"{%-?\s*csrf_token\s*-?%}")
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"""\son[a-z]+\s*=""", re.IGNORECASE)
HX_ON = re.compile(r"""\shx-on\b""", re.IGNORECASE)
JS_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def without_comments(text: str) -> str:
    """Django and HTML comments blanked out (keeping the line numbers)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", blank, text, flags=re.DOTALL)
    text = re.sub(r"{#.*?#}", blank, text, flags=re.DOTALL)
    return re.sub(r"<!--.*?-->", blank, text, flags=re.DOTALL)


def problems(text: str) -> list[str]:
    """What in ``text`` (a template) breaks the CSRF or CSP rules, as "line: what"."""
    text = without_comments(text)
    found = [
        f"{line_of(text, form.start())}: a form that posts has no {{% csrf_token %}}"
        for form in FORM.finditer(text)
        if POSTS.search(form["attrs"]) and not CSRF_TOKEN.search(form["body"])
    ]
    for tag in TAG.finditer(text):
        where = line_of(text, tag.start())
        source = tag.group(0)
        for pattern, what in (
            (STYLE_ATTR, "an inline style attribute"),
            (HANDLER_ATTR, "an inline event handler"),
            (HX_ON, "an hx-on handler"),
            (JS_URL, "a javascript: URL"),
        ):
            if pattern.search(source):
                found.append(f"{where}: {what}: {source[:80]}")
    for script in SCRIPT.finditer(text):
        attrs = script["attrs"]
        if not re.search(r"\bsrc\s*=", attrs) and not DATA_SCRIPT.search(attrs) and "nonce" not in attrs:
            found.append(f"{line_of(text, script.start())}: an inline script")
    found += [f"{line_of(text, style.start())}: a <style> element" for style in STYLE_ELEMENT.finditer(text)]
    return found


def test_the_scan_reads_the_templates():
    assert len(TEMPLATES) > 50
    assert any(p.name == "base.html" for p in TEMPLATES)
    assert sum(bool(POSTS.search(p.read_text(encoding="utf-8"))) for p in TEMPLATES) > 20


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('<form method="post">{% csrf_token %}<button></button></form>', []),
        ("<form method='POST' action='x'>{%csrf_token%}</form>", []),
        ('<form method="get"><input name="q"></form>', []),
        ('<form method="post"><button></button></form>', ["a form that posts has no"]),
        ('<form\n  method="post" class="x">\n<input>\n</form>', ["a form that posts has no"]),
        ('<div class="x" style="width:1px"></div>', ["an inline style attribute"]),
        ('<div data-style="x"></div>', []),
        ('<button onclick="go()">', ["an inline event handler"]),
        ('<a href="javascript:go()">', ["a javascript: URL"]),
        ('<div hx-on:click="go()">', ["an hx-on handler"]),
        ("<script>alert(1)</script>", ["an inline script"]),
        ("<script src=\"{% static 'js/app.js' %}\"></script>", []),
        ('<script type="application/json" id="d">{}</script>', []),
        ("<style>p{}</style>", ["a <style> element"]),
        ('{# <div style="x"></div> #}{% comment %}<script>x</script>{% endcomment %}', []),
    ],
)
def test_the_scan_finds_what_it_looks_for(snippet, expected):
    found = problems(snippet)
    assert len(found) == len(expected), found
    for message, what in zip(found, expected, strict=True):
        assert what in message


@pytest.mark.parametrize("path", TEMPLATES, ids=name)
def test_the_template_keeps_the_csrf_and_csp_rules(path):
    found = problems(path.read_text(encoding="utf-8"))
    assert not found, f"{name(path)}:\n" + "\n".join(found)
