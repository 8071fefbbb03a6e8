"""Numbers written as text: ``'3,504'``, ``'307 cc'``, ``'40.0%'``, ``'$5.99'``.

A spreadsheet export often keeps a number's formatting, and a CSV reader then sees text: the
column is one-hot encoded (one column per value, the order and size of the numbers lost) or,
with a value per row, refused as an id. Parsing them silently would guess: ``'1,234'`` is 1234
with thousands separators and 1.234 with a decimal comma, and ``'40%'`` is 40 or 0.4. So
deeprecipe does not convert them; :func:`number_form` recognises the form, so that the
refusal or the note can say what the column holds and how to write it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_FORMS = (
    ("amounts of money", re.compile(rf"^[-+]?[$€£¥]\s*(?:{_NUMBER})$|^(?:{_NUMBER})\s*[€£¥]$")),
    ("percentages", re.compile(rf"^(?:{_NUMBER})\s*%$")),
    ("numbers with thousands separators", re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")),
)
_PLAIN = re.compile(rf"^(?:{_NUMBER})$")
_WITH_UNIT = re.compile(rf"^(?P<number>{_NUMBER})\s*(?P<unit>[A-Za-zµ°][A-Za-zµ°/²³.]{{0,7}})$")
#: the share of a column's distinct values that must read as numbers in one form
SHARE = 0.9
#: fewer distinct values than this say too little to name a form
MIN_VALUES = 3


def number_form(values: Sequence[str]) -> tuple[str, str] | None:
    """``(form, example)`` when the distinct text ``values`` of a column are nearly all
    (:data:`SHARE`) numbers in one written form, plain numbers aside: with thousands
    separators, a percent sign, a currency sign, or one unit after every number (``'307 cc'``;
    codes such as ``'5A'``, ``'12B'`` have a different letter each and are no unit); None
    otherwise."""
    values = [str(v).strip() for v in values if str(v).strip()]
    if len(values) < MIN_VALUES:
        return None
    forms: Counter[str] = Counter()
    examples: dict[str, str] = {}
    plain = 0
    for value in values:
        form = next((name for name, pattern in _FORMS if pattern.match(value)), None)
        if form is None and (unit := _WITH_UNIT.match(value)):
            form = f"numbers in {unit['unit']!r}"
        if form is not None:
            forms[form] += 1
            examples.setdefault(form, value)
        elif _PLAIN.match(value):
            plain += 1
    if not forms:
        return None
    form, count = forms.most_common(1)[0]
    if count + plain < SHARE * len(values):
        return None
    return form, examples[form]


def plainly(example: str) -> str:
    """``example`` as the plain number a file should hold: ``'3,504'`` -> ``'3504'``."""
    found = re.search(_NUMBER, example)
    return "" if found is None else found.group(0).replace(",", "")


def write_plainly(example: str) -> str:
    """How to write such a column, in words, for the refusal and the note alike."""
    return (
        f"the numbers written plainly in the file ({plainly(example)} for {example!r}; a unit "
        "or sign belongs in the column's name)"
    )
