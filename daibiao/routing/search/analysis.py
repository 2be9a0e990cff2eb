"""Text as the search index sees it, queries as the search box reads them, and highlighting.

The index holds, for each field, the **character bigrams** of every run of Chinese
characters, in order, each run closed by its last character alone, plus every ASCII word or
number whole (``index_text``). A query is cut into words by jieba (``parse``); each word must
occur in the document (AND), as a substring: a Chinese word of two or more characters is the
phrase of its bigrams (``村道破损`` → ``村道 道破 破损``, adjacent), a single character is
any bigram it starts or the closing character of a run, an ASCII word is the token itself.
So a word from the middle of a text is found however jieba would have cut the text, and the
same strings go to SQLite's FTS5 and to PostgreSQL's tsvector, which therefore find the same
documents. jieba serves the query side, where it splits a phrase typed without spaces
(``路灯不亮``) into the words that must each occur.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .. import text as routing_text

# CJK Unified Ideographs, extension A, and the compatibility block (NFKC folds most of those).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[a-z0-9]+")
MAX_FIELD_CHARS = 8000  # PostgreSQL keeps positions below 16,384: title and body stay under it
MAX_WORD_CHARS = 64  # longer ASCII runs are noise (hashes, pasted URLs), and too long for a token
MAX_QUERY_CHARS = 100
MAX_TERMS = 8
# Function words that say nothing on their own; dropped from a query that has other words.
QUERY_STOPWORDS = frozenset(w for w in routing_text.STOPWORDS if len(w) == 1)


def _runs(text: str) -> list[str]:
    return _RUNS.findall(routing_text.normalize(text, fold_digits=False))


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``, in order (see the module's docstring)."""
    out: list[str] = []
    for run in _runs((text or "")[:MAX_FIELD_CHARS]):
        if not _is_cjk(run):
            if len(run) <= MAX_WORD_CHARS:
                out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.append(run[-1])
    return out


def index_text(text: str) -> str:
    """What ``SearchTerms`` stores for a field: its tokens separated by spaces."""
    return " ".join(tokens(text))


@dataclass(frozen=True)
class Term:
    """One word the documents must contain: a run of Chinese characters, or an ASCII word."""

    text: str

    @property
    def cjk(self) -> bool:
        return _is_cjk(self.text)

    @property
    def bigrams(self) -> list[str]:
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]


def parse(query: str) -> list[Term]:
    """The words of a query: jieba's cut of the normalised text, each piece split into runs of
    Chinese characters and ASCII words, function words dropped (unless nothing else is
    left), repeats dropped, at most ``MAX_TERMS``."""
    text = routing_text.normalize((query or "")[:MAX_QUERY_CHARS], fold_digits=False)
    if not _RUNS.search(text):
        return []
    found: list[str] = []
    dropped: list[str] = []
    for piece in routing_text._ready().lcut(text, HMM=True):
        for run in _RUNS.findall(piece):
            target = dropped if run in QUERY_STOPWORDS else found
            if run not in target and len(run) <= MAX_WORD_CHARS:
                target.append(run)
    return [Term(t) for t in (found or dropped)[:MAX_TERMS]]


# --- highlighting -------------------------------------------------------------------------


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character the way the index normalises it, and for
    each character of the result the index of the character it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


def _spans(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text`` (start, end in ``text``), merged and in order."""
    folded, origin = _folded(text)
    found = []
    for term in terms:
        # A Chinese term anywhere; an ASCII word only whole, as the index has it.
        word = re.escape(term.text)
        pattern = word if term.cjk else rf"(?<![a-z0-9]){word}(?![a-z0-9])"
        found.extend((origin[m.start()], origin[m.end() - 1] + 1) for m in re.finditer(pattern, folded))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, pos = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, terms: list[Term]) -> SafeString:
    """``text`` escaped, with every occurrence of the terms in ``<mark>``."""
    text = text or ""
    return mark_safe(_marked(text, _spans(text, terms), 0, len(text)))  # noqa: S308 — escaped above


def snippet(text: str, terms: list[Term], *, width: int = 120) -> SafeString:
    """About ``width`` characters of ``text`` around the first match (the start when nothing
    matches), on one line, escaped, matches in ``<mark>``, cuts shown with an ellipsis."""
    text = " ".join((text or "").split())
    spans = _spans(text, terms)
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    body = _marked(text, spans, start, end)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return mark_safe(f"{lead}{body}{tail}")  # noqa: S308 — escaped in _marked
