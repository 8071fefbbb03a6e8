"""The report page: every section, every image embedded as a PNG, no script, files atomic."""

from __future__ import annotations

import base64
import json
import os
import re
from html.parser import HTMLParser

import pytest

from deeprecipe.report.build import SECTIONS, build_report
from deeprecipe.report.html import Table, Text
from deeprecipe.report.writer import REPORT_FILE, RESULTS_FILE, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append(attrs)


def _parse(text: str) -> _Collect:
    parser = _Collect()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def report(sample_run):
    return build_report(sample_run)


def test_every_section_in_order_and_every_image_is_an_embedded_png(report):
    page = _parse(report.to_html())
    assert page.sections == [sid for sid, _ in SECTIONS]
    # cost, 2 validation curves, learning curve, gradcheck, histograms, boundary, steps
    assert len(page.images) == 8
    for img in page.images:
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        assert base64.b64decode(img["src"][len(prefix) :]).startswith(PNG_SIGNATURE)
        assert img["alt"]
    assert "script" not in page.tags
    assert not re.search(r"\son\w+=", report.to_html())  # no inline event handlers either


def test_tables_show_the_chosen_model_and_both_gradient_checks(report):
    html = report.to_html()
    assert 'class="chosen"' in html
    assert "at initialization: difference" in html and "after training: difference" in html
    assert "W1" in html and "b2" in html


def test_missing_data_keeps_every_section_with_a_note():
    report = build_report({})
    page = _parse(report.to_html())
    assert page.sections == [sid for sid, _ in SECTIONS]
    assert page.images == []
    assert report.to_html().count("Not produced in this run") >= len(SECTIONS)


def test_text_is_escaped():
    table = Table(["<b>"], [["<script>alert(1)</script>", 0.5, None]])
    html = table.to_html() + Text("a & <i>b</i>").to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert ">0.5<" in html and ">-<" in html


def test_write_report_writes_every_file(report, tmp_path):
    path = write_report(report, tmp_path / "out")
    assert path.name == REPORT_FILE
    pngs = sorted(p.stem for p in (tmp_path / "out").glob("*.png"))
    assert pngs == sorted(img.name for img in report.images)
    for png in (tmp_path / "out").glob("*.png"):
        assert png.read_bytes().startswith(PNG_SIGNATURE)
    results = json.loads((tmp_path / "out" / RESULTS_FILE).read_text())
    assert results["errors"]["chosen"]["test"] == 0.1
    assert "layer_samples" not in results  # raw arrays stay out of results.json
    assert not list((tmp_path / "out").glob(".*.tmp"))  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    for written in (tmp_path / "out").iterdir():  # not the temporary file's private 0600
        assert written.stat().st_mode & 0o777 == 0o666 & ~umask, written


def test_a_second_report_in_the_same_folder_removes_only_the_first_ones_stale_images(
    report, tmp_path
):
    """The first report's images that the second lacks go; a user's own file stays."""
    import dataclasses

    out = tmp_path / "out"
    write_report(report, out)
    (out / "mine.png").write_bytes(PNG_SIGNATURE)
    gone = next(section for section in report.sections if section.images)
    second = dataclasses.replace(report, sections=[s for s in report.sections if s is not gone])
    write_report(second, out)
    assert all(not (out / f"{image.name}.png").exists() for image in gone.images)
    assert (out / "mine.png").exists()
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(
        ["mine", *(i.name for i in second.images)]
    )


def test_write_report_refuses_a_file_in_place_of_the_folder(report, tmp_path):
    from deeprecipe.errors import DeepRecipeError

    (tmp_path / "taken").write_text("x")
    with pytest.raises(DeepRecipeError, match="not a folder"):
        write_report(report, tmp_path / "taken")
