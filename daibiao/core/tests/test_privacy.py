"""Masking and redaction of personal data (daibiao.core.privacy): pure functions, no database.

The reply texts below are made up in the style of a county bureau's answer to a deputy's
suggestion; every number and name in them is fictitious.
"""

from __future__ import annotations

import random
import re

import pytest

from daibiao.core.privacy import (
    COMPOUND_SURNAMES,
    mask_name,
    mask_phone,
    redact,
    redact_contact_names,
)

# What a leaked mobile number looks like to the checks below: 11 digits starting 13–19, alone or
# grouped 3-4-4 by one space or hyphen, not part of a longer run of digits, though perhaps behind
# a country code (+86, 0086, or a bare 86 that starts its run of digits).
LEAKED_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ \-]?[0-9]{4}[ \-]?[0-9]{4}(?![0-9])")
COUNTRY_CODE = re.compile(r"(?:\+86|(?<![0-9])0086|(?<![0-9])86)(?=[ \-]?1[3-9])")
FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"－": "-", "\u3000": " "})


def leaked_mobiles(text: str) -> list[str]:
    return LEAKED_MOBILE.findall(COUNTRY_CODE.sub(" ", text.translate(FULL_WIDTH)))


# --- mask_phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        # the cases notifications.sms.mask_phone was tested with, unchanged
        ("13812341234", "138****1234"),
        ("+8613812341234", "+86*******1234"),
        ("12345", "***45"),
        ("", ""),
        # mobile numbers, however written
        ("  13812341234  ", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("19912345678", "199****5678"),
        ("１３８１２３４１２３４", "138****1234"),
        ("+86 138 1234 1234", "+86*******1234"),
        ("+86-138-1234-1234", "+86*******1234"),
        ("8613812341234", "+86*******1234"),
        ("86 13812341234", "+86*******1234"),
        ("0086 13812341234", "+86*******1234"),
        ("(+86)13812341234", "+86*******1234"),
        ("（+86）13812341234", "+86*******1234"),
        # landlines with an area code
        ("0710-1234567", "0710-***4567"),
        ("0710 1234567", "0710-***4567"),
        ("07101234567", "0710-***4567"),
        ("(0710)1234567", "0710-***4567"),
        ("（0710）1234567", "0710-***4567"),
        ("0710－1234567", "0710-***4567"),
        ("0710-12345678", "0710-****5678"),
        ("010-12345678", "010-****5678"),
        ("021 87654321", "021-****4321"),
        # anything else: by length, never in full
        ("1", "*"),
        ("12", "**"),
        ("123", "*23"),
        ("110", "*10"),
        ("123456", "****56"),
        ("3221234", "***1234"),
        ("32212345", "****2345"),
        ("1234567890", "******7890"),
        ("12345678901", "123****8901"),
        ("400-123-4567", "400*****4567"),
        ("+1 415 555 0100", "+1 ********0100"),
        ("not a number", "not*****mber"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_phone_takes_none():
    assert mask_phone(None) == ""


def test_mask_phone_never_returns_a_number_unmasked():
    rng = random.Random(20260501)  # noqa: S311 - test data, not secrets
    for _ in range(2000):
        number = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
        masked = mask_phone(number)
        assert masked != number
        assert "*" in masked
        assert len(masked) <= len(number) + 3  # "+86" may stand for "86"/"0086"


def test_a_masked_mobile_number_is_masked_again_the_same():
    assert mask_phone(mask_phone("13812341234")) == "138****1234"


# --- mask_name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("王小明华", "王**华"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳娜", "欧阳*"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("上官婉儿", "上官**"),
        ("东方明", "东方*"),
        ("皇甫嵩", "皇甫*"),
        ("尉迟恭", "尉迟*"),
        ("公孙胜", "公孙*"),
        ("慕容复", "慕容*"),
        ("长孙无忌", "长孙**"),
        ("宇文泰", "宇文*"),
        ("司徒雷", "司徒*"),
        ("夏侯惇", "夏侯*"),
        ("令狐冲", "令狐*"),
        ("欧阳", "欧*"),  # two characters: the compound surname alone is not kept whole
        ("买买提·艾力", "买**·**"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*********"),
        ("Li", "L*"),
        ("  张三 ", "张*"),
        ("张 三", "张*"),
        ("张", "*"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_takes_none():
    assert mask_name(None) == ""


def test_the_compound_surnames_asked_for_are_known():
    asked = {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
    }
    assert asked | {"令狐"} <= COMPOUND_SURNAMES
    assert all(len(surname) == 2 for surname in COMPOUND_SURNAMES)


@pytest.mark.parametrize(
    "name", ["张三", "王小明", "欧阳娜娜", "买买提·艾力", "John Smith", "张", "王*明", "*"]
)
def test_mask_name_is_idempotent(name):
    once = mask_name(name)
    assert mask_name(once) == once


# --- redact: what goes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # mobile numbers
        ("联系电话：13812341234。", "联系电话：138****1234。"),
        ("手机13812341234", "手机138****1234"),
        ("13812341234", "138****1234"),
        ("手机 138 1234 1234，", "手机 138****1234，"),
        ("手机138-1234-1234", "手机138****1234"),
        ("手机：１３８１２３４１２３４", "手机：138****1234"),
        ("电话+8613812341234", "电话+86*******1234"),
        ("电话 +86 138 1234 1234", "电话 +86*******1234"),
        ("电话（+86）13812341234", "电话+86*******1234"),
        ("电话0086-13812341234", "电话+86*******1234"),
        ("电话8613812341234", "电话+86*******1234"),
        ("tel13812341234ok", "tel138****1234ok"),
        ("13812341234、13987654321", "138****1234、139****4321"),
        # landlines
        ("办公电话0710-1234567", "办公电话0710-***4567"),
        ("办公电话：0710 1234567", "办公电话：0710-***4567"),
        ("办公电话（0710）1234567", "办公电话0710-***4567"),
        ("办公电话0710－3456789", "办公电话0710-***6789"),
        ("办公电话07101234567", "办公电话0710-***4567"),
        ("北京010-12345678", "北京010-****5678"),
        # resident ID numbers
        ("身份证号420102199001011234", "身份证号4****************4"),
        ("身份证号42010219900101123X", "身份证号4****************X"),
        ("身份证号42010219900101123x。", "身份证号4****************x。"),
        ("身份证号４２０１０２１９９００１０１１２３Ｘ", "身份证号4****************X"),
        ("老身份证420102900101123", "老身份证4*************3"),
        # bank card numbers
        ("卡号6222021234567890", "卡号************7890"),
        ("卡号6222021234567890123", "卡号***************0123"),
        ("卡号6217 0028 7000 1234 567", "卡号***************4567"),
        ("卡号6222-0212-3456-7890", "卡号************7890"),
        # e-mail
        ("邮箱zhangsan@example.com", "邮箱z***@example.com"),
        ("邮箱：liu.fang+2026@water.example.gov.cn。", "邮箱：l***@water.example.gov.cn。"),
        ("13812341234@163.com", "1***@163.com"),
        ("a@13812341234.com", "a***@138****1234.com"),
    ],
)
def test_redact_masks_personal_data(text, redacted):
    assert redact(text) == redacted
    assert redact(redacted) == redacted


@pytest.mark.parametrize(
    ("text", "names", "redacted"),
    [
        ("村民张三反映", ["张三"], "村民张*反映"),
        ("王小明和王小说", ["王小", "王小明"], "王*明和王*说"),
        ("王小明和王小说", ["王小明", "王小"], "王*明和王*说"),
        ("欧阳娜娜、司马光", ["欧阳娜娜", "司马光"], "欧阳**、司马*"),
        ("张三、张三、张三", ["张三"], "张*、张*、张*"),
        ("John Smith called", ["John Smith"], "J********* called"),
        ("无关的文字", ["张三"], "无关的文字"),
        ("张三李四", ["  张三  ", "李四"], "张*李*"),
        ("张三", ["张"], "张三"),  # single characters are never names to redact
        ("张*说", ["张*"], "张*说"),  # already masked
        ("张三", [None, 5, "", "张三"], "张*"),  # not strings: skipped
        ("王小明天去", ["王小明", "明天"], "王*明*去"),  # a mask next to another name
    ],
)
def test_redact_masks_the_given_names(text, names, redacted):
    assert redact(text, names=names) == redacted
    assert redact(redacted, names=names) == redacted


def test_redact_takes_names_from_any_iterable():
    assert redact("张三和李四", names=(n for n in ["张三", "李四"])) == "张*和李*"
    assert redact("张三和李四", names={"张三"}) == "张*和李四"
    assert redact("张三和李四", names=None) == "张三和李四"


# --- redact: what stays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026年5月1日",
        "2026-05-01",
        "2026.05.01",
        "20260501",
        "2026—2027年",
        "2025年度",
        "全长1200米",
        "路基宽4.5米",
        "投资3.5万元",
        "投资12,345,678.90元",
        "共计15户58人",
        "惠及农户136户、群众520人",
        "第12号建议",
        "文号：X交发〔2026〕12号",
        "编号20260501001",
        "邮编441000",
        "GDP增长6.5%",
        "圆周率3.14159265358979",
        "12345热线",
        "报警电话110",
        "监督电话12314",
        "服务热线400-123-4567",
        "办公室电话3221234",
        "138123412345",  # 12 digits: not a mobile number, and not half-masked
        "1381234123",  # 10 digits
        "12812341234",  # 11 digits, but no mobile number starts 12
        "0710-123456789",  # too long for a landline
        "0710-1234",  # too short
        "注册号420100000123",  # 12 digits
        "123456789012345",  # 15 digits without a birth date
        "2023 2024 2025 2026年",  # four-digit groups, but not starting 3-6
        "张*、138****1234、0710-***4567、4****************X、z***@example.com",  # already masked
        "",
    ],
)
def test_redact_leaves_other_numbers_alone(text):
    assert redact(text) == text


