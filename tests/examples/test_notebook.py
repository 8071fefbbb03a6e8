"""examples/course2-week1.ipynb: stored without outputs, executed by the suite so it never
rots, and its HTML export rendered by headless Chromium (tables present, every image loaded)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "course2-week1.ipynb"

#: a page that loads the export in an iframe and writes what it found into its own DOM
WRAPPER = """<!DOCTYPE html><html><body>
<pre id="result">pending</pre>
<iframe id="frame" src="notebook.html" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById("frame").addEventListener("load", function () {
  var doc = this.contentDocument;
  var images = Array.prototype.map.call(doc.images, function (img) {
    return {complete: img.complete, width: img.naturalWidth, height: img.naturalHeight};
  });
  var tables = Array.prototype.map.call(doc.querySelectorAll(".deeprecipe table"),
    function (t) { return t.querySelectorAll("tr").length; });
  var titles = Array.prototype.map.call(doc.querySelectorAll(".deeprecipe > div:first-child"),
    function (d) { return d.textContent; });
  document.getElementById("result").textContent =
    "RESULT" + JSON.stringify({images: images, tables: tables, titles: titles}) + "END";
});
</script></body></html>
"""


def test_the_committed_notebook_has_no_outputs():
    notebook = json.loads(NOTEBOOK.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"][:80]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient", reason='pip install -e ".[test]"')
    pytest.importorskip("ipykernel", reason='pip install -e ".[test]"')
    folder = tmp_path_factory.mktemp("notebook")  # anything it writes lands here
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    return notebook, folder


def _html_outputs(notebook) -> list[str]:
    return [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "text/html" in output.get("data", {})
    ]


@pytest.mark.slow
def test_the_notebook_runs_and_shows_the_course_results(executed):
    notebook, _ = executed
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors
    html = "\n".join(_html_outputs(notebook))
    # 1. zeros never break the symmetry; He learns (at 3000 iterations 'random' won: 65%/63%)
    assert "Initializations compared" in html and "Network health" in html
    assert "Best on the test set: he" in html
    # 2. the three models diagnosed against the 6% Bayes error, and the recipe's result
    assert html.count("Diagnosis: ") >= 4 and "Bayes (human-level) error" in html
    assert "Recipe result: binary" in html and "Validation curve: l2" in html
    # 3. the planted bugs are named: W2 and b1 fail, the fixed backprop passes
    buggy = next(h for h in _html_outputs(notebook) if "with the planted bugs" in h)
    assert "FAILED" in buggy
    for name in ("W2", "b1"):
        assert re.search(rf"font-weight:600;\">{name}</td>", buggy), name
    fixed = next(h for h in _html_outputs(notebook) if "bugs fixed" in h)
    assert ": great (passed" in fixed


@pytest.mark.slow
def test_the_html_export_renders_in_chromium(executed, chromium, tmp_path):
    from nbconvert import HTMLExporter

    notebook, _ = executed
    body, _ = HTMLExporter().from_notebook_node(notebook)
    (tmp_path / "notebook.html").write_text(body)
    (tmp_path / "wrapper.html").write_text(WRAPPER)
    with chromium.serve(tmp_path) as base:
        dumped = chromium.run(tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom",
                              f"{base}/wrapper.html")  # fmt: skip
    found = re.search(r"RESULT(.*?)END", dumped.stdout, re.S)
    assert found, f"the wrapper page did not report back; chromium said: {dumped.stderr[-2000:]}"
    seen = json.loads(found.group(1))
    pictures = body.count('src="data:image/png;base64,')
    assert pictures >= 6 and len(seen["images"]) >= pictures  # 4 rich displays, 2 figures
    for image in seen["images"]:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
    assert len(seen["tables"]) >= 15 and all(rows >= 2 for rows in seen["tables"])
    for title in ("Initializations compared", "Training history", "Recipe result: binary",
                  "Gradient check (with the planted bugs): full mode"):  # fmt: skip
        assert any(t.startswith(title) for t in seen["titles"]), title
