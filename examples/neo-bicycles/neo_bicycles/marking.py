"""Bicycle identifiers: the frame number engraved by the maker, and the marking number
engraved or stuck on by an approved marking operator (Bicycode and others) since 2021.

Both are read off a frame in the street, so they are compared by a *key*: letters and
digits only, upper case, and the letters read as digits (``O`` -> ``0``, ``I`` -> ``1``)
because on worn paint nobody can tell them apart. The lookup's own serial-number key
follows the same rules, and the module applies this function to the query's key again,
so both sides always meet in the same form. Pure Python: no Qt, no NEO.
"""

from __future__ import annotations

import re

FRAME_MIN, FRAME_MAX = 5, 25
MARKING_MIN, MARKING_MAX = 6, 20

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})


def key(text: str | None) -> str:
    """``"wbk-1234 5x"`` -> ``"WBK12345X"``; ``"FO-1"`` -> ``"F01"``; ``""`` for nothing."""
    if not text:
        return ""
    return _NOT_ALNUM.sub("", str(text).upper()).translate(_LOOKALIKES)


def plausible(value: str, low: int, high: int) -> bool:
    """An identifier whose key is ``low`` to ``high`` characters long and holds a digit."""
    k = key(value)
    return low <= len(k) <= high and any(ch.isdigit() for ch in k)
