"""The text classifier behind category and unit recommendations, and its evaluation.

Features: TF-IDF over jieba words (unigrams and bigrams) and over character 1–3-grams of the
compacted text, side by side; the character grams catch what the segmenter splits badly
(place names, local words) and the words give readable reasons. Model: a linear SVM
(liblinear, one-vs-rest), fast to train on tens of thousands of rows and small on disk.
Scores are a softmax over its decision values: a ranking with a sense of margin, not a
calibrated probability. Reasons: the words of the text whose weight × TF-IDF value pushed
the top label up most.

``Classifier(baseline=True)`` is the plain baseline the issue names (TF-IDF over jieba words,
a linear SVM, nothing shipped), kept for measuring against."""

from __future__ import annotations

import itertools
import pickle
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from . import text

SOFTMAX_SCALE = 4.0  # decision values of a linear SVM sit mostly within ±1.5
MODEL_FORMAT = 1


@lru_cache(maxsize=65536)
def _cached_words(doc: str) -> tuple[str, ...]:
    return tuple(text.words(doc))


def word_analyzer(doc: str) -> list[str]:
    """jieba words and adjacent word pairs (module-level, so a fitted model pickles)."""
    tokens = _cached_words(doc)
    return [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]


def unigram_analyzer(doc: str) -> list[str]:
    return list(_cached_words(doc))


@dataclass
class Row:
    """One training or test item: its text and the label decided for it."""

    text: str
    label: str
    weight: float = 1.0


