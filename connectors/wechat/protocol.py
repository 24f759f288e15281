"""The WeChat and WeCom wire protocol, apart from any channel: signatures, XML, CDATA, keys.

What both platforms send is checked here before a channel looks at it: a request WeChat
would never send raises `Refused` with the status to answer (signatures, DTDs and entities
in any encoding, malformed XML), so the channel does nothing for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

MAX_BODY = 64 * 1024  # real messages are a few KB; more is not WeChat
MAX_SKEW = 300.0  # seconds a signed timestamp may be off, either way

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Refused(Exception):
    """A request WeChat would never send: answered with `status` and `reason`, nothing done."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined (token, timestamp, nonce[, msg])."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(given: str, *parts: str) -> None:
    if not hmac.compare_digest(given.encode(), signature(*parts).encode()):
        raise Refused(403, "bad signature")


def parse_xml(raw: bytes | str) -> dict[str, Any]:
    """The children of <xml> by tag: the text of a plain element, the element itself when it
    has attributes or children, a list when a tag repeats (`field` reads only text).

    defusedxml refuses a DTD however the document is encoded (a byte pattern would miss
    UTF-16), and so any entity or external reference: WeChat never sends one.
    """
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        root = defused_fromstring(data, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except DefusedXmlException:
        raise Refused(400, "XML with DOCTYPE or ENTITY declarations is not accepted") from None
    except (ParseError, ValueError, LookupError):  # LookupError: an unknown encoding
        raise Refused(400, "malformed XML") from None
    if root.tag != "xml" or len(root) == 0:
        raise Refused(400, "malformed XML: no <xml> element with fields")
    fields: dict[str, Any] = {}
    for child in root:
        value: str | Element | None = (child.text if len(child) == 0 and not child.attrib
                                       else child)
        if child.tag in fields:
            previous = fields[child.tag]
            fields[child.tag] = [*(previous if isinstance(previous, list) else [previous]),
                                 value]
        else:
            fields[child.tag] = value
    return fields


def field(fields: dict[str, Any], name: str) -> str:
    """A field's text; "" when absent or not plain text (attributes, repeated elements)."""
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def cdata_safe(text: str) -> str:
    """Text that stays inside wechatpy's <![CDATA[...]]>, which it does not escape.

    A "]]>" in the text would close the section early and break the XML, so it is split
    across two sections; characters XML 1.0 forbids are dropped.
    """
    return _XML_ILLEGAL.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def valid_aes_key(key: str) -> bool:
    try:
        return len(key) == 43 and len(base64.b64decode(key + "=")) == 32
    except (binascii.Error, ValueError):
        return False
