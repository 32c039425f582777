"""The HTML and CSV report: complete, self-contained, escaped, generated from the records.

A module fixture runs two registered concepts and two planted ones (a training run
with a loss curve in every framework, and one whose every text is hostile HTML) and
writes the report once in English and once in Simplified Chinese from the same
result; the tests read them back.
"""

import dataclasses
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from rich.console import Console

from comparisons import harness
from comparisons.registry import REGISTRY, Concept, LazyFunction, Sample, source_of
from comparisons.report import ReportWriter, write_report
from comparisons.report import plots
from comparisons.report.mathml import latex_to_html
from comparisons.report.sources import comments

# One process sets up the module fixture (--dist loadgroup), not each of them.
pytestmark = pytest.mark.xdist_group("report")

REAL_CONCEPTS = ("sigmoid", "leaky_relu")
HOSTILE = "<script>alert('x')</script> & \"quotes\""
STEPS = 12


# A planted training concept: gradient descent on 0.5 * ||w - t||^2, a loss per step.


def descent_forward(w0, target, *, lr=0.3, steps=STEPS):
    """Gradient descent on ``0.5 * sum((w - target)**2)``; returns the loss before each step."""
    w, losses = w0.copy(), []
    for _ in range(steps):
        losses.append(0.5 * np.sum((w - target) ** 2))
        w = w - lr * (w - target)  # the gradient of the loss is w - target
    return {"loss": np.array(losses, dtype=w0.dtype), "w": w}, None


