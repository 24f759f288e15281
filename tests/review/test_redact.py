"""Redaction: every shape that identifies a person or an application is masked, and the
words around it are kept (they are what staff need to read)."""

from __future__ import annotations

import pytest

from review.redact import is_redacted, redact


@pytest.mark.parametrize(("text", "expected"), [
    # mobile numbers, with and without the country code and separators
    ("我的手机13812345678", "我的手机<PHONE>"),
    ("call me on 138 1234 5678", "call me on <PHONE>"),
    ("+86 138-1234-5678 is mine", "<PHONE> is mine"),
    ("008613912345678", "<PHONE>"),
    ("１３８１２３４５６７８", "<PHONE>"),  # full-width digits
    # landlines with area codes, extensions and hotlines
    ("座机010-65197114", "座机<PHONE>"),
    ("打（021）6888 8888问问", "打<PHONE>问问"),
    ("0755-8888888", "<PHONE>"),
    ("+86 10 6519 7114 转 123", "<PHONE>"),
    ("tel 010-65197114 ext 12", "tel <PHONE>"),
    ("热线400-810-5555", "热线<PHONE>"),
])
def test_phone_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("身份证号110101199003071234怎么填", "身份证号<ID>怎么填"),
    ("ID 11010119900307123X", "ID <ID>"),
    ("id 11010119900307123x.", "id <ID>."),
    ("统一社会信用代码91110000MA01ABCD2X", "统一社会信用代码<ID>"),
    ("credit code 91310115MA1K4XYW0Q ok", "credit code <ID> ok"),
])
def test_id_numbers_and_credit_codes_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("mail wang.li+ekey@example.com.cn please", "mail <EMAIL> please"),
    ("邮箱abc_123@qq.com", "邮箱<EMAIL>"),
])
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("EK-7K3Q9M 到哪一步了", "<REF> 到哪一步了"),
    ("my reference is ek-7k3q9m", "my reference is <REF>"),
    ("EK7K3Q9M", "<REF>"),
    ("编号EK-7K3Q9M，代码4HX2PD", "编号<REF>，代码<CODE>"),
    ("code 4hx2pd", "code <CODE>"),
    ("the code is HXKPDM", "the code is <CODE>"),
    ("EK-7K3Q9M hxkpdm", "<REF> <CODE>"),  # beside a reference, any case
    ("hxkpdm", "<CODE>"),  # typed alone
])
def test_application_references_and_codes_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "验证码 123456", "account 6222 0212 3456 7890 123", "QQ 12345678",
])
def test_other_long_numbers_are_masked(text: str) -> None:
    assert "<NUM>" in redact(text) and not any(c.isdigit() for c in redact(text))


@pytest.mark.parametrize("text", [
    "电子钥匙解锁要带什么材料", "How long does it take to unlock the e-port card?",
    "what's my status", "2026年11月16日交的，5个工作日", "公司改名了怎么办", "Form 3 and 200KB",
])
def test_ordinary_questions_are_left_alone(text: str) -> None:
    assert redact(text) == text and not is_redacted(text)


def test_a_message_with_everything_keeps_only_its_words() -> None:
    text = ("我是王先生，手机13812345678，座机010-65197114，身份证110101199003071234，"
            "公司信用代码91110000MA01ABCD2X，邮箱wang@example.com，申请EK-7K3Q9M 代码4HX2PD")
    out = redact(text)
    for secret in ("13812345678", "65197114", "110101199003071234", "91110000MA01ABCD2X",
                   "wang@example.com", "7K3Q9M", "4HX2PD"):
        assert secret not in out
    assert out.startswith("我是王先生，手机<PHONE>") and is_redacted(out)