@pytest.mark.parametrize("value", [None, "", "   ", "\x00", "\ud800", "*" * 500, "1" * 10_000, "@@@..."])
def test_redact_never_raises(value):
    result = redact(value, names=["张三"])
    assert isinstance(result, str)
    assert redact(result, names=["张三"]) == result


def test_redact_takes_none():
    assert redact(None) == ""


# --- redact: whole replies --------------------------------------------------------------------

TRANSPORT_REPLY = """县交通运输局关于王小明代表第12号建议的答复

王小明代表：
您提出的《关于硬化城关镇李家村通组公路的建议》收悉。经我局现场勘查，该路段全长1200米，路基宽4.5米，\
预计投资3.5万元，已列入2026年农村公路建设计划，计划于2026-05-01开工、2026年10月底前完工。
村民张三（身份证号420102199001011234，手机13812341234）反映的排水问题，我局已安排养护站处理。
联系人：刘芳，联系电话：0710-1234567，手机：139 8765 4321，邮箱：liufang@example.gov.cn。
"""

TRANSPORT_REPLY_REDACTED = """县交通运输局关于王小明代表第12号建议的答复

王小明代表：
您提出的《关于硬化城关镇李家村通组公路的建议》收悉。经我局现场勘查，该路段全长1200米，路基宽4.5米，\
预计投资3.5万元，已列入2026年农村公路建设计划，计划于2026-05-01开工、2026年10月底前完工。
村民张*（身份证号4****************4，手机138****1234）反映的排水问题，我局已安排养护站处理。
联系人：刘*，联系电话：0710-***4567，手机：139****4321，邮箱：l***@example.gov.cn。
"""


