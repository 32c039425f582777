"""The HTML and CSV report: complete, self-contained, escaped, generated from the records.

A module fixture runs two registered concepts and two planted ones (a training run
with a loss curve, and one whose every text is hostile HTML) and writes the report
once; the tests read it back.
"""

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
from comparisons.registry import REGISTRY, Concept, Sample, source_of
from comparisons.report import write_report
from comparisons.report import plots
from comparisons.report.mathml import latex_to_html
from comparisons.report.sources import comments

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


TRAINING = Concept(
    name="planted_descent",
    family="optimizers",
    summary="Gradient descent on a quadratic, planted by the report tests.",
    samples=lambda rng: [Sample("quadratic", lambda rng: {"w0": rng.standard_normal(4), "target": rng.standard_normal(4)})],
    reference=(descent_forward, None),
    torch=descent_torch,
    tensorflow=None,
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
    torch=None,
    tensorflow=None,
    grad_wrt=("x",),
    tutorial=HOSTILE,
    forward_math=r"\mathrm{out} = 2x",
    backward_math=r"dx = 2\,\delta",
)

PLANTED = (TRAINING, HOSTILE_CONCEPT)


def run_report(out: Path, names=REAL_CONCEPTS, planted=PLANTED, console=None) -> list:
    """Run ``names`` and the planted concepts in both dtypes and write the report into ``out``."""
    with pytest.MonkeyPatch.context() as patch:
        registry = harness.load_all()
        for concept in planted:
            patch.setitem(REGISTRY, concept.name, concept)
        records = harness.run([registry[n] for n in names] + list(planted), seeds=[0])
        write_report(records, out, seeds=[0], console=console)
    return records


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    records = run_report(out)
    return out, records


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
        assert f'class="pill {verdict}">{count} {verdict}<' in text
    assert f"{len(records)} comparisons" in text


@pytest.mark.parametrize("name", REAL_CONCEPTS)
def test_concept_page_has_three_aligned_columns_math_and_the_commented_lines(report, registry, name):
    out, _ = report
    text = (out / "concepts" / f"{name}.html").read_text(encoding="utf-8")
    concept = registry[name]
    for witness in ("numpy", "torch", "tensorflow"):
        assert f'class="code-column" data-witness="{witness}"' in text
    if concept.forward_math:
        assert "<math" in text
    for function in (concept.reference[0], concept.torch, concept.tensorflow):
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


def test_training_concept_plots_a_curve_per_witness_and_their_differences(report):
    out, _ = report
    text = (out / "concepts" / "planted_descent.html").read_text(encoding="utf-8")
    assert "Training curves" in text
    assert text.count("<polyline") == 3  # numpy and torch curves, then |torch - numpy|
    assert "per-step difference from NumPy" in text


def test_divergence_catalog_has_every_entry_with_its_measured_rows(report, registry):
    out, _ = report
    text = (out / "divergences.html").read_text(encoding="utf-8")
    for name in REAL_CONCEPTS:
        for divergence in registry[name].divergences:
            assert f'id="{divergence.id}"' in text
            for word in divergence.source.split():
                assert str(escape(word)) in text
            assert f"{divergence.id} (naive)" in text and f"{divergence.id} (faithful)" in text


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


def test_curves_carried_by_the_records_are_plotted_without_re_running(tmp_path, monkeypatch):
    from comparisons.report import curves

    def no_re_run(*args, **kwargs):
        raise AssertionError("re-ran a training concept although its records carry the curves")

    monkeypatch.setattr(curves, "training_curves", no_re_run)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REGISTRY, TRAINING.name, TRAINING)
        records = harness.run([TRAINING], dtypes=["float64"], seeds=[0])
        records[0].curves = {"numpy": np.linspace(2, 1, STEPS), "torch": np.linspace(2, 1, STEPS) + 1e-9}
        write_report(records, tmp_path, seeds=[0])
    assert (tmp_path / "concepts" / "planted_descent.html").read_text(encoding="utf-8").count("<polyline") == 3


def test_curves_past_the_time_budget_are_not_re_run_and_the_page_says_so(tmp_path, monkeypatch):
    from comparisons.report import curves

    monkeypatch.setattr(curves, "TIME_BUDGET", 0.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REGISTRY, TRAINING.name, TRAINING)
        records = harness.run([TRAINING], dtypes=["float64"], seeds=[0])
        for record in records:
            record.__dict__.pop("curves", None)  # as if written from records that do not carry them
        write_report(records, tmp_path, seeds=[0])
    text = (tmp_path / "concepts" / "planted_descent.html").read_text(encoding="utf-8")
    assert "<polyline" not in text and "time budget" in text


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
