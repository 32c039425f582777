"""The HTML report in a real browser: headless Chromium renders it, and a reader can use it.

Two kinds of checks. Chromium's own command line (``--screenshot``, ``--dump-dom``)
renders each page without console errors. Playwright drives Debian's Chromium
(``executable_path``; Playwright downloads no browser here) the way a reader would:
framework tabs that stay chosen from page to page, the language of the two reports,
the scoreboard filters, pages that fit 1280 px, verdict colours that really reach
the screen and code columns that take room.

Needs Debian's ``chromium`` package (``.ci/browser-deps.sh`` installs it, with
``fonts-noto-cjk`` for the Chinese pages) and, for the interaction tests, the
``playwright`` package. Outside CI a missing one skips the tests with the reason; in CI
(``CI`` set) it fails them. Screenshots are left beside the report (``*.png``).
"""

import itertools
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from test_report import PLANTED, run_report

# One process sets up the module fixtures (--dist loadgroup), not each of them.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 900)
IN_CI = bool(os.environ.get("CI"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def chromium_binary() -> str | None:
    explicit = os.environ.get("ROSETTA_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


CHROMIUM = chromium_binary()
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI,
    reason="no Chromium binary on PATH (apt-get install chromium, see .ci/browser-deps.sh)",
)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """The Chromium binary; in CI its absence is a failure (a broken install must not pass as a skip)."""
    if CHROMIUM is None:
        pytest.fail("CI: no Chromium binary on PATH; .ci/browser-deps.sh should have installed Debian's chromium")
    return CHROMIUM


def chromium(binary: str, page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local page with a fresh profile and console logging on stderr."""
    command = [
        binary, "--headless", *CHROMIUM_ARGS, "--hide-scrollbars",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        f"--window-size={WINDOW[0]},{WINDOW[1]}", *arguments, page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """Lines Chromium logs for the page's console (errors, uncaught exceptions, failed loads)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def _png_chunks(data: bytes):
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
    return raw, width, height, channels


def png_residuals(path: Path) -> np.ndarray:
    """The filtered scanlines of an 8-bit PNG, (height, width * channels), filter bytes dropped.

    PNG stores each row as the difference from a prediction (left, up, average or
    Paeth neighbour). A uniform page predicts perfectly, so its residuals are zero
    everywhere but at the first pixel; text, tables and plots leave non-zero residuals
    wherever the colour changes. That is enough to tell a rendered page from a blank
    one without undoing the filters pixel by pixel.
    """
    raw, _, _, _ = _png_chunks(path.read_bytes())
    return raw[:, 1:]


def png_pixels(data: bytes) -> np.ndarray:
    """The RGB pixels of an 8-bit PNG, (height, width, 3): the five row filters undone."""
    raw, width, height, channels = _png_chunks(data)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        row = np.zeros(stride, dtype=np.int32)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + previous) & 0xFF
        else:  # sub, average, Paeth depend on the pixel to the left: one pass along the row
            for x in range(stride):
                left = row[x - channels] if x >= channels else 0
                up = previous[x]
                upper_left = previous[x - channels] if x >= channels else 0
                if kind == 1:
                    predicted = left
                elif kind == 3:
                    predicted = (left + up) // 2
                else:
                    p = left + up - upper_left
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                    predicted = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                row[x] = (line[x] + predicted) & 0xFF
        out[y], previous = row, row
    return out.reshape(height, width, channels)[:, :, :3].astype(np.uint8)


def rendered_content(path: Path) -> float:
    """Fraction of the screenshot's bytes where the colour changes (0 for a blank page)."""
    residuals = png_residuals(path)
    return float(np.mean(residuals[1:, 4:] != 0))  # the first row and pixel hold the background itself


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """An English report (returned) and a Chinese one beside it (``<name>-zh``), from one run."""
    out = tmp_path_factory.mktemp("report")
    run_report(out, names=("leaky_relu", "softmax"), planted=PLANTED[:1], langs=("en", "zh"))
    return out


@pytest.fixture(scope="module")
def report_zh(report):
    return report.parent / f"{report.name}-zh"


# Chromium's command line: every page renders without console errors --------------------


@requires_chromium
@pytest.mark.parametrize("page", ["index.html", "concepts/leaky_relu.html", "concepts/planted_descent.html", "divergences.html"])
def test_page_renders_without_console_errors(chromium_path, report, tmp_path, page):
    shot = tmp_path / (Path(page).stem + ".png")
    result = chromium(chromium_path, report / page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.is_file(), f"no screenshot: {result.stderr[-2000:]}"
    assert console_messages(result.stderr) == []
    assert rendered_content(shot) > 0.01, f"{page} looks blank"
    shutil.copy(shot, report / shot.name)  # kept beside the report for a look


@requires_chromium
def test_concept_page_dom_has_numpy_and_every_framework_and_math(chromium_path, report, tmp_path):
    result = chromium(chromium_path, report / "concepts" / "leaky_relu.html", tmp_path / "profile", "--dump-dom")
    dom = result.stdout
    for witness in ("numpy", "torch", "tensorflow", "jax", "paddle"):
        assert f'class="code-column" data-witness="{witness}"' in dom
    assert "hidden-work" in dom
    try:
        import latex2mathml  # noqa: F401

        assert "<math" in dom
    except ImportError:  # without the converter the formulas are shown as LaTeX source
        assert 'class="latex"' in dom
    assert console_messages(result.stderr) == []


@requires_chromium
def test_scoreboard_filters_run_in_the_browser(chromium_path, report, tmp_path):
    result = chromium(chromium_path, report / "index.html", tmp_path / "profile", "--dump-dom")
    assert 'id="scoreboard"' in result.stdout and 'data-family="activations"' in result.stdout
    assert 'data-shown="3"' in result.stdout  # the filter script ran and counted the three concepts
    assert console_messages(result.stderr) == []


@requires_chromium
def test_the_checks_see_a_blank_page_and_a_console_error(chromium_path, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><body><script>console.error('planted'); notDefined();</script></body>")
    shot = tmp_path / "bad.png"
    result = chromium(chromium_path, bad, tmp_path / "profile", f"--screenshot={shot}")
    assert len(console_messages(result.stderr)) == 2
    assert rendered_content(shot) < 1e-4


# Playwright: what a reader does and sees ------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Debian's Chromium under Playwright (no browser download); one per test module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("CI: playwright is not installed (it is in the test extra)")
        pytest.skip("playwright is not installed: pip install playwright")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page at 1280 x 900 that fails the test on any console error or uncaught exception."""
    context = browser.new_context(viewport={"width": WINDOW[0], "height": WINDOW[1]})
    tab = context.new_page()
    problems = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert problems == [], f"console errors: {problems}"


def url(path: Path) -> str:
    return path.resolve().as_uri()


def visible_pairs(page) -> list[str]:
    return page.eval_on_selector_all("#scoreboard th.pair", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.pair)")


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#scoreboard tbody tr", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.family)")


@requires_chromium
def test_a_framework_tab_stays_chosen_on_the_next_concept_page(page, report):
    page.goto(url(report / "concepts" / "leaky_relu.html"))
    assert page.get_attribute(".framework-side .tab.active", "data-tab") == "torch"  # the first visit's default
    page.click(".framework-side .tab[data-tab='jax']")
    assert page.is_visible(".tab-pane[data-pane='jax'] .code-column")
    assert not page.is_visible(".tab-pane[data-pane='torch'] .code-column")
    page.goto(url(report / "concepts" / "softmax.html"))
    assert page.get_attribute(".framework-side .tab.active", "data-tab") == "jax"
    assert page.is_visible(".tab-pane[data-pane='jax'] .code-column")
    page.click(".framework-side .tab[data-tab='paddle']")
    page.goto(url(report / "concepts" / "leaky_relu.html"))
    assert page.get_attribute(".framework-side .tab.active", "data-tab") == "paddle"


@requires_chromium
def test_the_code_columns_stand_side_by_side_and_take_room(page, report):
    page.goto(url(report / "concepts" / "leaky_relu.html"))
    numpy = page.locator(".side-by-side > .code-column[data-witness='numpy']").bounding_box()
    framework = page.locator(".tab-pane.active .code-column").bounding_box()
    for box in (numpy, framework):
        assert box["width"] > 300 and box["height"] > 100, box
    assert numpy["x"] + numpy["width"] <= framework["x"]  # NumPy on the left, the framework on the right
    assert abs(numpy["y"] - framework["y"]) < 60
    code = page.locator(".side-by-side > .code-column[data-witness='numpy'] .highlight pre").first.bounding_box()
    assert code["width"] > 200 and code["height"] > 40


@requires_chromium
def test_the_two_languages_are_two_reports(page, report, report_zh):
    page.goto(url(report / "index.html"))
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("h2") == "Environment"
    page.goto(url(report_zh / "index.html"))
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.inner_text("h2") == "运行环境"
    assert page.inner_text("nav.top").split()[:3] == ["Rosetta", "记分板", "差异目录"]
    page.goto(url(report_zh / "concepts" / "leaky_relu.html"))
    headings = page.eval_on_selector_all("h2", "els => els.map(e => e.innerText)")
    assert "各个实现" in headings and "样本" in headings and "一致性" in headings
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in heading) for heading in headings), headings
    # the glyphs are really drawn: a Chinese heading is as wide as its characters, not a row of empty boxes
    width = page.locator("h2", has_text="各个实现").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().width; }")
    assert width > 4 * 16


@requires_chromium
def test_the_scoreboard_filters_really_hide_rows_and_columns(page, report):
    page.goto(url(report / "index.html"))
    assert page.input_value("#witness-filter") == "numpy"
    with_numpy = visible_pairs(page)
    assert with_numpy and all("numpy" in pair.split() or pair == "* *" for pair in with_numpy)
    page.select_option("#witness-filter", "")
    every = visible_pairs(page)
    assert len(every) > len(with_numpy)
    page.select_option("#witness-filter", "jax")
    with_jax = visible_pairs(page)
    assert 0 < len(with_jax) < len(every) and all("jax" in pair.split() for pair in with_jax)
    cells = page.eval_on_selector_all("#scoreboard tbody tr:first-child td.cell", "els => els.filter(e => e.offsetParent !== null).length")
    assert cells == len(with_jax)  # the body cells follow their header
    assert sorted(visible_rows(page)) == ["activations", "activations", "optimizers"]
    page.select_option("#family-filter", "activations")
    assert visible_rows(page) == ["activations", "activations"]
    assert page.get_attribute("#scoreboard", "data-shown") == "2"
    page.select_option("#dtype-filter", "float64")
    assert page.is_visible("#scoreboard tbody tr:first-child td.cell:not(.hidden) .v.d-float64")
    assert not page.is_visible("#scoreboard tbody tr:first-child td.cell:not(.hidden) .v.d-all")


@requires_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["index.html", "concepts/leaky_relu.html", "concepts/planted_descent.html", "divergences.html"])
def test_nothing_overflows_at_1280_pixels(page, report, report_zh, lang, name):
    page.goto(url((report if lang == "en" else report_zh) / name))
    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert scroll_width <= inner_width + 1, f"{lang} {name} is {scroll_width} px wide at {inner_width}"


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    return tuple(int(float(p)) for p in parts[:3])


@requires_chromium
def test_the_scoreboard_shows_its_verdict_colours_on_screen(page, report, tmp_path):
    page.goto(url(report / "index.html"))
    region = page.locator("#scoreboard-region")  # the pairs with numpy, as the page opens
    shot = region.screenshot()
    (report / "scoreboard.png").write_bytes(shot)
    pixels = png_pixels(shot)
    origin = region.bounding_box()
    cells = page.eval_on_selector_all(
        "#scoreboard .v", """els => els.filter(e => e.offsetParent !== null).map(e => {
            const r = e.getBoundingClientRect();
            return {x: r.left + 3, y: r.top + r.height / 2, colour: getComputedStyle(e).backgroundColor,
                    verdict: [...e.classList].find(c => c !== 'v' && !c.startsWith('d-'))};
        })""")
    cells = [c for c in cells if c["x"] < origin["x"] + origin["width"] - 4 and c["y"] < origin["y"] + origin["height"] - 4]
    assert len(cells) >= 9
    seen = set()
    for cell in cells:
        x, y = round(cell["x"] - origin["x"]), round(cell["y"] - origin["y"])
        on_screen = pixels[y, x].astype(int)
        expected = np.array(_rgb(cell["colour"]))
        if cell["verdict"] != "none":  # a "not compared" dot has no colour of its own
            assert np.abs(on_screen - expected).max() <= 8, f"{cell} drawn as {on_screen.tolist()}"
            seen.add(cell["verdict"])
    assert "agree" in seen
    greens = np.sum((pixels[:, :, 1].astype(int) > pixels[:, :, 0] + 40) & (pixels[:, :, 1] > 120))
    assert greens > 200  # agreeing cells are green to yellow-green, and they cover real pixels


@requires_chromium
def test_screenshots_of_both_languages_are_drawn(page, report, report_zh):
    for lang, root in (("en", report), ("zh", report_zh)):
        for name in ("index.html", "concepts/leaky_relu.html"):
            page.goto(url(root / name))
            shot = report / f"{lang}-{Path(name).stem}.png"
            page.screenshot(path=str(shot))
            assert rendered_content(shot) > 0.01, f"{lang} {name} looks blank"


# Every witness pair on one screen ------------------------------------------------------


WIDE_WITNESSES = ("numpy", "torch", "tensorflow", "jax", "paddle", "finite-diff")
WIDE_VERDICTS = ("agree", "disagree", "expected-divergence", "error", "skipped")


@pytest.fixture(scope="module")
def wide_report(tmp_path_factory) -> dict:
    """An index with every witness pair and an ONNX witness: the concepts with the longest names,
    each cell of each dtype a different verdict (the widest words), written in both languages.

    Built from result rows (no framework runs): only the scoreboard's width is at stake.
    """
    import pandas as pd

    from comparisons.harness import COLUMNS, load_all
    from comparisons.report.html import write_html

    registry = load_all()
    family_label = {"normalization": 0}  # the longest family name, in English
    longest = sorted(registry, key=len)[-3:] + [next(n for n, c in registry.items() if c.family in family_label)]
    pairs = [*itertools.combinations(WIDE_WITNESSES, 2), ("numpy", "onnxruntime-torch-export")]
    rows = []
    for i, (name, (a, b), dtype) in enumerate(itertools.product(longest, pairs, ("float32", "float64"))):
        verdict = WIDE_VERDICTS[i % len(WIDE_VERDICTS)]
        margin = {"agree": 0.0094, "disagree": 123.4}.get(verdict, float("nan"))
        rows.append({column: "" for column in COLUMNS} | {
            "concept": name, "family": registry[name].family, "sample": "s", "dtype": dtype, "seed": 0,
            "quantity": "out", "witness_a": a, "witness_b": b, "atol": 1e-6, "rtol": 1e-5, "verdict": verdict,
            "shape": "2x3", "max_abs": margin, "max_rel": margin, "max_ulp": 1.0, "n_mismatch": 0, "margin": margin,
            "detail": "", "seconds_a": 0.0, "seconds_b": 0.0,
        })
    for name in longest:  # a catalog entry each: the divergences column says "1/1 confirmed"
        for mapping, verdict in (("naive", "expected-divergence"), ("faithful", "agree")):
            rows.append(rows[0] | {"concept": name, "family": registry[name].family, "sample": "entry", "mapping": mapping,
                                   "dtype": "float32", "witness_a": "torch", "witness_b": "tensorflow", "verdict": verdict})
    results = pd.DataFrame(rows, columns=list(COLUMNS))
    reports = {"names": longest}
    for lang in ("en", "zh"):
        out = tmp_path_factory.mktemp(f"wide-{lang}")
        write_html(results, {"seeds": [0]}, out, lang=lang)
        reports[lang] = out
    return reports


def scoreboard_widths(page) -> dict[str, int]:
    return page.evaluate("""(() => { const region = document.getElementById('scoreboard-region');
        return {region: region.scrollWidth, room: region.clientWidth,
                page: document.scrollingElement.scrollWidth, window: innerWidth}; })()""")


@requires_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_witness_pair_fits_1280_pixels_without_sideways_scrolling(page, wide_report, lang):
    page.goto(url(wide_report[lang] / "index.html"))
    page.select_option("#witness-filter", "")  # every pair: 15 columns and the ONNX one
    assert len(visible_pairs(page)) == len(WIDE_WITNESSES) * (len(WIDE_WITNESSES) - 1) // 2 + 1
    for dtype in ("all", "float32", "float64"):
        page.select_option("#dtype-filter", dtype)
        widths = scoreboard_widths(page)
        assert widths["region"] <= widths["room"], f"{lang} {dtype}: the scoreboard needs {widths['region']} px of {widths['room']}"
        assert widths["page"] <= widths["window"]
    # Each first witness heads its own pairs; the pair's second witness names the column
    groups = page.eval_on_selector_all("#scoreboard th.group", "els => els.map(e => [e.innerText.trim(), e.colSpan])")
    assert groups == [[f"{w} ~", len(WIDE_WITNESSES) - 1 - i] for i, w in enumerate(WIDE_WITNESSES[:-1])]
    seconds = page.eval_on_selector_all("#scoreboard th.pair:not(.other)", "els => els.map(e => e.innerText.trim())")
    assert seconds == [b for _, b in itertools.combinations(WIDE_WITNESSES, 2)]
    # The concept names are whole: they may wrap after an underscore, and nothing is cut
    names = page.eval_on_selector_all("#scoreboard tbody td:first-child a", "els => els.map(e => e.textContent)")
    assert names == wide_report["names"]
    cut = page.eval_on_selector_all("#scoreboard td, #scoreboard th", "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
    assert cut == 0


@requires_chromium
def test_the_group_headers_follow_the_witness_filter(page, wide_report):
    page.goto(url(wide_report["zh"] / "index.html"))
    page.select_option("#witness-filter", "jax")
    shown = visible_pairs(page)
    groups = page.eval_on_selector_all(
        "#scoreboard th.group", "els => els.filter(e => e.offsetParent !== null).map(e => [e.dataset.group, e.colSpan])")
    assert sum(span for _, span in groups) == len([p for p in shown if p != "* *"])
    assert [g for g, _ in groups] == ["numpy", "torch", "tensorflow", "jax"]  # paddle ~ finite-diff has no jax
    assert dict(groups)["jax"] == 2  # jax ~ paddle, jax ~ finite-diff