def test_a_transport_bureau_reply():
    names = [*redact_contact_names("村民张三、李四等5户"), "刘芳"]
    assert names == ["张三", "李四", "刘芳"]
    assert redact(TRANSPORT_REPLY, names=names) == TRANSPORT_REPLY_REDACTED
    # the deputy answered is not among the names: a deputy's name is public
    assert "王小明代表" in TRANSPORT_REPLY_REDACTED


WATER_REPLY = """县水利局关于解决石桥村饮水安全问题的建议的答复

欧阳娜娜代表：
您转来的村民李四（身份证号码：42062519850315002X，联系电话：159-0710-1234）反映的自来水压力不足问题，\
我局已于2026年3月完成管网改造，新铺设PE管2800米，投资12.6万元，惠及农户136户、群众520人。
同组村民王小明（老身份证420625850315123）家的水表故障已于2026年4月2日修复，维修押金200元已退回其\
银行卡6217 0028 7000 1234 567。
如有问题请拨打监督电话12314，或联系工程股（0710－3456789，shuili_gcg@example.gov.cn）。
"""

WATER_REPLY_REDACTED = """县水利局关于解决石桥村饮水安全问题的建议的答复

欧阳娜娜代表：
您转来的村民李*（身份证号码：4****************X，联系电话：159****1234）反映的自来水压力不足问题，\
我局已于2026年3月完成管网改造，新铺设PE管2800米，投资12.6万元，惠及农户136户、群众520人。
同组村民王*明（老身份证4*************3）家的水表故障已于2026年4月2日修复，维修押金200元已退回其\
银行卡***************4567。
如有问题请拨打监督电话12314，或联系工程股（0710-***6789，s***@example.gov.cn）。
"""


