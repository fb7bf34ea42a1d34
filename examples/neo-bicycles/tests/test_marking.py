"""Identifier keys: what an officer reads off a frame meets what the file holds."""

from __future__ import annotations

import pytest

from neo_bicycles import marking


@pytest.mark.parametrize(("typed", "stored"), [
    ("wbk-12345 x", "WBK12345X"),
    ("FR 778899 Z", "FR778899Z"),
    ("fc2k8hq4p7", "FC2K8HQ4P7"),
    ("SN2IA0441 7", "SN21A04417"),  # I for 1 on a worn frame
    ("GZ44IO877", "GZ4410877"),     # I and O for 1 and 0
])
def test_typed_and_stored_numbers_have_the_same_key(typed, stored):
    assert marking.key(typed) == marking.key(stored)


def test_plausible_identifiers():
    assert marking.plausible("WBK 12345 X", marking.FRAME_MIN, marking.FRAME_MAX)
    assert not marking.plausible("ABCDEFG", marking.FRAME_MIN, marking.FRAME_MAX)  # no digit
    assert not marking.plausible("A1", marking.FRAME_MIN, marking.FRAME_MAX)
    assert not marking.plausible("1" * 26, marking.FRAME_MIN, marking.FRAME_MAX)
    assert marking.key(None) == marking.key("") == marking.key(" - ") == ""
