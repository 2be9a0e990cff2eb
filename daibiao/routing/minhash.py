"""Near-duplicate pairs in a large set of texts without comparing all pairs: MinHash over
character shingles, banded into buckets (locality-sensitive hashing), candidates verified by
their exact shingle Jaccard.

Exact repeats (the same text once normalised) are grouped first and stand for one text in the
LSH, so a thousand copies of one message cost one signature; their pairs all come out with
score 1.0. Everything is numpy over one concatenated array of code points: 100,000 texts of a
few hundred characters take seconds, not the hours of 5·10⁹ comparisons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .text import compact

SHINGLE = 3  # characters per shingle: a Chinese word or two
PERMUTATIONS = 64
BANDS = 16  # of 4 rows: a pair with Jaccard 0.6 becomes a candidate with p ≈ 0.9, 0.8 with p ≈ 1
BUCKET_CAP = 64  # a bucket larger than this is split by a stricter key before pairing
STRICT_WINDOW = 8  # in a crowded run of the stricter key, each member meets the next eight
DEFAULT_THRESHOLD = 0.75  # a few characters changed in a short message still pass

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of a 64-bit key (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingles(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every character shingle of every (compacted) text, concatenated, and each
    text's start offset into them (a text shorter than a shingle has one, padded)."""
    n = SHINGLE
    pad = "\x00" * (n - 1)
    joined = pad.join(texts) + pad
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths + (n - 1))[:-1]]).astype(np.int64)
    counts = np.maximum(lengths - n + 1, 1)
    # Positions of every shingle: for text i, starts[i] .. starts[i] + counts[i] - 1.
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(counts.sum(), dtype=np.int64) - np.repeat(offsets - starts, counts)
    h = np.zeros(len(pos), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = _mix(h ^ codes[pos + j])
    return h, offsets


def signatures(h: np.ndarray, offsets: np.ndarray, seed: int = 1) -> np.ndarray:
    """MinHash signatures (texts × PERMUTATIONS, uint32) from the shingle hashes."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
    out = np.empty((len(offsets), PERMUTATIONS), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for p in range(PERMUTATIONS):
            v = ((h * a[p] + b[p]) >> np.uint64(32)).astype(np.uint32)
            out[:, p] = np.minimum.reduceat(v, offsets)
    return out


def _band_keys(sig: np.ndarray, rows: int) -> np.ndarray:
    keys = np.zeros((sig.shape[0], sig.shape[1] // rows), dtype=np.uint64)
    for band in range(keys.shape[1]):
        k = np.full(sig.shape[0], band + 1, dtype=np.uint64)
        for r in range(rows):
            k = _mix(k ^ sig[:, band * rows + r].astype(np.uint64))
        keys[:, band] = k
    return keys


def _run_pairs(keys: np.ndarray, members: np.ndarray, cap: int, window: int) -> tuple[list, list]:
    """Pairs (two columns) of members that share a key: every pair within a run of equal
    keys of at most ``cap`` members; within a longer run, each member with the next
    ``window`` ones. Also returns the long runs' members, for a stricter look."""
    order = np.argsort(keys, kind="stable")
    k, m = keys[order], members[order]
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(k)) + 1, [len(k)]])
    sizes = np.diff(bounds)
    out = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= cap)]).tolist():
        firsts = bounds[:-1][sizes == size]
        idx = firsts[:, None] + np.arange(size)[None, :]
        ii, jj = np.triu_indices(size, 1)
        out.append(np.stack([m[idx[:, ii]].ravel(), m[idx[:, jj]].ravel()], axis=1))
    long_runs = []
    for b in np.flatnonzero(sizes > cap).tolist():
        run = m[bounds[b] : bounds[b + 1]]
        long_runs.append(run)
        out.extend(np.stack([run[:-gap], run[gap:]], axis=1) for gap in range(1, window + 1))
    return out, long_runs


def _bucket_pairs(keys: np.ndarray, members: np.ndarray, sig: np.ndarray) -> list[np.ndarray]:
    """Candidate pairs from one band: members that share its key."""
    out, crowded = _run_pairs(keys, members, BUCKET_CAP, 0)
    for group in crowded:
        out.append(_big_bucket_pairs(group, sig))
    return out