@dataclass
class Classifier:
    """A fitted (or fittable) text classifier over free-string labels."""

    baseline: bool = False
    C: float = 0.5
    labels: list[str] = field(default_factory=list)
    _words: TfidfVectorizer | None = None
    _chars: TfidfVectorizer | None = None
    _coef: np.ndarray | None = None
    _intercept: np.ndarray | None = None
    _names: np.ndarray | None = None

    def _vectorizers(self, n_rows: int):
        min_df = 2 if n_rows >= 2000 else 1  # rare grams of a big corpus are noise and bulk
        if self.baseline:
            return TfidfVectorizer(analyzer=unigram_analyzer, sublinear_tf=True), None
        words = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=min_df)
        chars = TfidfVectorizer(
            analyzer="char",
            preprocessor=text.compact,
            ngram_range=(1, 3),
            sublinear_tf=True,
            min_df=min_df,
            max_features=300_000,
            dtype=np.float32,
        )
        return words, chars

    def _matrix(self, texts: Sequence[str], fit: bool = False):
        if fit:
            blocks = [self._words.fit_transform(texts)]
            if self._chars is not None:
                blocks.append(self._chars.fit_transform(texts) * 0.8)
        else:
            blocks = [self._words.transform(texts)]
            if self._chars is not None:
                blocks.append(self._chars.transform(texts) * 0.8)
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def fit(self, rows: Sequence[Row]) -> Classifier:
        labels = sorted({r.label for r in rows})
        if len(labels) < 2:
            raise ValueError("At least two different labels are needed to train.")
        self._words, self._chars = self._vectorizers(len(rows))
        X = self._matrix([r.text for r in rows], fit=True)
        y = np.array([r.label for r in rows])
        weights = np.array([r.weight for r in rows], dtype=np.float64)
        svm = LinearSVC(C=self.C, class_weight="balanced" if not self.baseline else None)
        svm.fit(X, y, sample_weight=weights)
        self.labels = [str(c) for c in svm.classes_]
        coef, intercept = svm.coef_.astype(np.float32), svm.intercept_.astype(np.float32)
        if len(self.labels) == 2:  # liblinear keeps one vector for two classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self._coef, self._intercept = coef, intercept
        names = list(self._words.get_feature_names_out())
        if self._chars is not None:
            names += [f"#{n}" for n in self._chars.get_feature_names_out()]  # '#': a char gram
        self._names = np.array(names, dtype=object)
        return self

    def decision(self, texts: Sequence[str]):
        X = self._matrix(texts)
        return X, np.asarray(X @ self._coef.T) + self._intercept

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax scores, one row per text, columns in the order of ``labels``."""
        _X, d = self.decision(texts)
        z = np.exp((d - d.max(axis=1, keepdims=True)) * SOFTMAX_SCALE)
        return z / z.sum(axis=1, keepdims=True)

    def rank(self, doc: str, k: int = 3, allowed=None) -> tuple[list[tuple[str, float]], list[str]]:
        """The top ``k`` labels with their scores, and the reasons for the first one.
        ``allowed``: a set of labels to keep (others dropped before the softmax)."""
        X, d = self.decision([doc])
        d = d[0]
        keep = np.arange(len(self.labels))
        if allowed is not None:
            keep = np.array([i for i, label in enumerate(self.labels) if label in allowed], dtype=int)
            if not len(keep):
                return [], []
        z = np.exp((d[keep] - d[keep].max()) * SOFTMAX_SCALE)
        p = z / z.sum()
        order = np.argsort(-p)[:k]
        ranked = [(self.labels[keep[i]], float(p[i])) for i in order]
        return ranked, self.reasons(X, keep[order[0]])

    def reasons(self, X, label_index: int, n: int = 5) -> list[str]:
        """The words of the text that weighed most for the label: coefficient × feature."""
        row = X.getrow(0)
        contrib = row.data * self._coef[label_index, row.indices]
        order = np.argsort(-contrib)
        found: list[str] = []
        for i in order:
            if contrib[i] <= 0 or len(found) >= n:
                break
            name = self._names[row.indices[i]]
            if name.startswith("#"):
                name = name[1:]
                if len(name) < 2:
                    continue
            for part in name.split(" "):
                if part not in found and not any(part in f for f in found):
                    found.append(part)
        return found[:n]

    # --- storage ----------------------------------------------------------------------------

    @staticmethod
    def dumps_pair(first: Classifier, second: Classifier | None) -> bytes:
        """The two fitted models (categories, units) as compressed bytes."""
        return zlib.compress(pickle.dumps((MODEL_FORMAT, first, second), protocol=pickle.HIGHEST_PROTOCOL), 6)

    @staticmethod
    def loads_pair(data: bytes) -> tuple[Classifier, Classifier | None]:
        # Only ever bytes that dumps_pair wrote, into the database or into a file an operator
        # named on the command line: never an upload.
        version, first, second = pickle.loads(zlib.decompress(bytes(data)))  # noqa: S301
        if version != MODEL_FORMAT:
            raise ValueError("This model was stored by another version; train it again.")
        return first, second


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(rows: Sequence[Row], folds: int = 5, *, extra=None, baseline=False, seed=0) -> dict:
    """Stratified k-fold: train on the other folds (plus ``extra(labels)`` rows, the shipped
    knowledge) and test on each held-out fold. Returns the figures as plain data."""
    texts = [r.text for r in rows]
    y = np.array([r.label for r in rows])
    counts = Counter(y.tolist())
    if folds < 2 or len(counts) < 2 or max(counts.values()) < folds:
        raise ValueError(f"{folds} folds need at least two labels and {folds} rows of some label.")
    # A label with fewer rows than folds is missing from some training folds: it stays in, as
    # it would in real data, and the output names it.
    rare = sorted(label for label, n in counts.items() if n < folds)
    labels = sorted(counts)
    predicted = np.empty(len(rows), dtype=object)
    top3 = np.zeros(len(rows), dtype=bool)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn's note about the rare labels
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(texts, y))
    for train, test in splits:
        fold_rows = [rows[i] for i in train]
        if extra is not None and not baseline:
            fold_rows += extra(labels)
        model = Classifier(baseline=baseline).fit(fold_rows)
        s = model.scores([texts[i] for i in test])
        best = np.argsort(-s, axis=1)
        names = np.array(model.labels, dtype=object)
        predicted[test] = names[best[:, 0]]
        top3[test] = [y[i] in set(names[best[j, :3]]) for j, i in enumerate(test)]
    seconds = time.perf_counter() - started
    p, r, f, support = precision_recall_fscore_support(
        y, predicted.astype(str), labels=labels, zero_division=0
    )
    matrix = confusion_matrix(y, predicted.astype(str), labels=labels)
    return {
        "rows": len(rows),
        "folds": folds,
        "model": "baseline" if baseline else "default",
        "accuracy": round(float(accuracy_score(y, predicted.astype(str))), 4),
        "macro_f1": round(float(f1_score(y, predicted.astype(str), labels=labels, average="macro")), 4),
        "top3_accuracy": round(float(top3.mean()), 4),
        "per_label": {
            label: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
        "rare_labels": rare,
        "seconds": round(seconds, 2),
    }