def test_a_water_bureau_reply():
    names = redact_contact_names("石桥村村民李四、王小明（同组）等")
    assert names == ["李四", "王小明"]
    assert redact(WATER_REPLY, names=names) == WATER_REPLY_REDACTED
    assert leaked_mobiles(WATER_REPLY_REDACTED) == []


def test_a_reply_without_personal_data_is_unchanged():
    reply = (
        "经研究，该项目已纳入2026年县级财政预算，安排资金350万元，新建桥梁1座（长48米、宽7.5米），"
        "改造道路3.2公里，预计2026年12月31日前完工，受益群众约1.2万人。详见县政府网站2026-05-01公告，"
        "咨询电话12345。"
    )
    assert redact(reply, names=redact_contact_names("沿线群众")) == reply


# --- redact_contact_names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised_by", "names"),
    [
        ("村民张三、李四等5户", ["张三", "李四"]),
        ("王小明（村民组长）, 刘芳", ["王小明", "刘芳"]),
        ("王小明(村民组长),刘芳", ["王小明", "刘芳"]),
        ("张三；李四;王五/赵六", ["张三", "李四", "王五", "赵六"]),
        ("张三 李四　王五", ["张三", "李四", "王五"]),
        ("张三和李四", ["张三", "李四"]),
        ("村民王和平", ["王和平"]),  # 和 inside a name is not a separator
        ("王家村村民张三", ["张三"]),
        ("城关镇石桥村三组张三", ["张三"]),
        ("三组张三", ["张三"]),
        ("李村生", ["李村生"]),
        ("人大代表王小明；居民刘芳等", ["王小明", "刘芳"]),
        ("张三组长、李四老师", ["张三", "李四"]),
        ("张三 等 5户", ["张三"]),
        ("张三、张三", ["张三"]),
        ("欧阳娜娜、买买提·艾力", ["欧阳娜娜", "买买提·艾力"]),
        ("联系人：刘芳", ["刘芳"]),
        ("“张三”", ["张三"]),
        ("John Smith", ["John", "Smith"]),
        # nothing that is a name
        ("村民", []),
        ("群众多名", []),
        ("全体村民", []),
        ("沿线群众", []),
        ("沿街商户", []),
        ("周边居民", []),
        ("学校师生", []),
        ("城关镇石桥村群众", []),
        ("王小明代表", ["王小明"]),
        ("老党员张三", ["张三"]),
        ("户主李四", ["李四"]),
        ("多名老人", []),
        ("张老师、王师傅", []),
        ("张某", []),
        ("匿名", []),
        ("石桥村", []),
        ("石桥村村委会", []),
        ("县交通运输局", []),
        ("五保户", []),
        ("15户村民", []),
        ("等5户", []),
        ("Mr", []),
        ("APP", []),
        ("（村民组长）", []),
        ("王小明（村民组长, 刘芳", ["王小明"]),  # an unclosed bracket runs to the end
        ("", []),
        ("   、、,,", []),
    ],
)
def test_redact_contact_names(raised_by, names):
    assert redact_contact_names(raised_by) == names


