"""Bilingual messages the matching library hands back as data.

The library never prints and never raises for bad input an officer typed: a plate that
cannot exist, a date that is not in the calendar, an MRZ whose check digit is wrong all
come back as a :class:`Problem` (blocking: the value is impossible as typed) or a
:class:`Notice` (informative: a temporary plate, a corrected VIN letter). The shell shows
``message_fr`` (or ``message_en`` when the officer picked English); ``code`` is stable
and meant for code and tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a value is impossible as typed (French first, English translation)."""

    code: str
    message_fr: str
    message_en: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth telling the officer about a value that is nevertheless usable."""

    code: str
    message_fr: str
    message_en: str
