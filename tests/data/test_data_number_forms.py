"""Numbers written as text ('3,504', '307 cc', '40.0%'): named, never silently parsed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from deeprecipe import DeepRecipeError
from deeprecipe.data import load_csv
from deeprecipe.data.number_forms import number_form, plainly


@pytest.mark.parametrize(
    ("values", "form"),
    [
        (["3,504", "1,200", "980", "2,000"], ("numbers with thousands separators", "3,504")),
        (["307 cc", "350 cc", "318cc"], ("numbers in 'cc'", "307 cc")),
        (["40.0%", "12.5%", "3%"], ("percentages", "40.0%")),
        (["$5.99", "$10", "$1,200.50"], ("amounts of money", "$5.99")),
        (["10 km/h", "20 km/h", "5 km/h"], ("numbers in 'km/h'", "10 km/h")),
    ],
)
def test_a_written_form_of_numbers_is_recognised(values, form):
    assert number_form(values) == form


@pytest.mark.parametrize(
    "values",
    [
        ["5A", "12B", "7C", "9D"],  # codes: a different letter each, no unit
        ["red", "green", "blue"],
        ["12 kg", "5 kg", "7 lbs", "8 lb"],  # no one unit
        ["1,5", "2,5"],  # too few values to say
    ],
)
def test_text_that_is_not_numbers_in_one_form_is_left_alone(values):
    assert number_form(values) is None


def test_the_plain_number_of_an_example():
    assert [plainly(v) for v in ("3,504", "307 cc", "40.0%", "$1,200.50")] == [
        "3504", "307", "40.0", "1200.50"
    ]  # fmt: skip


def _cars(tmp_path):
    """vega cars' columns as a spreadsheet exports them."""
    rng = np.random.default_rng(0)
    weight = rng.integers(1500, 5000, 300)
    lines = ["Weight lbs,Displacement,Acceleration,mpg"] + [
        f'"{w:,}",{d} cc,{a:.1f}%,{40 - w / 200 + rng.normal():.2f}'
        for w, d, a in zip(
            weight, rng.choice(np.arange(70, 455, 5), 300), rng.uniform(8, 25, 300)
        )  # fmt: skip
    ]
    path = tmp_path / "cars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_column_refused_as_an_id_says_it_holds_numbers_and_how_to_write_them(tmp_path):
    """'3,504' as Weight was refused as 'an id, a date, free text' with a hint at decimal
    commas, which a comma-separated file cannot use."""
    with pytest.raises(DeepRecipeError) as raised:
        load_csv(_cars(tmp_path), "mpg", drop=["Acceleration"])
    message = str(raised.value)
    assert "'Weight lbs' has " in message and "numbers with thousands separators" in message
    assert re.search(r"the numbers written plainly in the file \(\d{4} for '\d,\d{3}'", message)
    assert "--drop 'Weight lbs' on the command line" in message  # quoted for a shell


def test_a_one_hot_column_of_numbers_with_a_unit_is_noted(tmp_path):
    """'307 cc' (75 values) was one-hot encoded without a word."""
    ds = load_csv(_cars(tmp_path), "mpg", drop=["Weight lbs", "Acceleration"])
    (note,) = [n for n in ds.notes if "'Displacement' holds" in n]
    assert "numbers in 'cc'" in note and "one-hot encoded into" in note