def test_redact_contact_names_takes_none():
    assert redact_contact_names(None) == []


def test_contact_names_feed_redact():
    raised_by = "村民张三（组长）、李四、王小明等12户"
    text = "张三、李四、王小明等12户村民反映，王小明的电话13812341234。"
    assert (
        redact(text, names=redact_contact_names(raised_by))
        == "张*、李*、王*明等12户村民反映，王*明的电话138****1234。"
    )


# --- properties over generated text -----------------------------------------------------------

FILLER = "的了是在和年月日号米元万户人电话手机号码联系村民县局答复建议张三李四王小明欧阳娜娜"
SEPARATORS = [
    " ",
    "-",
    "+",
    "(",
    ")",
    "@",
    ".",
    "x",
    "X",
    "*",
    "、",
    "，",
    "：",
    "\n",
    "\t",
    "　",
    "（",
    "）",
    "－",
    "·",
]
NAMES = ["张三", "李四", "王小明", "王小", "欧阳娜娜", "明天", "John Smith", "三李"]


def _mobile(rng: random.Random) -> str:
    digits = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    style = rng.randrange(8)
    if style == 1:
        digits = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    elif style == 2:
        digits = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    elif style == 3:
        digits = rng.choice(["+86", "+86 ", "0086", "0086-", "86", "(+86)", "（+86）"]) + digits
    elif style == 4:
        digits = digits.translate({ord(str(i)): chr(0xFF10 + i) for i in range(10)})
    elif style == 5:
        digits += "@" + rng.choice(["163.com", "qq.com", "example.gov.cn"])
    return digits


def _piece(rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return _mobile(rng)
    if kind == 1:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 22)))
    if kind == 2:
        return "".join(rng.choice(FILLER) for _ in range(rng.randint(1, 6)))
    if kind == 3:
        return rng.choice(SEPARATORS)
    if kind == 4:
        return rng.choice(NAMES)
    if kind == 5:
        return rng.choice(
            ["0710-1234567", "420102199001011234", "42010219900101123X", "6222021234567890", "a@b.cn"]
        )
    return "".join(rng.choice("abcXYZ019") for _ in range(rng.randint(1, 4)))


def _generated_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    return ["".join(_piece(rng) for _ in range(rng.randint(1, 14))) for _ in range(count)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_redact_is_idempotent_and_leaves_no_mobile_number(seed):
    for text in _generated_texts(1500, seed):
        once = redact(text, names=NAMES)
        assert redact(once, names=NAMES) == once, text
        assert leaked_mobiles(once) == [], text
        plain = redact(text)
        assert redact(plain) == plain, text
        assert leaked_mobiles(plain) == [], text


def test_every_generated_mobile_number_is_caught():
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    for _ in range(2000):
        mobile = _mobile(rng)
        text = f"请联系{mobile}，谢谢"
        assert leaked_mobiles(text), mobile
        assert leaked_mobiles(redact(text)) == [], mobile


def test_random_unicode_never_breaks_redact():
    rng = random.Random(11)  # noqa: S311 - test data, not secrets
    for _ in range(500):
        text = "".join(chr(rng.randint(0, 0x2FFFF)) for _ in range(rng.randint(0, 40)))
        once = redact(text, names=NAMES)
        assert redact(once, names=NAMES) == once


def test_redact_copes_with_a_long_text():
    text = TRANSPORT_REPLY * 200 + "1" * 50_000 + "a@" * 5_000
    once = redact(text, names=["张三", "刘芳"])
    assert once.count("138****1234") == 200
    assert redact(once, names=["张三", "刘芳"]) == once
