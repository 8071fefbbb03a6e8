"""The report rendered by a real browser: headless Chromium loads every image and section.

The report itself holds no JavaScript. The test serves the report folder on 127.0.0.1 and loads
a wrapper page (written by the test, beside the report) that shows report.html in an iframe and,
once it has loaded, writes what it found (image sizes, section ids) into its own DOM, which
``--dump-dom`` prints. A screenshot of the report is kept in test-artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deeprecipe.report.build import SECTIONS, build_report
from deeprecipe.report.writer import write_report

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

WRAPPER = """<!DOCTYPE html><html><body>
<pre id="result">pending</pre>
<iframe id="frame" src="report.html" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById("frame").addEventListener("load", function () {
  var doc = this.contentDocument;
  var images = Array.prototype.map.call(doc.images, function (img) {
    return {name: img.getAttribute("data-name"), complete: img.complete,
            width: img.naturalWidth, height: img.naturalHeight};
  });
  var sections = Array.prototype.map.call(doc.querySelectorAll("section"), function (s) {
    return {id: s.id, heading: (s.querySelector("h2") || {}).textContent || ""};
  });
  var scripts = doc.querySelectorAll("script").length;
  document.getElementById("result").textContent =
    "RESULT" + JSON.stringify({images: images, sections: sections, scripts: scripts}) + "END";
});
</script></body></html>
"""


@pytest.mark.slow
def test_chromium_loads_every_image_and_section(sample_run, tmp_path, chromium):
    folder = tmp_path / "run"
    report = build_report(sample_run)
    write_report(report, folder)
    (folder / "wrapper.html").write_text(WRAPPER)

    with chromium.serve(folder) as base:
        dumped = chromium.run(
            tmp_path / "profile-dom",
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"{base}/wrapper.html",
        )
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "report_screenshot.png"
        chromium.run(
            tmp_path / "profile-shot",
            f"--screenshot={shot}",
            "--window-size=1280,7000",
            f"{base}/report.html",
        )

    found = re.search(r"RESULT(.*?)END", dumped.stdout, re.S)
    assert found, f"the wrapper page did not report back; chromium said: {dumped.stderr[-2000:]}"
    seen = json.loads(found.group(1))
    assert [s["id"] for s in seen["sections"]] == [sid for sid, _ in SECTIONS]
    assert all(s["heading"] for s in seen["sections"])
    assert seen["scripts"] == 0
    assert len(seen["images"]) == len(report.images) == 8
    for image in seen["images"]:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
    assert shot.exists() and shot.read_bytes().startswith(b"\x89PNG")
