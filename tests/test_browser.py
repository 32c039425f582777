"""The HTML report in a real browser: headless Chromium renders it, without console errors.

Needs Debian's ``chromium`` package (``.ci/browser-deps.sh`` installs it); skipped
with the reason when no Chromium binary is found. Screenshots are left in the test's
temporary folder (``report/*.png``) to look at.
"""

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from test_report import PLANTED, run_report

pytestmark = pytest.mark.browser

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 900)


def chromium_binary() -> str | None:
    explicit = os.environ.get("ROSETTA_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


CHROMIUM = chromium_binary()
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary on PATH (apt-get install chromium, see .ci/browser-deps.sh)"
)


def chromium(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local page with a fresh profile and console logging on stderr."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        f"--window-size={WINDOW[0]},{WINDOW[1]}", *arguments, page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """Lines Chromium logs for the page's console (errors, uncaught exceptions, failed loads)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_residuals(path: Path) -> np.ndarray:
    """The filtered scanlines of an 8-bit PNG, (height, width * channels), filter bytes dropped.

    PNG stores each row as the difference from a prediction (left, up, average or
    Paeth neighbour). A uniform page predicts perfectly, so its residuals are zero
    everywhere but at the first pixel; text, tables and plots leave non-zero residuals
    wherever the colour changes. That is enough to tell a rendered page from a blank
    one without undoing the filters pixel by pixel.
    """
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 4 if colour == 6 else 3
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * channels)
    return raw[:, 1:]


def rendered_content(path: Path) -> float:
    """Fraction of the screenshot's bytes where the colour changes (0 for a blank page)."""
    residuals = png_residuals(path)
    return float(np.mean(residuals[1:, 4:] != 0))  # the first row and pixel hold the background itself


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    run_report(out, names=("leaky_relu", "softmax"), planted=PLANTED[:1])
    return out


@requires_chromium
@pytest.mark.parametrize("page", ["index.html", "concepts/leaky_relu.html", "concepts/planted_descent.html", "divergences.html"])
def test_page_renders_without_console_errors(report, tmp_path, page):
    shot = tmp_path / (Path(page).stem + ".png")
    result = chromium(report / page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.is_file(), f"no screenshot: {result.stderr[-2000:]}"
    assert console_messages(result.stderr) == []
    assert rendered_content(shot) > 0.01, f"{page} looks blank"
    shutil.copy(shot, report / shot.name)  # kept beside the report for a look


@requires_chromium
def test_concept_page_dom_has_the_three_code_columns_and_math(report, tmp_path):
    result = chromium(report / "concepts" / "leaky_relu.html", tmp_path / "profile", "--dump-dom")
    dom = result.stdout
    for witness in ("numpy", "torch", "tensorflow"):
        assert f'class="code-column" data-witness="{witness}"' in dom
    assert "hidden-work" in dom
    try:
        import latex2mathml  # noqa: F401

        assert "<math" in dom
    except ImportError:  # without the converter the formulas are shown as LaTeX source
        assert 'class="latex"' in dom
    assert console_messages(result.stderr) == []


@requires_chromium
def test_scoreboard_filters_run_in_the_browser(report, tmp_path):
    result = chromium(report / "index.html", tmp_path / "profile", "--dump-dom")
    assert 'id="scoreboard"' in result.stdout and 'data-family="activations"' in result.stdout
    assert 'data-shown="3"' in result.stdout  # the filter script ran and counted the three concepts
    assert console_messages(result.stderr) == []


@requires_chromium
def test_the_checks_see_a_blank_page_and_a_console_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><body><script>console.error('planted'); notDefined();</script></body>")
    shot = tmp_path / "bad.png"
    result = chromium(bad, tmp_path / "profile", f"--screenshot={shot}")
    assert len(console_messages(result.stderr)) == 2
    assert rendered_content(shot) < 1e-4
