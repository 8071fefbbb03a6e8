"""Fixtures shared by every room's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI draws the same property-test examples on every run (a red build is then reproducible and
# never a new draw's luck); a developer's runs keep drawing fresh ones, which is how bugs are found.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
#: the course's datasets, beside the repository (absent in a user's fresh clone)
DLS_DIR = REPO.parent / "shared" / "datasets" / "dls"


@pytest.fixture(scope="session")
def dls_dir() -> Path:
    """The folder of the course's data files; skips the test when it is not there."""
    if not (DLS_DIR / "data.mat").exists():
        pytest.skip(f"the course's datasets are not at {DLS_DIR} (they sit beside the repo in CI)")
    return DLS_DIR


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the float64 gradient oracle; skips when it is not installed."""
    return pytest.importorskip(
        "torch", reason="PyTorch is the gradient oracle: pip install torch==2.13.0 (make test does)"
    )


class Display:
    """What a ``_repr_html_`` shows, read back: table cells as text, images decoded."""

    def __init__(self, markup: str) -> None:
        import base64
        import io
        import re
        from html.parser import HTMLParser

        from matplotlib.image import imread

        self.html = markup
        self.cells: list[str] = []
        self.text = ""
        cells, texts = self.cells, []

        class Reader(HTMLParser):
            inside = 0

            def handle_starttag(self, tag, attrs):
                if tag in ("td", "th"):
                    self.inside, self.buffer = 1, ""

            def handle_endtag(self, tag):
                if tag in ("td", "th") and self.inside:
                    cells.append(self.buffer.strip())
                    self.inside = 0

            def handle_data(self, data):
                texts.append(data)
                if self.inside:
                    self.buffer += data

        Reader().feed(markup)
        self.text = " ".join(texts)
        self.images = [
            imread(io.BytesIO(base64.b64decode(data)))
            for data in re.findall(r'src="data:image/png;base64,([^"]+)"', markup)
        ]

    def color_of(self, text: str) -> str | None:
        """The inline colour of the cell or paragraph holding ``text``."""
        import re

        found = re.search(r'style="[^"]*color:(#[0-9a-f]{6});[^"]*">' + re.escape(text), self.html)
        return found.group(1) if found else None


@pytest.fixture
def display():
    """``display(obj)``: its ``_repr_html_()`` read back (asserts it is a str first)."""

    def read(obj) -> Display:
        markup = obj._repr_html_()
        assert isinstance(markup, str) and markup.startswith("<div")
        return Display(markup)

    return read


class Chromium:
    """Headless Chromium on pages served from a folder on 127.0.0.1 (no network beyond it)."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    )

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def serve(self, folder: Path):
        import contextlib
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        @contextlib.contextmanager
        def serving():
            handler = functools.partial(Quiet, directory=str(folder))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield f"http://127.0.0.1:{server.server_address[1]}"
            finally:
                server.shutdown()
                server.server_close()

        return serving()

    def run(self, profile: Path, *args: str):
        import subprocess

        command = [self.binary, *self.FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def chromium() -> Chromium:
    """Headless Chromium; skips the test when it is not installed."""
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return Chromium(path)
    pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")


#: (backend, device) pairs the backend tests run on; those absent here skip with the reason.
#: array_api_strict runs on its "device1", a stand-in for a GPU: an array made on the default
#: device instead of the data's refuses to mix, as a CPU array beside a CUDA one would.
BACKENDS = [
    ("numpy", None),
    ("array_api_strict", "device1"),
    ("torch", "cpu"),
    ("torch", "cuda"),
    ("cupy", "cuda"),
]


def _gpu_missing(name: str) -> str | None:
    """Why backend ``name`` cannot reach a CUDA GPU here, or None when it can."""
    if name == "torch":
        import torch

        return None if torch.cuda.is_available() else "PyTorch sees no CUDA GPU on this machine"
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, no device
        return f"CuPy sees no CUDA GPU on this machine ({type(exc).__name__})"
    return None


@pytest.fixture(params=BACKENDS, ids=[f"{b}-{d}" if d else b for b, d in BACKENDS])
def backend(request):
    """Each backend present here (deeprecipe.nn.backends); a missing library or GPU skips."""
    from deeprecipe.nn.backends import get_backend, installed

    name, device = request.param
    if not installed(name):
        pytest.skip(f"{name} is not installed (pip install 'deeprecipe[{name}]')")
    if device == "cuda":
        reason = _gpu_missing(name)
        if reason:
            pytest.skip(reason)
    return get_backend(name, device)
