"""CSV through pyarrow: the same numbers pandas reads, decimal commas, blanks, text columns."""

from __future__ import annotations

import numpy as np
import pytest

from deeprecipe.data import load_csv
from deeprecipe.errors import DeepRecipeError


def test_numbers_match_pandas_on_a_messy_file(tmp_path):
    """Quotes, blanks around values, missing-value spellings, exponents, CRLF: pandas as oracle."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    values = rng.standard_normal((300, 4)) * 10.0 ** rng.integers(-3, 4, size=(300, 4))
    lines = ["a,b,c,d,y"]
    for i, row in enumerate(values):
        cells = [f"{v:.6g}" for v in row]
        cells[1] = f'"{cells[1]}"'
        cells[2] = f" {cells[2]} "
        if i % 17 == 0:
            cells[3] = ["NA", "n/a", "NaN", "null", "?", ""][i % 6]
        lines.append(",".join(cells) + f",{i % 3}")
    path = tmp_path / "messy.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    ds = load_csv(path, "y")
    expected = pd.read_csv(path, skipinitialspace=True, na_values=["n/a", "?", "null"])
    expected["c"] = expected["c"].astype(float)
    want = expected[["a", "b", "c", "d"]].to_numpy(dtype=np.float32)
    np.testing.assert_array_equal(np.isnan(ds.X), np.isnan(want))
    np.testing.assert_array_equal(ds.X[~np.isnan(want)], want[~np.isnan(want)])
    assert ds.y.tolist() == [i % 3 for i in range(300)]


def test_none_is_a_category_in_text_and_a_gap_among_numbers(tmp_path):
    """Cars93's AirBags reads 'None' (no airbags): imputing it with the most frequent value
    replaced a real category by another. Among numbers 'None' is still a gap."""
    path = tmp_path / "cars.csv"
    path.write_text("AirBags,price,y\nNone,None,a\nDriver only,12.5,b\nNone,9,a\nNA,11,b\n")
    ds = load_csv(path, "y")
    assert ds.feature_names == ["AirBags=Driver only", "AirBags=None", "price"]
    np.testing.assert_array_equal(np.isnan(ds.X[:, 2]), [True, False, False, False])
    np.testing.assert_array_equal(ds.X[:3, :2], [[0, 1], [1, 0], [0, 1]])
    assert np.isnan(ds.X[3, :2]).all()  # NA stays a missing cell
    assert any("'AirBags': 2 cell(s) 'None' read as a category" in n for n in ds.notes)


def test_decimal_commas_are_detected_in_a_semicolon_file(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("länge;breite;klasse\n1,5;2,25;a\n2,5;3;b\n-0,75;1e3;a\n4;5,125;b\n")
    ds = load_csv(path, "klasse")
    assert ds.feature_names == ["länge", "breite"]  # numbers, not one-hot text
    np.testing.assert_array_equal(
        ds.X, np.array([[1.5, 2.25], [2.5, 3], [-0.75, 1000], [4, 5.125]], dtype=np.float32)
    )


def test_decimal_comma_given_explicitly_and_refused_with_a_comma_delimiter(tmp_path):
    path = tmp_path / "tab.csv"
    path.write_text("x\tz\ty\n1,5\t7\t0\n2,0\t8\t1\n")
    ds = load_csv(path, "y", decimal=",")
    np.testing.assert_array_equal(ds.X, np.array([[1.5, 7], [2.0, 8]], dtype=np.float32))
    comma = tmp_path / "comma.csv"
    comma.write_text("x,y\n1,0\n2,1\n")
    with pytest.raises(DeepRecipeError, match="cannot also be its decimal mark"):
        load_csv(comma, "y", decimal=",")


def test_a_comma_file_keeps_quoted_thousands_as_text_not_decimals(tmp_path):
    """'1,234' in a comma-separated file is ambiguous: never read as 1.234 without decimal=','."""
    path = tmp_path / "q.csv"
    path.write_text('p,y\n"1,234",0\n"2,5",1\n"3,75",0\n')
    ds = load_csv(path, "y")
    assert ds.feature_names[0].startswith("p=")


def test_true_false_is_one_0_1_column_and_dates_are_refused_however_few(tmp_path):
    """A new-user trial: anes96's 60 interview dates became 60 one-hot columns from the file,
    while its DataFrame's datetime column was refused."""
    path = tmp_path / "t.csv"
    path.write_text("flag,when,y\nTrue,2024-01-01,0\nFalse,2024-01-01,1\nTrue,2024-01-02,0\n")
    with pytest.raises(DeepRecipeError, match=r"'when' has 2 distinct text values in 3 rows"):
        load_csv(path, "y")
    ds = load_csv(path, "y", drop=["when"])
    assert ds.feature_names == ["flag"] and ds.X[:, 0].tolist() == [1.0, 0.0, 1.0]
    assert load_csv(path, "y", features=["flag", "when"]).feature_names[1:] == [
        "when=2024-01-01",
        "when=2024-01-02",
    ]  # named in features=: one-hot encoded as asked


