"""names.clean_header: the one cleaning of a header, used by indicator mapping, the 指标与乡镇 checks and the
personal-data check alike."""

from __future__ import annotations

import pytest

from civdash.domain.names import clean_header
from civdash.ingest.privacy import personal_header


@pytest.mark.parametrize(("text", "cleaned"), [
    ("1-4月资金（万元）", "资金"),
    ("城市低保人数【人】", "城市低保人数"),
    ("城市低保人数[人]", "城市低保人数"),
    ("户主身份证号【必填】", "户主身份证号"),
    ("其中：老年人", "老年人"),
])
def test_clean_header_drops_brackets_units_and_markers(text: str, cleaned: str) -> None:
    assert clean_header(text) == cleaned


@pytest.mark.parametrize("text", ["身份证号【必填】", "身份证号(18位)", "其中：身份证号码"])
def test_personal_headers_are_cleaned_as_other_headers(text: str) -> None:
    assert personal_header(text) == personal_header("身份证号") is not None
