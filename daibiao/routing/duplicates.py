"""Duplicates among clues: likely duplicates of one clue being typed, groups to merge in
triage, and plain near-duplicate pairs in any set of texts.

- ``find_duplicates(texts)``: exact and near-exact repeats at scale (MinHash LSH, see
  ``minhash``), for imports and for measuring.
- ``likely_duplicates(clue_or_text, candidates)``: the few clues most like one clue, scored on
  text (TF-IDF cosine over words and character grams), place (same village, same town) and
  time (days apart), each with its reason.
- ``propose_groups(clues)``: clues of one town about the same problem, to merge into one
  suggestion; the presidium triages town by town, so a group never spans two towns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from sklearn.feature_extraction.text import TfidfVectorizer

from . import minhash, text
from .classifier import unigram_analyzer

# Weights of the parts of a duplicate score (they sum to 1).
TEXT_WEIGHT, PLACE_WEIGHT, TIME_WEIGHT = 0.75, 0.15, 0.10
RECENT_DAYS = 60  # beyond this many days apart, time adds nothing
LIKELY_MIN_SCORE = 0.35
GROUP_MIN_SIMILARITY = 0.45  # text similarity for two clues of a town to be proposed together
GROUP_MAX_DAYS = 30  # and how far apart they may have been raised: older ones were triaged then
MAX_CANDIDATES = 3000  # the most recent candidates compared with a clue being typed


def find_duplicates(texts: Sequence[str], threshold: float = minhash.DEFAULT_THRESHOLD):
    """``(i, j, score)`` pairs, i < j, of exact (1.0) and near-exact repeats among the texts."""
    return minhash.find_pairs(list(texts), threshold)


@dataclass(frozen=True)
class Duplicate:
    """A clue that is likely about the same problem, and why."""

    clue: object
    score: float
    similarity: float
    shared_words: list[str]
    same_village: bool
    same_town: bool
    days_apart: int | None
    reason: str


@dataclass(frozen=True)
class Group:
    """Clues proposed for merging into one suggestion, and why."""

    clues: list = field(default_factory=list)
    reason: str = ""
    shared_words: list[str] = field(default_factory=list)
    similarity: float = 0.0


def clue_text(clue) -> str:
    return f"{clue.title}\n{clue.content}"


def _vectorize(docs: Sequence[str]):
    words = TfidfVectorizer(analyzer=unigram_analyzer, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", preprocessor=text.compact, ngram_range=(2, 3), sublinear_tf=True)
    from scipy import sparse
    from sklearn.preprocessing import normalize

    X = sparse.hstack([words.fit_transform(docs), chars.fit_transform(docs)], format="csr")
    return normalize(X), words


def shared_words(a: str, b: str, n: int = 5) -> list[str]:
    """Content words both texts use, longest first (the telling ones), at most ``n``."""
    wa, wb = text.words(a), set(text.words(b))
    seen = []
    for w in wa:
        if w in wb and len(w) > 1 and w not in seen and not any(ch.isdigit() for ch in w):
            seen.append(w)
    return sorted(seen, key=len, reverse=True)[:n]


def _days(a, b) -> int | None:
    if not a or not b:
        return None
    return abs((a - b).days)


def _describe(words, same_village, same_town, days) -> str:
    parts = []
    if words:
        parts.append(_("shared words: {words}").format(words="、".join(words)))
    if same_village:
        parts.append(_("same village"))
    elif same_town:
        parts.append(_("same town"))
    if days is not None:
        parts.append(ngettext("{n} day apart", "{n} days apart", days).format(n=days))
    return "; ".join(parts)


def likely_duplicates(clue_or_text, candidates, k: int = 5, *, village=None, town=None, on=None):
    """The ``k`` candidates most likely about the same problem as ``clue_or_text`` (a Clue, or
    the text being typed, with ``village``/``town``/``on`` as far as the form knows them),
    best first, each with its score and reason. ``candidates``: a queryset of clues (already
    scoped to the user); the most recent ``MAX_CANDIDATES`` are compared, the clue itself
    left out."""
    if isinstance(clue_or_text, str):
        query, this_pk = clue_or_text, None
    else:
        clue = clue_or_text
        query, this_pk = clue_text(clue), clue.pk
        village = village or clue.village_id
        town = town or clue.town_id
        on = on or clue.occurred_on
    village = getattr(village, "pk", village)
    town = getattr(town, "pk", town)
    on = on or timezone.localdate()
    if isinstance(on, dt.datetime):
        on = on.date()
    pool = candidates.order_by("-occurred_on", "-pk")
    if this_pk is not None:
        pool = pool.exclude(pk=this_pk)
    pool = list(pool[:MAX_CANDIDATES])
    if not pool or not text.compact(query):
        return []
    X, _words = _vectorize([query, *(clue_text(c) for c in pool)])
    sims = np.asarray((X[1:] @ X[0].T).todense()).ravel()
    found = []
    for i in np.argsort(-sims)[: max(k * 4, 20)]:
        c = pool[int(i)]
        same_village = bool(village) and c.village_id == village
        same_town = bool(town) and c.town_id == town
        days = _days(on, c.occurred_on)
        recency = 0.0 if days is None else max(0.0, 1 - days / RECENT_DAYS)
        place = 1.0 if same_village else (0.5 if same_town else 0.0)
        score = TEXT_WEIGHT * float(sims[i]) + PLACE_WEIGHT * place + TIME_WEIGHT * recency
        if score < LIKELY_MIN_SCORE:
            continue
        words = shared_words(query, clue_text(c))
        found.append(
            Duplicate(
                clue=c,
                score=round(score, 4),
                similarity=round(float(sims[i]), 4),
                shared_words=words,
                same_village=same_village,
                same_town=same_town,
                days_apart=days,
                reason=_describe(words, same_village, same_town, days),
            )
        )
    found.sort(key=lambda d: -d.score)
    return found[:k]


def propose_groups(
    clues: Iterable, *, min_similarity: float = GROUP_MIN_SIMILARITY, max_days: int | None = GROUP_MAX_DAYS
) -> list[Group]:
    """Groups of two or more clues of one town that are about the same problem, largest and
    most alike first. Within a town, two clues are linked when their text similarity reaches
    ``min_similarity`` (a same-village pair needs a little less) and they were raised at most
    ``max_days`` apart (None: any time); linked clues form a group."""
    by_town: dict = {}
    for c in clues:
        by_town.setdefault(c.town_id, []).append(c)
    groups: list[Group] = []
    for members in by_town.values():
        if len(members) < 2:
            continue
        docs = [clue_text(c) for c in members]
        X, _words = _vectorize(docs)
        sims = np.asarray((X @ X.T).todense())
        parent = list(range(len(members)))

        def root(x, parent=parent):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        ii, jj = np.triu_indices(len(members), 1)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            need = min_similarity - (0.05 if members[i].village_id == members[j].village_id else 0)
            days = _days(members[i].occurred_on, members[j].occurred_on)
            if sims[i, j] >= need and (max_days is None or days is None or days <= max_days):
                parent[root(i)] = root(j)
        found: dict[int, list[int]] = {}
        for i in range(len(members)):
            found.setdefault(root(i), []).append(i)
        for idx in found.values():
            if len(idx) < 2:
                continue
            group = [members[i] for i in idx]
            sub = sims[np.ix_(idx, idx)]
            mean = float((sub.sum() - len(idx)) / (len(idx) * (len(idx) - 1)))
            words = shared_words(docs[idx[0]], docs[idx[1]])
            for i in idx[2:]:
                words = [w for w in words if w in set(text.words(docs[i]))]
            villages = {c.village_id for c in group}
            dates = [c.occurred_on for c in group if c.occurred_on]
            days = (max(dates) - min(dates)).days if len(dates) > 1 else None
            groups.append(
                Group(
                    clues=group,
                    reason=_describe(words, len(villages) == 1 and None not in villages, True, days),
                    shared_words=words,
                    similarity=round(mean, 4),
                )
            )
    groups.sort(key=lambda g: (-len(g.clues), -g.similarity))
    return groups