def _big_bucket_pairs(group: np.ndarray, all_sig: np.ndarray) -> np.ndarray:
    """A crowded bucket (texts written from one template, say): pair those that also agree
    on a key of twice the rows, where near-exact repeats still meet (all pairs of a short run,
    near neighbours in a longer one, whose members are all alike anyway)."""
    keys = _band_keys(all_sig[group], 8)
    found = []
    for band in range(keys.shape[1]):
        pairs, _long = _run_pairs(keys[:, band], group, BUCKET_CAP, STRICT_WINDOW)
        found.extend(pairs)
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


def _jaccard(h: np.ndarray, offsets: np.ndarray, cand: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of each candidate pair, vectorised: a
    binary texts × shingles matrix, and row-wise products of its rows in chunks."""
    from scipy import sparse

    ids = np.unique(h, return_inverse=True)[1].ravel()
    owner = np.repeat(np.arange(len(offsets)), np.diff(np.append(offsets, len(h))))
    m = sparse.csr_matrix(
        (np.ones(len(h), dtype=np.float32), (owner, ids)), shape=(len(offsets), ids.max() + 1)
    )
    m.data[:] = 1  # a shingle twice in one text counts once
    sizes = np.asarray(m.sum(axis=1)).ravel()
    out = np.empty(len(cand), dtype=np.float64)
    for start in range(0, len(cand), chunk):
        x, y = cand[start : start + chunk, 0], cand[start : start + chunk, 1]
        inter = np.asarray(m[x].multiply(m[y]).sum(axis=1)).ravel()
        out[start : start + chunk] = inter / (sizes[x] + sizes[y] - inter)
    return out


def find_pairs(texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, score)`` with i < j of the texts whose character-shingle Jaccard is at
    least ``threshold``, by index into ``texts``; exact repeats score 1.0."""
    compacted = [compact(t, fold_digits=False) for t in texts]
    # Exact repeats: one representative each.
    first: dict[str, int] = {}
    rep = np.empty(len(texts), dtype=np.int64)
    for i, t in enumerate(compacted):
        rep[i] = first.setdefault(t, i)
    uniques = np.array(sorted(set(rep.tolist())), dtype=np.int64)
    members: dict[int, list[int]] = {}
    for i, r in enumerate(rep.tolist()):
        members.setdefault(r, []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for group in members.values():
        if compacted[group[0]] and len(group) > 1:
            pairs.extend((a, b, 1.0) for x, a in enumerate(group) for b in group[x + 1 :])
    live = np.array([u for u in uniques if compacted[u]], dtype=np.int64)
    if len(live) < 2:
        return sorted(pairs)
    h, offsets = shingles([compacted[u] for u in live])
    sig = signatures(h, offsets)
    keys = _band_keys(sig, PERMUTATIONS // BANDS)
    local = np.arange(len(live))
    blocks = []
    for band in range(keys.shape[1]):
        blocks.extend(_bucket_pairs(keys[:, band], local, sig))
    if not blocks:
        return sorted(pairs)
    cand = np.sort(np.concatenate(blocks), axis=1).astype(np.int64)
    cand = cand[cand[:, 0] != cand[:, 1]]
    code = np.unique(cand[:, 0] * len(live) + cand[:, 1])  # 1-D unique: far faster than axis=0
    cand = np.stack([code // len(live), code % len(live)], axis=1)
    # Cheap filter on the signatures, then the exact Jaccard of the shingle sets.
    estimate = (sig[cand[:, 0]] == sig[cand[:, 1]]).mean(axis=1)
    cand = cand[estimate >= threshold - 0.2]
    scores = _jaccard(h, offsets, cand)
    keep = scores >= threshold
    for (x, y), score in zip(cand[keep].tolist(), scores[keep].tolist(), strict=True):
        pairs.extend(
            (min(a, b), max(a, b), round(score, 4))
            for a in members[int(live[x])]
            for b in members[int(live[y])]
        )
    return sorted(pairs)