def test_an_id_like_column_can_be_left_out(tmp_path):
    path = tmp_path / "ids.csv"
    rows = "\n".join(f"2024-01-{i % 28 + 1:02d}T{i % 24:02d}:00,{i},{i % 2}" for i in range(40))
    path.write_text("stamp,x,y\n" + rows + "\n")
    with pytest.raises(DeepRecipeError, match=r"'stamp' has 40 distinct text values in 40 rows"):
        load_csv(path, "y")
    assert load_csv(path, "y", drop=["stamp"]).feature_names == ["x"]
    assert load_csv(path, "y", features=["x"]).feature_names == ["x"]
    with pytest.raises(DeepRecipeError, match=r"drop=\['nope'\]: not in"):
        load_csv(path, "y", drop=["nope"])


def test_a_later_block_that_does_not_fit_the_first_blocks_types_is_read_whole(
    tmp_path, monkeypatch
):
    """Types are inferred from the first block; a later int -> float, an empty column that
    fills, or a stray word is still read right (the file is read again, whole)."""
    from deeprecipe.data import csv_reader

    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 1 << 12)
    rows = [f"{i},,{i % 2}" for i in range(3000)] + ["1.5,late,1"]
    path = tmp_path / "late.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    ds = load_csv(path, "y")
    assert ds.X[-1, 0] == 1.5 and ds.X[:3, 0].tolist() == [0, 1, 2]
    assert ds.feature_names == ["a", "b=late"] and np.isnan(ds.X[0, 1:]).all()
    stray = tmp_path / "stray.csv"
    stray.write_text("a,y\n" + "\n".join(f"{i},{i % 2}" for i in range(3000)) + "\n4x,1\n")
    with pytest.raises(
        DeepRecipeError,
        match=r"'a' .*numbers except '4x' at row 3000 "
        r"\(line 3002 of stray.csv\)",
    ):
        load_csv(stray, "y")


def test_a_column_float32_would_blur_keeps_the_table_in_float64(tmp_path):
    """1e6 + 0.001 steps: float32's spacing there is 0.0625, so every value would collapse."""
    path = tmp_path / "far.csv"
    rows = [f"{1e6 + k / 1000:.3f},{k % 7},{k % 2}" for k in range(50)]
    path.write_text("far,near,y\n" + "\n".join(rows) + "\n")
    ds = load_csv(path, "y")
    assert ds.X.dtype == np.float64 and len(np.unique(ds.X[:, 0])) == 50
    near = tmp_path / "near.csv"
    near.write_text("a,y\n" + "\n".join(f"{1e6 + k},{k % 2}" for k in range(50)) + "\n")
    assert load_csv(near, "y").X.dtype == np.float32  # whole steps survive float32
