"""Masking and removing personal data: phone numbers, names, ID and bank card numbers, e-mail.

The one home for masking in the project. Everything here is a pure function of its arguments
(no database, no settings), so it can run in templates, serializers, exports and tasks alike.

* ``mask_phone`` and ``mask_name`` show a value that is known to be personal data in a form its
  owner can recognise and nobody else can use: ``138****1234``, ``王*明``.
* ``redact`` finds personal data in free text (a unit's reply, a citizen's report) and masks
  it, so that the text can be published: "with personal data removed".
* ``redact_contact_names`` turns a free "raised by" field into names for ``redact(names=…)``.

What ``redact`` recognises, and what it leaves alone on purpose, is listed in its docstring.
Every function accepts ``None`` (read as ``""``) and never raises on any ``str``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "COMPOUND_SURNAMES",
    "mask_name",
    "mask_phone",
    "redact",
    "redact_contact_names",
]

MASK = "*"

# Full-width digits and punctuation, the dashes and spaces of Chinese typesetting, folded to
# ASCII one character for one character: matching runs on the folded copy and the positions
# still fit the original text.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
        "＠": "@",
        "．": ".",
        "Ｘ": "X",
        "ｘ": "x",
        "\u00a0": " ",
        "\u3000": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)


def _fold(text: str) -> str:
    return text.translate(_FOLD)


# --- phone numbers ----------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE_FULL = re.compile(r"(?P<cc>\+86|0086|86)?(?P<number>1[3-9][0-9]{9})")
_LANDLINE_FULL = re.compile(
    r"(?P<area3>010|02[0-9])(?P<local8>[1-9][0-9]{7})|(?P<area4>0[3-9][0-9]{2})(?P<local>[1-9][0-9]{6,7})"
)


def mask_phone(phone: str | None) -> str:
    """Mask a phone number so that its owner can recognise it and nobody can dial it.

    * A mainland mobile number keeps its first three and last four digits:
      ``"13812341234"``, ``"138 1234 1234"``, ``"138-1234-1234"`` → ``"138****1234"``.
    * Written with the country code (``+86``, ``0086``, ``86``, ``(+86)``) it keeps the code and
      the last four digits: ``"+86 138 1234 1234"`` → ``"+86*******1234"`` (what the original
      ``notifications.sms.mask_phone`` gave for ``"+8613812341234"``).
    * A landline with its area code keeps the code and the last four digits of the local number:
      ``"0710-1234567"``, ``"(0710)1234567"``, ``"07101234567"`` → ``"0710-***4567"``;
      ``"010-12345678"`` → ``"010-****5678"``.
    * Anything else is masked by its length, separators and all (after trimming): 11 characters
      or more keep the first three and last four; 7 to 10 keep only the last four; 3 to 6 only the
      last two (``"12345"`` → ``"***45"``); one or two characters are masked entirely.

    So the full number is never returned, however short. Separators are dropped from the
    recognised forms; full-width digits are read as digits. ``None`` and ``""`` give ``""``.
    """
    text = _fold(phone or "").strip()
    if not text:
        return ""
    compact = _PHONE_SEPARATORS.sub("", text)
    mobile = _MOBILE_FULL.fullmatch(compact)
    if mobile:
        number = mobile["number"]
        if mobile["cc"]:
            return "+86" + MASK * 7 + number[-4:]
        return number[:3] + MASK * 4 + number[-4:]
    landline = _LANDLINE_FULL.fullmatch(compact)
    if landline:
        area = landline["area3"] or landline["area4"]
        local = landline["local8"] or landline["local"]
        return f"{area}-{MASK * (len(local) - 4)}{local[-4:]}"
    n = len(text)
    if n >= 11:
        return text[:3] + MASK * (n - 7) + text[-4:]
    if n >= 7:
        return MASK * (n - 4) + text[-4:]
    if n >= 3:
        return MASK * (n - 2) + text[-2:]
    return MASK * n


# --- names ------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


#: Two-character surnames (复姓): a name starting with one keeps both characters.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    _words("""
    欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门
    轩辕 百里 呼延 澹台 公冶 太史 申屠 闻人 万俟 赫连 钟离 宗政 濮阳 淳于 司空 拓跋 闾丘 子车
    羊舌 微生 梁丘 左丘 东郭 南门 仲孙 鲜于 巫马 公羊 谷梁 段干 东门 乐正 漆雕 壤驷 公良 司寇
    """)
)

_NAME_DOTS = "·•・‧"


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


def mask_name(name: str | None) -> str:
    """Mask a personal name, keeping the surname and, where it still hides something, the last
    character.

    * Chinese names keep the surname: ``张三`` → ``张*``; three characters or more also keep the
      last one: ``王小明`` → ``王*明``, ``王小明华`` → ``王**华``.
    * A two-character surname (see ``COMPOUND_SURNAMES``) is kept whole and the given name masked
      entirely: ``欧阳娜娜`` → ``欧阳**``, ``司马光`` → ``司马*``.
    * Names in the ``X·Y`` form (transliterated minority and foreign names) keep their first
      character and the dots: ``买买提·艾力`` → ``买**·**``.
    * Any other (Latin) name keeps its first character only: ``John Smith`` → ``J*********``.
    * A single character is masked entirely; ``None`` and ``""`` give ``""``.

    Outer whitespace is trimmed and whitespace inside a Chinese name dropped (``张 三`` → ``张*``).
    The result is otherwise as long as the name, and masking a masked name changes nothing.
    """
    name = (name or "").strip()
    if not name:
        return ""
    if _is_han(name[0]):
        name = "".join(name.split())
    if len(name) == 1:
        return MASK
    if not _is_han(name[0]):
        return name[0] + MASK * (len(name) - 1)
    if any(dot in name for dot in _NAME_DOTS):
        return name[0] + "".join(c if c in _NAME_DOTS else MASK for c in name[1:])
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2] + MASK * (len(name) - 2)
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


# --- free text --------------------------------------------------------------------------------

_B = r"(?<![0-9])"  # not inside a longer run of digits ...
_E = r"(?![0-9])"  # ... on either side
_MOBILE_CORE = r"1[3-9][0-9][ \-]?[0-9]{4}[ \-]?[0-9]{4}"
_DATE_PART = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"

# mobile: behind +86 or (+86), or (not inside a longer run of digits) behind 0086, a bare 86
# stuck to it, or nothing
_MOBILE = r"(?P<mobile>(?:\+86[ \-]?|\(\+?86\)[ \-]?|" + _B + r"(?:0086[ \-]?|86)?)" + _MOBILE_CORE + ")" + _E
# landline with its area code: 3-digit codes (010, 02x) take 8 digits, 4-digit codes 7 or 8
_LANDLINE = (
    r"(?P<landline>(?:\((?:010|02[0-9])\)|" + _B + r"(?:010|02[0-9]))[ \-]?[1-9][0-9]{7}"
    r"|(?:\(0[3-9][0-9]{2}\)|" + _B + r"0[3-9][0-9]{2})[ \-]?[1-9][0-9]{6,7})" + _E
)
_PERSONAL_DATA = re.compile(
    "|".join(
        [
            # e-mail: the local part from the start of its run, then a dotted domain
            r"(?<![A-Za-z0-9._%+\-])(?P<email_local>[A-Za-z0-9._%+\-]+)"
            r"@(?P<email_domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})",
            # resident ID: 18 characters with a birth date (last one may be X), 17 digits and an X,
            # or the old 15-digit form with a birth date
            _B + r"(?P<id18>[1-9][0-9]{5}(?:18|19|20)[0-9]{2}" + _DATE_PART + r"[0-9]{3}[0-9Xx])" + _E,
            _B + r"(?P<id17x>[0-9]{17}[Xx])",
            _B + r"(?P<id15>[1-9][0-9]{5}[0-9]{2}" + _DATE_PART + r"[0-9]{3})" + _E,
            # bank card: 16 to 19 digits in one run, or in groups of four (first digit 3 to 6, as
            # card numbers start, so that a row of years is not a card)
            _B + r"(?P<bank>[0-9]{16,19})" + _E,
            _B
            + r"(?P<bank_grouped>[3-6][0-9]{3}(?:[ \-][0-9]{4}){3}(?:[ \-][0-9]{1,3}(?![ \-]?[0-9]))?)"
            + _E,
            _MOBILE,
            _LANDLINE,
        ]
    )
)

_MAX_PASSES = 10


def _keep_last(value: str, keep: int) -> str:
    return MASK * (len(value) - keep) + value[-keep:]


def _mask_match(match: re.Match[str]) -> str:
    found = {kind: value for kind, value in match.groupdict().items() if value is not None}
    if "email_local" in found:
        return found["email_local"][0] + MASK * 3 + "@" + _redact_numbers(found["email_domain"])
    for kind in ("id18", "id17x", "id15"):
        if kind in found:
            value = found[kind]
            return value[0] + MASK * (len(value) - 2) + value[-1]
    for kind in ("bank", "bank_grouped"):
        if kind in found:
            return _keep_last(re.sub(r"[^0-9]", "", found[kind]), 4)
    return mask_phone(match[0])  # mobile, landline


def _redact_numbers(text: str) -> str:
    folded = _fold(text)
    parts: list[str] = []
    position = 0
    for match in _PERSONAL_DATA.finditer(folded):
        parts.append(text[position : match.start()])
        parts.append(_mask_match(match))
        position = match.end()
    if not parts:
        return text
    parts.append(text[position:])
    return "".join(parts)


def _names_pattern(names: Iterable[str] | None) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    masks: dict[str, str] = {}
    for name in names or ():
        if not isinstance(name, str):
            continue
        name = name.strip()
        if len(name) < 2 or name in masks:
            continue
        masked = mask_name(name)
        if masked != name:
            masks[name] = masked
    if not masks:
        return None, masks
    ordered = sorted(masks, key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(n) for n in ordered)), masks


def redact(text: str | None, *, names: Iterable[str] | None = ()) -> str:
    """Return ``text`` with personal data masked, fit to publish.

    Masked, wherever they stand in the text (full-width digits included):

    * mobile numbers: 11 digits starting 13–19, alone or as 3-4-4 with spaces or hyphens, with or
      without ``+86``/``0086``/``(+86)``, or a bare ``86`` stuck to it → as ``mask_phone``;
    * landlines with an area code: ``0710-1234567``, ``0710 1234567``, ``(0710)1234567``,
      ``07101234567``, ``010-12345678`` → as ``mask_phone``;
    * resident ID numbers: 18 characters with a plausible birth date (the last may be X or x),
      any 17 digits followed by X, and old 15-digit numbers with a birth date → the first and the
      last character kept: ``4****************X``;
    * bank card numbers: any run of 16 to 19 digits, or four-digit groups starting 3–6 → the last
      four digits kept: ``***************0123``;
    * e-mail addresses → the first character of the local part and the domain kept:
      ``z***@example.com`` (digits in the domain are redacted like any others);
    * each of ``names`` (two characters or more; plain substring match, case-sensitive, longest
      first so that 王小明 wins over 王小) → ``mask_name``.

    Numbers are only matched as whole runs of digits: a digit next to the match on either side
    means it is some other number, left whole rather than half-masked. So years (2026年),
    amounts (3.5万元), lengths (1200米), dates (2026-05-01, 20260501), document numbers and counts
    survive, and so do local numbers without an area code (3221234), hotlines (12345,
    400-123-4567) and 15-digit numbers without a birth date (e.g. old business registration
    numbers). Known over-reach, accepted for safety: any 11-digit number starting 13–19 and any
    16–19-digit number is masked, whatever it counts, as is a space-separated list that happens to
    read 3-4-4 (``150 1200 1500``).

    Idempotent: ``redact(redact(x, names=n), names=n) == redact(x, names=n)`` (the text is
    redacted until it stops changing, which every mask guarantees within a pass or two).
    ``None`` gives ``""``; ``names`` may be ``None``, and entries that are not strings are skipped.
    """
    if not text:
        return ""
    pattern, masks = _names_pattern(names)
    for _ in range(_MAX_PASSES):
        redacted = _redact_numbers(text)
        if pattern is not None:
            redacted = pattern.sub(lambda m: masks[m[0]], redacted)
        if redacted == text:
            break
        text = redacted
    return text


# --- "raised by" fields -----------------------------------------------------------------------

_BRACKETED = re.compile(r"[（(【\[〔［{｛<《][^）)】\]〕］}｝>》]*(?:[）)】\]〕］}｝>》]|$)")
_SPLIT = re.compile(r"[、，,;；/／|｜:：。!！?？&＆+＋\s]+")
_QUOTES = re.compile(r"[\"'“”‘’「」『』〈〉》《)）\]】〕］}｝>]")
_CONJUNCTIONS = re.compile(r"[和及与同]")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]{2,4}")
_HAN_DOTTED_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]{1,10}[·•・‧][\u4e00-\u9fff\u3400-\u4dbf]{1,10}")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+")

# Words for who someone is rather than who. Groups ("沿街商户", "周边群众") end no name: a piece
# ending so is dropped. Roles and titles follow a name ("张三组长", "王小明代表") and are cut off.
# Both are cut off before a name ("村民张三", "人大代表王小明"). Longest first, so that 村民组长
# goes before 组长.
_GROUP_WORDS = _words("""
    村民 居民 群众 老人 市民 网友 网民 乡亲 百姓 老百姓 农户 农民 住户 商户 业主 家长 学生 师生 车主
    司机 游客 党员 老党员 干部 村干部 志愿者
    """)
_ROLE_WORDS = _words("""
    村民小组组长 村民组长 村民代表 人大代表 政协委员 村支书 村书记 村主任 代表 委员 联系人 反映人
    提出人 建议人 来信人 来电人 负责人 户主
    """)
_PREFIX_WORDS = sorted([*_GROUP_WORDS, *_ROLE_WORDS], key=len, reverse=True)
_TITLE_SUFFIXES = sorted(
    [
        *_ROLE_WORDS,
        *_words("""
        老师 师傅 先生 女士 小姐 同志 主任 书记 村长 组长 队长 校长 院长 局长 镇长 乡长 所长 站长
        经理 医生 大爷 大妈 大娘 阿姨 大姐 大哥 等人 夫妇 一家 家属 同学 本人
        """),
    ],
    key=len,
    reverse=True,
)
# Places: cut off before a name ("王家村张三"); with bodies and counts, no name ends so.
_PLACE_MARKERS = tuple(_words("村民小组 居委会 村委会 社区 街道 小区 单元 村 组 镇 乡 屯 号 栋"))
_NOT_A_NAME_ENDINGS = (
    *_PLACE_MARKERS,
    *_words("委员会 政府 部门 单位 公司 学校 小学 中学 医院 协会 合作社 局 办 站 所 院 厂 店"),
    *_words("户 人 名 位 家 们 等"),
)
_NOT_A_NAME = frozenset(
    _words("""
    村民 居民 群众 老人 多名 多人 多户 等等 市民 网友 网民 乡亲 百姓 老百姓 农户 农民 住户 商户 业主
    家长 学生 师生 党员 干部 代表 委员 匿名 佚名 本人 其他 其它 他人 若干 部分 全体 广大 众人 大家
    我们 他们 某某 不详 未知 无名 热心群众 人民群众 广大群众 周边群众 附近居民 沿线群众 全体村民
    沿线 周边 附近 当地 本村 本组 全村 全组 众多 热心 一些 有关 相关 多位 群体 联名
    """)
)
_LATIN_NOT_A_NAME = frozenset(_words("Mr Mrs Ms Miss Dr Prof Tel Fax And The Etc Village Group"))


def _strip_titles(token: str) -> str:
    stripped = True
    while stripped and token:
        stripped = False
        for suffix in _TITLE_SUFFIXES:
            if token.endswith(suffix):
                token = token[: -len(suffix)]
                stripped = True
                break
    return token


def _strip_prefixes(token: str) -> str:
    # After the last role word: "王家村村民张三" → "张三".
    cut = 0
    for word in _PREFIX_WORDS:
        at = token.rfind(word)
        if at >= 0:
            cut = max(cut, at + len(word))
    token = token[cut:]
    # After the last place marker, where a name of two characters or more is left: "三组张三" → "张三",
    # but "李村生" stays.
    cut = 0
    for marker in _PLACE_MARKERS:
        at = token.rfind(marker)
        if at >= 0 and len(token) - (at + len(marker)) >= 2:
            cut = max(cut, at + len(marker))
    return token[cut:]


def _clean(token: str) -> str:
    token = _QUOTES.sub("", token).strip()
    if "等" in token:
        token = token[: token.index("等")]
    token = _strip_titles(token)
    if token.endswith((*_GROUP_WORDS, *_NOT_A_NAME_ENDINGS)):  # "沿街商户", "石桥村村委会"
        return ""
    return _strip_titles(_strip_prefixes(token))


def _is_name(token: str) -> bool:
    if not token or any(c.isdigit() for c in token) or "某" in token:
        return False
    if _LATIN_NAME.fullmatch(token):
        return token not in _LATIN_NOT_A_NAME
    if not (_HAN_NAME.fullmatch(token) or _HAN_DOTTED_NAME.fullmatch(token)):
        return False
    return token not in _NOT_A_NAME and not token.endswith(_NOT_A_NAME_ENDINGS)


def redact_contact_names(raised_by: str | None) -> list[str]:
    """Pick the personal names out of a free "raised by" field, for ``redact(names=…)``.

    ``"村民张三、李四等5户"`` → ``["张三", "李四"]``;
    ``"王小明（村民组长）, 刘芳"`` → ``["王小明", "刘芳"]``.

    Bracketed notes are removed (an unclosed bracket runs to the end) and the rest is split on
    ``、，,;；/:：`` and whitespace. In each piece, everything from ``等`` on is dropped ("等5户");
    a piece ending in a group ("沿街商户") or a place ("石桥村") is dropped; roles and titles after
    a name are cut off ("张三组长", "王小明代表"), and so are groups, roles and places before one
    ("村民张三", "人大代表王小明", "王家村张三", "三组张三"); a piece still longer than four
    characters is split on 和/及/与/同 ("张三和李四"; "王和平" stays whole). What is left must look
    like a name: two to four Chinese characters (or the ``X·Y`` form), or one capitalised Latin
    word, with no digits, no 某 (already anonymous), and neither a generic word (村民 群众 居民 老人
    多名…) nor ending like a place, body or count (…村, …公司, …户, …人). Conservative by design:
    a name that is missed stays in the text, while junk here would mask ordinary words all over
    the reply. Order kept, duplicates dropped; ``None`` gives ``[]``.
    """
    text = _BRACKETED.sub(" ", raised_by or "")
    names: list[str] = []
    for piece in _SPLIT.split(text):
        token = _clean(piece)
        parts = [token]
        if len(token) > 4 and _CONJUNCTIONS.search(token):
            parts = [_clean(part) for part in _CONJUNCTIONS.split(token)]
        for part in parts:
            if _is_name(part) and part not in names:
                names.append(part)
    return names
