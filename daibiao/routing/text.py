"""Chinese text as features: normalising, jieba words, character shingles.

jieba builds its prefix dictionary on first use (about half a second) and logs about it at
INFO level to stderr; ``words`` loads it once per process, quietly, under a lock, so the
first request after a restart pays for it and no other does."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache

_lock = threading.Lock()
_tokenizer = None

# Punctuation, spaces and symbols: never a word or part of a shingle.
_NOT_TEXT = re.compile(r"[^\w]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
# Words that occur in every clue whatever its subject: the opening and closing formulas of a
# visit record, and function words. Dropping them keeps them out of the "reasons".
STOPWORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 有 也 都 就 而 但 被 把 对 从 到 向 为 以 等 这 那 其 之 着 给 让
    一个 一些 没有 不能 不是 可以 希望 要求 建议 反映 提出 问题 情况 群众 村民 居民 代表 目前 现在 已经
    进行 相关 有关 尽快 能够 进一步 今年 去年 每年 时候 大家 我们 他们 自己 这个 那个 非常 比较 一直 还是
    关于 解决 请求 呼吁 来站 走访 接待 选民 提出 日 月 年 某 某某
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def normalize(text: str, *, fold_digits: bool = True) -> str:
    """Full-width to half-width (NFKC), lower case, whitespace squeezed, and digits folded to
    ``0`` so that 3.7 km and 5.2 km count as the same thing for a classifier (not for the
    duplicate finder, where 21 years and 8 years are two different facts)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    if fold_digits:
        text = _DIGITS.sub("0", text)
    return " ".join(text.split())


def _jieba():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


@cache
def _extra_words() -> tuple[str, ...]:
    """The lexicon's own words, so that jieba keeps 通组路 or 高标准农田 whole."""
    from .lexicon import lexicon

    found = set()
    for words in lexicon()["categories"].values():
        found.update(words)
    for unit in lexicon()["units"]:
        found.update(unit["words"])
        found.update(unit["names"])
    return tuple(sorted(w for w in found if len(w) > 1))


def _ready():
    tokenizer = _jieba()
    if not getattr(tokenizer, "_daibiao_words", False):
        with _lock:
            if not getattr(tokenizer, "_daibiao_words", False):
                for word in _extra_words():
                    tokenizer.add_word(word, freq=20000)
                tokenizer._daibiao_words = True
    return tokenizer


def words(text: str) -> list[str]:
    """The content words of ``text`` in order: jieba's segmentation (precise mode, HMM for
    unknown words such as place names), less punctuation, digits, single characters that are
    not Chinese and stop words."""
    out = []
    for token in _ready().lcut(normalize(text), HMM=True):
        token = token.strip()
        if not token or _NOT_TEXT.fullmatch(token) or token in STOPWORDS or token.isdigit():
            continue
        if len(token) == 1 and not ("\u4e00" <= token <= "\u9fff"):
            continue
        out.append(token)
    return out


def compact(text: str, *, fold_digits: bool = True) -> str:
    """The text with everything but letters, digits and Chinese characters dropped: what
    character shingles are taken from."""
    return _NOT_TEXT.sub("", normalize(text, fold_digits=fold_digits)).replace("_", "")


def warm_up() -> None:
    """Load jieba now (a worker's start, a benchmark) rather than on the first request."""
    words("预热")