def descent_torch(w0, target, *, lr=0.3, steps=STEPS):
    import torch

    w = w0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * ((w - target) ** 2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return {"loss": torch.stack(losses), "w": w.detach()}


def descent_tensorflow(w0, target, *, lr=0.3, steps=STEPS):
    import tensorflow as tf

    w = tf.Variable(w0)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_sum((w - target) ** 2)
        w.assign_sub(lr * tape.gradient(loss, w))
        losses.append(loss)
    return {"loss": tf.stack(losses), "w": tf.identity(w)}


def descent_jax(w0, target, *, lr=0.3, steps=STEPS):
    import jax
    import jax.numpy as jnp

    def loss_of(w):
        return 0.5 * jnp.sum((w - target) ** 2)

    w, losses = w0, []
    for _ in range(steps):
        loss, grad = jax.value_and_grad(loss_of)(w)
        losses.append(loss)
        w = w - lr * grad
    return {"loss": jnp.stack(losses), "w": w}


def descent_paddle(w0, target, *, lr=0.3, steps=STEPS):
    import paddle

    w = w0.clone()
    w.stop_gradient = False
    losses = []
    for _ in range(steps):
        loss = 0.5 * ((w - target) ** 2).sum()
        (grad,) = paddle.grad(loss, w)
        losses.append(loss.detach())
        w = (w - lr * grad).detach()
        w.stop_gradient = False
    return {"loss": paddle.stack(losses), "w": w.detach()}


TRAINING = Concept(
    name="planted_descent",
    family="optimizers",
    summary="Gradient descent on a quadratic, planted by the report tests.",
    samples=lambda rng: [Sample("quadratic", lambda rng: {"w0": rng.standard_normal(4), "target": rng.standard_normal(4)})],
    reference=(descent_forward, None),
    implementations={
        framework: LazyFunction(f"test_report:descent_{framework}") for framework in ("torch", "tensorflow", "jax", "paddle")
    },
    grad_wrt=(),
)


def hostile_forward(x, *, label=HOSTILE):
    return 2 * x, None


def hostile_backward(dout, cache):
    return 2 * dout


HOSTILE_CONCEPT = Concept(
    name="planted_hostile",
    family="activations",
    summary=HOSTILE,
    samples=lambda rng: [Sample(HOSTILE, {"x": np.array([1.0, -2.0])}, {"label": HOSTILE}, note=HOSTILE)],
    reference=(hostile_forward, hostile_backward),
    grad_wrt=("x",),
    tutorial=HOSTILE,
    forward_math=r"\mathrm{out} = 2x",
    backward_math=r"dx = 2\,\delta",
)

PLANTED = (TRAINING, HOSTILE_CONCEPT)


def run_report(out: Path, names=REAL_CONCEPTS, planted=PLANTED, console=None, langs=("en",)) -> harness.RunResult:
    """Run ``names`` and the planted concepts in both dtypes and write the report into ``out``.

    With several languages, the first goes to ``out`` and each other one to
    ``out/../<name>-<lang>``, all from the same result.
    """
    with pytest.MonkeyPatch.context() as patch:
        registry = harness.load_all()
        for concept in planted:
            patch.setitem(REGISTRY, concept.name, concept)
        result = harness.run([registry[n] for n in names] + list(planted), seeds=[0])
        for lang in langs:
            target = out if lang == langs[0] else out.parent / f"{out.name}-{lang}"
            write_report(result, target, seeds=[0], console=console, lang=lang)
    return result


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = run_report(out, langs=("en", "zh"))
    return out, result.records


@pytest.fixture(scope="module")
def report_zh(report):
    out, records = report
    return out.parent / f"{out.name}-zh", records


class Links(HTMLParser):
    """Every URL a page refers to, by tag and attribute, and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.refs, self.ids, self.tags = [], set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "data", "action", "poster") and value is not None:
                self.refs.append((tag, name, value))
            if name == "id":
                self.ids.add(value)


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html")) + sorted((out / "concepts").glob("*.html"))


def test_every_file_and_a_page_per_concept(report):
    out, records = report
    for name in ("index.html", "divergences.html", "results.csv", "summary.csv", "environment.json"):
        assert (out / name).is_file(), name
    for name in {r.concept for r in records}:
        assert (out / "concepts" / f"{name}.html").is_file(), name
    assert not (out / "bench.html").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".rosetta-")]


def test_every_concept_of_the_run_has_a_notebook_and_its_page_links_to_it(report):
    nbformat = pytest.importorskip("nbformat")
    out, records = report
    for name in {r.concept for r in records}:
        notebook = out / "notebooks" / f"{name}.ipynb"
        assert notebook.is_file(), name
        nbformat.validate(nbformat.read(notebook, as_version=4))
        assert f'href="../notebooks/{name}.ipynb"' in (out / "concepts" / f"{name}.html").read_text(encoding="utf-8")


def test_results_csv_keeps_the_pinned_columns_and_one_row_per_record(report):
    out, records = report
    results = pd.read_csv(out / "results.csv")
    assert tuple(results.columns) == harness.COLUMNS
    assert len(results) == len(records)


def test_summary_counts_add_up_to_the_results(report):
    out, _ = report
    results, summary = pd.read_csv(out / "results.csv"), pd.read_csv(out / "summary.csv")
    verdicts = ["agree", "disagree", "expected-divergence", "error", "skipped"]
    assert summary[verdicts].to_numpy().sum() == len(results)


def test_pages_are_self_contained_and_every_local_link_resolves(report):
    out, _ = report
    for page in pages(out):
        links = parse(page)
        assert "link" not in links.tags, f"{page.name} loads a stylesheet"
        for tag, attribute, url in links.refs:
            if url.startswith(("http://", "https://")):
                assert tag == "a" and attribute == "href", f"{page.name} loads {url}"
                continue
            assert not url.startswith("//"), url
            target, _, fragment = url.partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), f"{page.name} links to missing {url}"
            if fragment and resolved.suffix == ".html":
                assert fragment in parse(resolved).ids, f"{page.name} links to missing anchor {url}"
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", text)
        assert "@import" not in text and "url(http" not in text


def test_every_value_is_html_escaped(report):
    out, _ = report
    for page in (out / "index.html", out / "concepts" / "planted_hostile.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text
        assert text.count("<script>") == 1  # the report's own filter script
    assert "&lt;script&gt;alert" in (out / "concepts" / "planted_hostile.html").read_text(encoding="utf-8")


def test_scoreboard_has_a_row_per_concept_and_counts_every_verdict(report):
    out, records = report
    text = (out / "index.html").read_text(encoding="utf-8")
    for name in {r.concept for r in records}:
        assert f'href="concepts/{name}.html"' in text
    for verdict in ("agree", "disagree", "expected-divergence", "error", "skipped"):
        count = sum(r.verdict == verdict for r in records)
        assert re.search(rf'class="pill {verdict}( zero)?">{count} {verdict}<', text), verdict
    assert f"{len(records)} comparisons" in text


@pytest.mark.parametrize("name", REAL_CONCEPTS)
def test_concept_page_has_numpy_beside_a_tab_per_framework_math_and_the_commented_lines(report, registry, name):
    out, _ = report
    text = (out / "concepts" / f"{name}.html").read_text(encoding="utf-8")
    concept = registry[name]
    for witness in ("numpy", "torch", "tensorflow", "jax", "paddle"):
        assert f'class="code-column" data-witness="{witness}"' in text
    for framework in ("torch", "tensorflow", "jax", "paddle"):
        assert f'data-tab="{framework}"' in text and f'data-pane="{framework}"' in text
    if concept.forward_math:
        assert "<math" in text
    for function in (concept.reference[0], *concept.implementations.values()):
        for _, note in comments(source_of(function)):
            assert str(escape(note)) in text  # each comment is listed under its column


def test_concept_page_lists_samples_tolerances_and_every_row(report, registry):
    out, records = report
    text = (out / "concepts" / "sigmoid.html").read_text(encoding="utf-8")
    rows = [r for r in records if r.concept == "sigmoid"]
    assert text.count("<tr><td>") >= len(rows)
    for sample in {r.sample for r in rows}:
        assert str(escape(sample)) in text
    for dtype in ("float32", "float64", "finite-diff"):
        assert str(escape(registry["sigmoid"].tolerance_for(dtype).reason)) in text
    assert "<svg" in text  # the error heat map


def test_training_concept_plots_a_curve_per_framework_on_one_plot_and_their_differences(report):
    out, _ = report
    text = (out / "concepts" / "planted_descent.html").read_text(encoding="utf-8")
    assert "Training curves" in text
    loss_plot, difference_plot = re.findall(r"<svg class=\"plot\".*?</svg>", text, flags=re.S)
    witnesses = ("numpy", "torch", "tensorflow", "jax", "paddle")
    assert loss_plot.count("<polyline") == len(witnesses)  # every framework on the one loss plot
    for witness in witnesses:
        assert f"<title>{witness}</title>" in loss_plot
    identical = re.search(r'<p class="hint identical">([^<]*)</p>', text)
    drawn = difference_plot.count("<polyline")
    assert drawn + (identical.group(1).count("|") // 2 if identical else 0) == len(witnesses) - 1  # |framework - numpy|
    assert "per-step difference from NumPy" in text


def test_divergence_catalog_has_every_entry_with_its_measured_rows(report, registry):
    out, _ = report
    text = (out / "divergences.html").read_text(encoding="utf-8")
    for name in REAL_CONCEPTS:
        for divergence in registry[name].divergences:
            assert f'id="{divergence.id}"' in text
            for word in divergence.source.split():
                assert str(escape(word)) in text
            article = text[text.index(f'id="{divergence.id}"'):]
            article = article[: article.index("</article>")]
            assert "<td>naive</td>" in article and "<td>faithful</td>" in article


def test_bench_page_appears_only_with_bench_csv(tmp_path):
    pd.DataFrame({"concept": ["relu", "relu"], "witness": ["numpy", "torch"], "seconds": [0.002, 0.001],
                  "ratio_to_torch": [2.0, 1.0]}).to_csv(tmp_path / "bench.csv", index=False)
    run_report(tmp_path, names=("relu",), planted=())
    assert (tmp_path / "bench.html").is_file()
    assert 'href="bench.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<rect" in (tmp_path / "bench.html").read_text(encoding="utf-8")


def test_progress_bar_stays_silent_off_a_terminal(tmp_path):
    stream = io.StringIO()
    run_report(tmp_path, names=(), planted=(HOSTILE_CONCEPT,), console=Console(file=stream, force_terminal=False))
    assert stream.getvalue() == ""
    assert (tmp_path / "index.html").is_file()


def test_environment_json_names_versions_and_seeds(report):
    out, _ = report
    environment = json.loads((out / "environment.json").read_text())
    assert environment["seeds"] == [0]
    for key in ("python", "numpy", "date"):
        assert environment[key]


def test_comments_come_from_the_tokenizer_not_from_hash_signs_in_strings():
    source = 'def f(x):\n    s = "# not a comment"\n    return x  # NCHW -> NHWC\n'
    assert comments(source) == [(3, "NCHW -> NHWC")]


def test_math_renders_to_mathml_or_escaped_latex():
    pytest.importorskip("latex2mathml")
    assert str(latex_to_html(r"\frac{1}{1 + e^{-x}}")).startswith("<math")
    fallback = str(latex_to_html(r"\frac{<b>"))
    assert "<b>" not in fallback


@pytest.mark.parametrize("verdict", ["agree", "disagree"])
def test_margin_colour_runs_from_green_through_yellow_to_red(verdict):
    def red_minus_green(margin):
        colour = plots.margin_colour(margin, verdict)
        return int(colour[1:3], 16) - int(colour[3:5], 16)

    margins = [0.0, 1e-4, 1e-2, 0.5, 1.0, 3.0, 1e3]
    steps = [red_minus_green(m) for m in margins]
    assert steps == sorted(steps)
    assert steps[0] < 0 < steps[-1]


def test_plots_escape_their_labels_and_say_when_nothing_is_plottable():
    chart = str(plots.line_chart({HOSTILE: [1.0, 0.5]}, title=HOSTILE, ylabel="loss"))
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    empty = str(plots.line_chart({"x": [np.nan, np.inf]}, title="t", ylabel="y"))
    assert "nothing to plot" in empty
    heat = str(plots.heat_map([HOSTILE], ["a~b"], {(0, 0): (0.5, "agree", HOSTILE)}, title="t"))
    assert "<script>" not in heat


def test_rosetta_bench_can_write_the_bench_page_on_its_own(tmp_path):
    from comparisons.report.html import write_bench_page

    assert write_bench_page(tmp_path) is False
    pd.DataFrame({"concept": "conv2d", "sample": "s", "threads": [1, 1, 2], "witness": ["numpy", "torch", "numpy"],
                  "seconds": [0.01, 0.002, 0.006], "ratio_to_torch": [5.0, 1.0, np.nan]}).to_csv(tmp_path / "bench.csv", index=False)
    assert write_bench_page(tmp_path) is True
    text = (tmp_path / "bench.html").read_text(encoding="utf-8")
    assert "conv2d · s · threads 1" in text and "conv2d · s · threads 2" in text
    assert text.count("<svg") == 2


def test_math_falls_back_to_escaped_latex_without_the_converter(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)  # import now raises ImportError
    latex_to_html.cache_clear()
    try:
        html = str(latex_to_html(r"a < b \frac{1}{2}"))
    finally:
        latex_to_html.cache_clear()
    assert html == '<code class="latex">a &lt; b \\frac{1}{2}</code>'


# The report in Simplified Chinese (--lang zh), written from the same result.

ENGLISH_CHROME = (
    "Scoreboard", "Environment", "The implementations", "Samples", "Tolerances", "Agreement", "Training curves",
    "Divergence catalog", "Divergences", "Tutorial idea:", "Forward", "Gradient", "family", "pairs with",
    "all families", "every witness", "all dtypes", "concept", "divergences", "scoreboard", "divergence catalog",
    "sample", "inputs", "parameters", "what it shows", "witness skipped", "set by this concept", "why", "seed",
    "quantity", "pair", "verdict", "detail", "mapping", "naive mapping", "faithful mapping", "source", "entry",
    "frameworks", "on the installed versions", "Errors across samples and witness pairs",
    "Download this concept as a Jupyter notebook", "the code of both mappings", "agree", "disagree", "error",
    "skipped", "expected-divergence", "forward", "gradient", "backward (derived by hand)",
)
"""Headings, labels, legends and verdicts as the English report shows them."""

CHROME_TAGS = ("title", "h1", "h2", "h3", "h4", "th", "label", "option", "button", "summary", "dt", "nav", "figcaption")


class Chrome(HTMLParser):
    """The text of the elements that carry the report's own words (headings, labels, table headers, ...).

    A heading's text is taken without its inner ``span`` (the concept's family, a block's title
    are data or checked on their own); ``td.verdict`` cells and pills are collected too.
    """

    def __init__(self):
        super().__init__()
        self.stack, self.texts, self.lang = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        classes = (attrs.get("class") or "").split()
        keep = tag in CHROME_TAGS or "pill" in classes or "block-title" in classes or (
            tag == "td" and {"agree", "disagree", "error", "skipped", "expected-divergence"} & set(classes))
        if tag not in ("br", "meta", "input", "img", "hr", "link"):
            self.stack.append([tag, keep, ""])

    def handle_endtag(self, tag):
        while self.stack:
            name, keep, text = self.stack.pop()
            if keep and text.strip():
                self.texts.append(" ".join(text.split()))
            if name == tag:
                break

    def handle_data(self, data):
        if self.stack and not any(tag in ("script", "style", "code", "pre") for tag, _, _ in self.stack):
            for entry in reversed(self.stack):
                if entry[1]:
                    entry[2] += data
                    break


def chrome_of(path: Path) -> Chrome:
    parser = Chrome()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_english_report_is_marked_english_and_the_checks_see_its_chrome(report):
    out, _ = report
    index = chrome_of(out / "index.html")
    assert index.lang == "en"
    assert "Scoreboard" in " ".join(index.texts)
    assert set(ENGLISH_CHROME) & set(index.texts)  # the list below would notice English chrome


def test_the_chinese_report_is_marked_zh_hans_and_has_no_english_chrome(report_zh):
    out, _ = report_zh
    for page in pages(out):
        chrome = chrome_of(page)
        assert chrome.lang == "zh-Hans", page.name
        english = [t for t in chrome.texts if t in ENGLISH_CHROME or t.rstrip(":") in ENGLISH_CHROME]
        assert not english, f"{page.name} shows English chrome: {english}"
        outside_entries = re.sub(r"<article.*?</article>", "", page.read_text(encoding="utf-8"), flags=re.S)
        headings = re.findall(r"<h2[^>]*>([^<]+)", outside_entries)  # a catalog entry's heading is its id
        for heading in headings:
            assert re.search(r"[\u4e00-\u9fff]", heading), f"{page.name}: heading {heading!r} has no Chinese"
    for page in ("index.html", "divergences.html"):
        (title,) = re.findall(r"<h1[^>]*>([^<]+)", (out / page).read_text(encoding="utf-8"))
        assert re.search(r"[\u4e00-\u9fff]", title), title


def test_the_chinese_report_translates_summaries_tutorials_verdicts_and_keeps_the_csv_english(report_zh, registry):
    from comparisons.i18n import language

    out, records = report_zh
    zh = language("zh")
    concept = registry["sigmoid"]
    page = (out / "concepts" / "sigmoid.html").read_text(encoding="utf-8")
    for text in (concept.summary, concept.tutorial):
        assert zh.gettext(text) != text, f"no translation for {text!r}"
        assert str(escape(zh.gettext(text))) in page
    index = (out / "index.html").read_text(encoding="utf-8")
    count = sum(r.verdict == "agree" for r in records)
    assert f'class="pill agree">{count} {zh.gettext("agree")}<' in index
    assert set(pd.read_csv(out / "results.csv")["verdict"]) <= {"agree", "disagree", "expected-divergence", "error", "skipped"}
    assert "margin" in pd.read_csv(out / "summary.csv").columns.tolist() or "max_margin" in pd.read_csv(out / "summary.csv").columns


def test_the_chinese_report_uses_system_fonts_with_cjk_families(report_zh):
    out, _ = report_zh
    text = (out / "index.html").read_text(encoding="utf-8")
    for family in ('"Noto Sans CJK SC"', '"PingFang SC"', '"Microsoft YaHei"'):
        assert family in text
    assert "@font-face" not in text and "url(" not in text


# Row details in the reader's language -------------------------------------------------


def _produced_details() -> dict[str, str]:
    """Each detail template, written by the very code that writes it into results.csv."""
    import signal
    import time
    from types import SimpleNamespace

    from comparisons.agreement import compare
    from comparisons.limits import WitnessTimeout, time_limit
    from comparisons.registry import DEFAULT_TOLERANCE, Difference
    from comparisons.witnesses import Framework
    from comparisons.witnesses.pool import WorkerDied, WorkerProcess

    tolerance = DEFAULT_TOLERANCE["float64"]
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.5], [3.0, 4.0]])
    details = {
        "values": compare(a, b, tolerance, "float64").detail,
        "values and NaN": compare(np.array([np.nan, 1.0]), np.array([0.0, 2.0]), tolerance, "float64").detail,
        "shape": compare(a, a.T[:1], tolerance, "float64").detail,
        "dtype": compare(a, b.astype(np.float32), tolerance, "float64").detail,
    }
    registry = harness.load_all()
    sigmoid = registry["sigmoid"]
    planted = dataclasses.replace(sigmoid, name="planted_sigmoid", no_version={"jax": "planted reason"},
                                  implementations={k: v for k, v in sigmoid.implementations.items() if k != "paddle"},
                                  grad_wrt=())
    details["no version"] = harness._why_skipped(planted, "jax", {})
    details["has no version"] = harness._why_skipped(planted, "paddle", {})
    details["no gradients"] = harness._why_skipped(planted, "finite-diff", {})
    details["tolerance measured"] = registry["gru"].tolerance["float32"].reason
    missing = Framework("nothing", "x:y", "no_such_module_rosetta", ("no-such-dist",), False, extra="nothing")
    details["not installed"] = missing.missing_reason()
    details["not installed, no extra"] = dataclasses.replace(missing, extra="").missing_reason()
    try:
        with time_limit(0.05):
            time.sleep(2)
    except WitnessTimeout as error:
        details["timeout"] = str(error)

    class SilentConnection:
        def poll(self, timeout):
            return False

        def close(self):
            pass

    class BrokenConnection(SilentConnection):
        def poll(self, timeout):
            return True

        def recv_bytes(self):
            raise EOFError

    for name, connection, exitcode in (("killed", SilentConnection(), None), ("signal", BrokenConnection(), -signal.SIGSEGV),
                                       ("exit code", BrokenConnection(), 3)):
        worker = WorkerProcess("torch")
        worker.conn, worker.process = connection, SimpleNamespace(pid=None, exitcode=exitcode, join=lambda timeout: None)
        try:
            worker._wait(0.01)
        except (WitnessTimeout, WorkerDied) as error:
            details[f"worker {name}"] = str(error)

    outcomes = {"numpy": harness.Outcome(results={"out": a}), "torch": harness.Outcome(skipped=details["has no version"])}
    details["side skipped"] = harness.compare_outcomes(sigmoid, "numpy", "torch", "out", outcomes, "float64").detail
    outcomes["torch"] = harness.Outcome(error=details["worker signal"])
    details["side error"] = harness.compare_outcomes(sigmoid, "numpy", "torch", "out", outcomes, "float64").detail
    outcomes["torch"] = harness.Outcome(results={})
    details["did not return"] = harness.compare_outcomes(sigmoid, "numpy", "torch", "out", outcomes, "float64").detail

    entry = SimpleNamespace(id="planted_entry", shows=Difference("values", at=(0,), at_least=0.1))
    agree = compare(a, a, tolerance, "float64")
    details["catalog: agreed"] = harness.naive_verdict(entry, agree, a, a, tolerance).detail
    shape = compare(a, a.T[:1], tolerance, "float64")
    details["catalog: wrong kind"] = harness.naive_verdict(entry, shape, a, a.T[:1], tolerance).detail
    small = compare(a, a + 1e-3, tolerance, "float64")
    details["catalog: too small"] = harness.naive_verdict(entry, small, a, a + 1e-3, tolerance).detail
    values = compare(a, b, tolerance, "float64")
    details["catalog: elsewhere"] = harness.naive_verdict(entry, values, a, b, tolerance).detail
    return details


DETAILS = _produced_details()


@pytest.mark.parametrize("name", sorted(DETAILS))
def test_every_detail_template_renders_in_chinese_and_back_to_itself_in_english(name):
    from comparisons.i18n import language
    from comparisons.report.details import recognised, render_detail

    detail = DETAILS[name]
    assert detail and recognised(detail), f"{name}: no template matches {detail!r}"
    assert render_detail(detail, language("en")) == detail  # results.csv's text, untouched
    chinese = render_detail(detail, language("zh"))
    assert re.search("[\u4e00-\u9fff]", chinese), f"{name}: {chinese!r} has no Chinese"
    # What is kept as it is: numbers, shapes and witness names
    for kept in re.findall(r"\d+(?:\.\d+)?|\([\d, ]*\)|torch|jax|paddle|SIGSEGV", detail):
        assert kept in chinese, f"{name}: {kept!r} lost in {chinese!r}"


def test_a_reason_from_the_catalog_is_translated_and_free_text_is_kept():
    from comparisons.i18n import language
    from comparisons.report.details import render_detail

    zh = language("zh")
    catalogued = "float64 (eps 2.2e-16): only summation order differs between libraries."  # a msgid
    assert render_detail(f"no jax version: {catalogued}", zh) == "没有 jax 版本：" + zh.gettext(catalogued)
    assert zh.gettext(catalogued) != catalogued
    assert render_detail("torch: ValueError: x must be positive", zh) == "torch：ValueError: x must be positive"
    assert render_detail(float("nan"), zh) == ""


def test_the_chinese_pages_show_details_and_tolerance_reasons_in_chinese(report, report_zh):
    from comparisons.registry import DEFAULT_TOLERANCE

    (out, records), (out_zh, _) = report, report_zh
    hostile_skips = {r.detail for r in records if r.concept == "planted_hostile" and r.verdict == "skipped"}
    assert hostile_skips
    english_page = (out / "concepts" / "planted_hostile.html").read_text()
    page = (out_zh / "concepts" / "planted_hostile.html").read_text()
    for detail in hostile_skips:
        assert str(escape(detail)) in english_page
        assert str(escape(detail)) not in page, f"{detail!r} is still in English"
    assert "torch：planted_hostile 没有 torch 版本" in page
    sigmoid = (out_zh / "concepts" / "sigmoid.html").read_text()
    for reason in (DEFAULT_TOLERANCE["float64"].reason, DEFAULT_TOLERANCE["finite-diff"].reason):
        assert str(escape(reason)) in (out / "concepts" / "sigmoid.html").read_text()
        assert str(escape(reason)) not in sigmoid
    assert "各个库之间只有求和顺序不同" in sigmoid
    # results.csv is data: the same English text whatever the language of the pages
    english, chinese = (pd.read_csv(o / "results.csv")["detail"].fillna("").tolist() for o in (out, out_zh))
    assert english == chinese and set(hostile_skips) <= set(english)


def without_date(page: Path) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "DATE", page.read_text(encoding="utf-8"))


def test_pages_written_while_the_run_goes_on_are_the_pages_written_after_it(tmp_path, pool):
    """``rosetta run`` writes each concept's page as soon as its rows are in (a training concept's
    curves included); the report is the one written from the whole result at the end."""
    registry = harness.load_all()
    concepts = [registry[name] for name in (*REAL_CONCEPTS, "logic_gates_training")]
    config = harness.RunConfig(frameworks=("torch",))
    during, after = tmp_path / "during", tmp_path / "after"
    with ReportWriter(during, concepts, seeds=[0]) as report:
        result = harness.run(concepts, config=config, pool=pool, concept_done=report.add)
        assert report.written == {c.name for c in concepts}
        report.finish(result)
    write_report(result, after, seeds=[0])
    assert result.curves["logic_gates_training"]
    written = sorted(path.relative_to(during) for path in during.rglob("*.html"))
    assert written == sorted(path.relative_to(after) for path in after.rglob("*.html"))
    assert all(without_date(during / page) == without_date(after / page) for page in written)
