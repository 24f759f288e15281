"""A status question that names the stage the online system shows is answered before the
reference is asked for: what the stage means needs no reference."""

from __future__ import annotations

import pytest
from support import joined

pytestmark = pytest.mark.conversation


def test_a_named_stage_is_explained(chat) -> None:
    reply = joined(chat("在线系统状态显示复核未通过，我该怎么办"))
    assert "备注" in reply and "重新提交" in reply


def test_an_english_named_stage_is_explained_and_the_reference_still_asked(chat) -> None:
    reply = joined(chat("our application status says review passed - anything to do?"))
    assert "service provider" in reply and "EK-" in reply
    assert joined(chat("EK-7K3Q9M")) != ""  # the form goes on: the reference is taken


def test_a_status_question_naming_no_stage_only_asks_the_reference(chat) -> None:
    reply = joined(chat("where is my application"))
    assert "EK-" in reply and "备注" not in reply and "remark" not in reply
