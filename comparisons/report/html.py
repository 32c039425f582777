"""index.html, a page per concept, the divergence catalog and the benchmark page.

Everything is generated from the result rows (results.csv as a DataFrame), the
registry (sources, math, samples, tolerances) and environment.json. Jinja autoescapes
every value; the only markup passed through unescaped is built here by Pygments,
latex2mathml and :mod:`comparisons.report.plots`, which escape their own text.
"""

from __future__ import annotations

import json
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from comparisons.i18n import N_, Language, language
from comparisons.registry import DTYPES, Concept, concept_rng, load_all, sample_rng
from comparisons.report import curves, plots
from comparisons.report.details import render_detail
from comparisons.report.mathml import latex_to_html
from comparisons.report.sources import code_block, note_text, pygments_css
from comparisons.rollup import WORST_FIRST as VERDICT_ORDER
from comparisons.rollup import Cell, by_pair, by_pair_and_dtype, cell_of, is_catalog

TEMPLATES = Path(__file__).parent / "templates"
FRAMEWORK_LABELS = {"torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX", "paddle": "PaddlePaddle"}
AUTOGRAD_NOTE = {
    "torch": N_("torch.autograd.grad(out, inputs, dout): the gradient is not written by hand."),
    "tensorflow": N_("tf.GradientTape records the forward pass; tape.gradient(out, inputs, dout)."),
    "jax": N_("jax.vjp(forward, *inputs) returns the pullback; pullback(dout) gives the gradients."),
    "paddle": N_("paddle.grad(out, inputs, grad_outputs=dout): the gradient is not written by hand."),
}
WITNESS_ORDER = ("numpy", *FRAMEWORK_LABELS, "finite-diff")
"""Scoreboard pairs are ordered by this; pairs with extra witnesses (ONNX) share one more column."""

VERDICT_LABELS = {
    "agree": N_("agree"),
    "disagree": N_("disagree"),
    "expected-divergence": N_("expected-divergence"),
    "error": N_("error"),
    "skipped": N_("skipped"),
}
"""How a verdict is shown; results.csv and summary.csv keep the English values."""

VERDICT_SHORT = {
    "expected-divergence": N_("exp.div"),
    "skipped": N_("skip"),
    "error": N_("error"),
}
"""The verdict word in a scoreboard cell, short so that every witness pair fits the page; its
tooltip and the legend name it in full."""

MAPPING_LABELS = {"naive": N_("naive"), "faithful": N_("faithful")}

FAMILY_LABELS = {
    "activations": N_("activations"),
    "losses": N_("losses"),
    "normalization": N_("normalization"),
    "broadcasting": N_("broadcasting"),
    "networks": N_("networks"),
    "convolution": N_("convolution"),
    "recurrent": N_("recurrent"),
    "attention": N_("attention"),
    "optimizers": N_("optimizers"),
    "layers": N_("layers"),
    "init": N_("init"),
    "deployment": N_("deployment"),
}
"""How a family is shown (the ``--family`` names stay as they are in links, filters and CSV).

Every name of :data:`comparisons.registry.FAMILIES` has an entry (tests/test_i18n.py);
a family without one is shown by its name."""


def _environment(lang: Language | None = None) -> jinja2.Environment:
    """The Jinja2 environment of one language: its catalog installed, its filters bound to it."""
    lang = lang or language()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not part of its msgid
    env.install_gettext_translations(lang.translations, newstyle=True)
    env.filters["num"] = format_number
    env.filters["margin"] = compact_margin
    env.filters["notes"] = lambda block: note_text(block, lang)
    env.filters["shade"] = shade
    env.filters["cell_title"] = lambda cell: cell_title(cell, lang)
    env.filters["t"] = lambda text: lang.gettext(text) if isinstance(text, str) else text
    env.filters["verdict"] = lambda verdict: verdict_label(verdict, lang)
    env.filters["verdict_short"] = lambda verdict: lang.gettext(VERDICT_SHORT.get(verdict, VERDICT_LABELS.get(verdict, verdict)))
    env.filters["detail"] = lambda detail: render_detail(detail, lang)
    env.filters["breakable"] = breakable
    env.filters["mapping"] = lambda mapping: lang.gettext(MAPPING_LABELS.get(mapping, mapping))
    env.filters["family"] = lambda family: lang.gettext(FAMILY_LABELS.get(family, family))
    env.globals["lang"] = lang
    return env


def verdict_label(verdict: str, lang: Language) -> str:
    """A verdict as the reader's language names it."""
    return lang.gettext(VERDICT_LABELS.get(verdict, verdict))


def breakable(name: str) -> Markup:
    """A snake_case name that may wrap after its underscores (a long concept name in a narrow column)."""
    return Markup("_<wbr>").join(str(name).split("_"))


def compact_margin(value) -> str:
    """A scoreboard margin in at most six characters (the cell's tooltip has three digits).

    ``0``, ``2e-5`` below 0.001, two significant digits below 10 (``0.0094``, ``1.5``),
    whole numbers below 10 000 (``123``), then ``1e5``.
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if np.isnan(value):
        return "-"
    if value == 0 or np.isinf(value):
        return format_number(value)
    if value < 1e-3:
        return f"{value:.0e}".replace("e-0", "e-")
    if value < 10:
        return f"{value:.2g}"
    if value < 1e4:
        return f"{value:.0f}"
    return f"{value:.0e}".replace("e+0", "e").replace("e+", "e")


def format_number(value, digits: int = 3) -> str:
    """``'%.3g'`` for finite numbers, ``-`` for a missing value (NaN), ``inf`` as is."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "-" if np.isnan(value) else f"{value:.{digits}g}"


def shade(cell: Cell) -> str:
    """The scoreboard colour of a cell: its verdict, and within ``agree`` how close to the tolerance."""
    return plots.margin_colour(cell.max_margin, cell.verdict)


def cell_title(cell: Cell, lang: Language) -> str:
    """A scoreboard cell's tooltip: its rows by verdict and its largest margin."""
    _ = lang.gettext
    counts = _(", ").join(f"{n} {verdict_label(v, lang)}" for v, n in cell.counts.items() if n)
    return _("{counts}; largest margin {margin}").format(counts=counts, margin=format_number(cell.max_margin))


def group_rows(rows: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    """Rows grouped by the values of ``keys``, groups in order of first appearance."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


OTHER_WITNESSES = ("*", "*")
"""Scoreboard key of the column that gathers every pair with an extra witness (ONNX Runtime ...);
it stays visible whichever witness the reader picks."""


def scoreboard_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a in WITNESS_ORDER and b in WITNESS_ORDER else OTHER_WITNESSES


def scoreboard_columns(rows: list[dict], lang: Language | None = None) -> list[tuple[tuple[str, str], str]]:
    """``(key, header)`` of each column: the pairs present, grouped by their first witness, then the extras."""
    lang = lang or language()
    keys = {scoreboard_key(r["witness_a"], r["witness_b"]) for r in rows if not is_catalog(r)}
    pairs = sorted((k for k in keys if k != OTHER_WITNESSES), key=lambda k: (WITNESS_ORDER.index(k[0]), WITNESS_ORDER.index(k[1])))
    columns = [(pair, f"{pair[0]} ~ {pair[1]}") for pair in pairs]
    if OTHER_WITNESSES in keys:
        columns.append((OTHER_WITNESSES, lang.gettext("other witnesses (ONNX ...)")))
    return columns


def column_groups(columns: list[tuple[tuple[str, str], str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scoreboard's columns grouped by their first witness (one header over each group), in order.

    The extra witnesses' column is a group of its own, ``"*"``.
    """
    groups: dict[str, list] = {}
    for key, _header in columns:
        groups.setdefault(key[0], []).append(key)
    return list(groups.items())


def scoreboard(rows: list[dict]) -> dict:
    """``cells[(concept, a, b)][dtype or "all"] -> Cell`` from the roll-up; extra witnesses share one column."""
    grouped = {}
    for row in rows:
        if not is_catalog(row):
            grouped.setdefault((row["concept"], *scoreboard_key(row["witness_a"], row["witness_b"])), []).append(row)
    cells: dict = {}
    for key, group in grouped.items():
        if key[1:] != OTHER_WITNESSES:  # one pair: exactly the roll-up's cells
            cells[key] = {"all": by_pair(group)[key]}
            cells[key].update({k[3]: cell for k, cell in by_pair_and_dtype(group).items()})
        else:
            cells[key] = {"all": cell_of(group), **{d: cell_of(g) for (d,), g in group_rows(group, "dtype").items()}}
    return cells


def divergence_status(rows: list[dict]) -> dict[str, dict]:
    """Concept -> ``{"confirmed": n, "total": n}``: entries whose naive row diverges and faithful row agrees."""
    status: dict[str, dict] = {}
    for row in rows:
        if not is_catalog(row):
            continue
        entry = status.setdefault(row["concept"], {"ids": {}})
        good = "expected-divergence" if row["mapping"] == "naive" else "agree"
        entry["ids"].setdefault(row["sample"], []).append(row["verdict"] == good)
    for entry in status.values():
        entry["total"] = len(entry["ids"])
        entry["confirmed"] = sum(all(v) for v in entry["ids"].values())
    return status


def sample_table(concept: Concept, seed: int, lang: Language | None = None) -> list[dict]:
    """The concept's samples as the run drew them: name, input shapes and dtypes, params, skips, note."""
    _ = (lang or language()).gettext
    try:
        samples = list(concept.samples(concept_rng(seed, concept.name)))
    except Exception as error:
        note = _("generating samples failed: {error}").format(error=error)
        return [{"name": "samples", "inputs": "", "params": "", "skip": "", "dtypes": "", "note": note}]
    table = []
    for sample in samples:
        try:
            drawn = sample.draw(sample_rng(seed, concept.name, sample.name))
            shapes = ", ".join(f"{k}: {'x'.join(map(str, v.shape)) or _('scalar')}" for k, v in drawn.items())
        except Exception as error:
            shapes = _("drawing failed: {error}").format(error=error)
        table.append({
            "name": sample.name,
            "inputs": shapes + ("" if callable(sample.inputs) else " " + _("(fixed values)")),
            "params": ", ".join(f"{k}={v!r}" for k, v in sample.params.items()),
            "skip": _("; ").join(_("{side}: {reason}").format(side=k, reason=_(v)) for k, v in sample.skip.items()),
            "dtypes": ", ".join(sample.dtypes),
            "note": sample.note,
        })
    return table


def error_heat_map(concept: str, rows: list[dict], lang: Language | None = None) -> Markup:
    """Margins of every (sample, dtype) against every (quantity, witness pair), worst over seeds."""
    lang = lang or language()
    _ = lang.gettext
    rows = [r for r in rows if not is_catalog(r)]
    if not rows:
        return Markup("")
    row_keys = list(dict.fromkeys((r["sample"], r["dtype"]) for r in rows))
    column_keys = list(dict.fromkeys((r["quantity"], r["witness_a"], r["witness_b"]) for r in rows))
    row_index = {k: i for i, k in enumerate(row_keys)}
    column_index = {k: j for j, k in enumerate(column_keys)}
    cells = {}
    for (sample, dtype, quantity, a, b), group in group_rows(rows, "sample", "dtype", "quantity", "witness_a", "witness_b").items():
        cell = cell_of(group)
        tooltip = _("{sample} {dtype}, {quantity}, {a} ~ {b}: {verdict}, margin {margin}").format(
            sample=sample, dtype=dtype, quantity=quantity, a=a, b=b, verdict=verdict_label(cell.verdict, lang),
            margin=format_number(cell.max_margin))
        details = [r["detail"] for r in group if isinstance(r["detail"], str) and r["detail"]]
        if cell.verdict in ("error", "skipped") and details:
            tooltip += _(" ({detail})").format(detail=render_detail(details[0], lang))
        cells[(row_index[(sample, dtype)], column_index[(quantity, a, b)])] = (cell.max_margin, cell.verdict, tooltip)
    return plots.heat_map(
        [f"{s} · {d}" for s, d in row_keys],
        [f"{q}: {a}~{b}" for q, a, b in column_keys],
        cells,
        title=_("{concept}: margin by sample and witness pair (green 0, yellow 1 = tolerance, red beyond)").format(concept=concept),
    )


def curve_plots(concept: Concept, known: dict, lang: Language | None = None) -> list[Markup]:
    """Loss curves of every witness on one plot, and their per-step differences from NumPy.

    ``known`` holds the curves the run returned (concept -> witness -> loss per step),
    one curve per framework that ran; every one of them is drawn, in witness order.
    """
    _ = (lang or language()).gettext
    by_witness = known.get(concept.name)
    if not by_witness:
        return []
    nothing = _("nothing to plot (all values are zero or not finite)")
    order = {w: i for i, w in enumerate(WITNESS_ORDER)}
    by_witness = dict(sorted(by_witness.items(), key=lambda item: order.get(item[0], len(order))))
    plots_ = [plots.line_chart(by_witness, title=_("{concept}: training loss per witness").format(concept=concept.name),
                               ylabel=_("loss"), xlabel=_("step"), nothing=nothing, colours=plots.WITNESS_COLOURS)]
    differences = curves.step_differences(by_witness)
    colours = {f"|{w} - numpy|": c for w, c in plots.WITNESS_COLOURS.items()}  # each framework keeps its colour
    identical = [name for name, difference in differences.items() if np.all(difference == 0)]
    shown = {name: difference for name, difference in differences.items() if name not in identical}
    if shown:
        plots_.append(plots.line_chart(shown, title=_("per-step difference from NumPy"), ylabel=_("|difference|"),
                                       xlabel=_("step"), log_y=True, nothing=nothing, colours=colours))
    if identical:  # nothing to draw on a log scale: say so instead of leaving them out silently
        plots_.append(Markup('<p class="hint identical">{}</p>').format(
            _("Identical to NumPy at every step (difference 0, not drawn): {names}").format(names=", ".join(identical))))
    return plots_


def tolerance_table(concept: Concept, dtypes: list[str]) -> list[dict]:
    keys = dtypes + (["finite-diff"] if concept.grad_wrt else [])
    return [
        {"key": key, "tolerance": concept.tolerance_for(key), "overridden": key in concept.tolerance}
        for key in keys
    ]


def shown_blocks(concept: Concept, witness: str, forward_title: str) -> list[tuple[str, object]]:
    """(title, function) of the code shown for a witness: its ``forward``, or the functions it
    declares in ``Concept.shown`` under their own names (an optimiser's step and construction)."""
    code = concept.code_for(witness)
    if witness not in concept.shown:
        return [(forward_title, f) for f in code]
    return [(f.target.split(":")[1] if hasattr(f, "target") else f.__name__, f) for f in code]


def code_panes(concept: Concept, lang: Language | None = None) -> dict:
    """The side-by-side view: the NumPy pane (forward and hand-derived backward) and one tab per other witness.

    Each pane is ``(label, witness, blocks)``; a framework's blocks are its forward
    version and a note on how its autograd supplies the gradient; the concept's extra
    witnesses (ONNX) get a tab each.
    """
    _ = (lang or language()).gettext
    numpy_blocks = [code_block(title, f) for title, f in shown_blocks(concept, "numpy", _("forward"))]
    if concept.grad_wrt or concept.reference[1] is not None:
        numpy_blocks.append(code_block(_("backward (derived by hand)"), concept.reference[1], missing=_("no hand-written backward")))
    tabs = []
    for framework, label in FRAMEWORK_LABELS.items():
        if framework in concept.no_version:
            missing = _(concept.no_version[framework])
        else:
            missing = _("{concept} has no {framework} version").format(concept=concept.name, framework=label)
        blocks = [code_block(title, f) for title, f in shown_blocks(concept, framework, _("forward"))]
        blocks = blocks or [code_block(_("forward"), None, missing=missing)]
        if concept.grad_wrt and not blocks[0].missing:
            blocks.append(code_block(_("gradient"), None, missing=_(AUTOGRAD_NOTE[framework])))
        tabs.append((label, framework, blocks))
    tabs += [(name, name, [code_block(_("forward"), fn)]) for name, fn in concept.extra_witnesses.items()]
    return {"numpy": ("NumPy", "numpy", numpy_blocks), "tabs": tabs}


def concept_page(env, concept: Concept | None, name: str, rows: list[dict], context: dict) -> str:
    """The HTML of one concept's page (in the language of ``env``, ``context["lang"]``)."""
    lang = context["lang"]
    if concept is None:  # rows of a concept no longer in the registry
        return env.get_template("concept.html").render(**context, name=name, concept=None, rows=rows)
    dtypes = [d for d in DTYPES if d in {r["dtype"] for r in rows}]
    return env.get_template("concept.html").render(
        **context,
        name=name,
        concept=concept,
        forward_math=latex_to_html(concept.forward_math),
        backward_math=latex_to_html(concept.backward_math),
        panes=code_panes(concept, lang),
        samples=sample_table(concept, context["seed"], lang),
        tolerances=tolerance_table(concept, dtypes),
        heat_map=error_heat_map(name, rows, lang),
        curve_plots=curve_plots(concept, context["curves"], lang),
        rows=rows,
        divergence_ids=[d.id for d in concept.divergences],
        notebook=name in context["notebooks"],
    )


def divergence_catalog(registry: dict, names: list[str], by_concept: dict[str, list[dict]],
                       lang: Language | None = None) -> list[dict]:
    """Every divergence of the concepts in the run, with its measured naive and faithful rows."""
    _ = (lang or language()).gettext
    catalog = []
    for name in names:
        concept = registry.get(name)
        for divergence in concept.divergences if concept else ():
            measured = [r for r in by_concept.get(name, []) if is_catalog(r) and r["sample"] == divergence.id]
            catalog.append({
                "concept": concept,
                "d": divergence,
                "rows": measured,
                "naive_code": [code_block(_("naive: {witness}").format(witness=side.witness), side.function)
                               for side in divergence.naive],
                "faithful_code": [code_block(_("faithful: {witness}").format(witness=side.witness), side.function)
                                  for side in divergence.faithful],
                "source_is_url": divergence.source.startswith(("https://", "http://")),
                "source_url": divergence.source.split()[0] if divergence.source else "",
                "source_rest": " ".join(divergence.source.split()[1:]),
                "confirmed": confirmed(measured),
            })
    return catalog


def confirmed(measured: list[dict]) -> bool | None:
    """True when the naive rows diverge and the faithful rows agree; None when not measured."""
    if not measured:
        return None
    return all(r["verdict"] == ("expected-divergence" if r["mapping"] == "naive" else "agree") for r in measured)


def bench_page(env, bench_csv: Path, context: dict) -> str | None:
    """bench.html from ``bench.csv`` (``rosetta bench``), or ``None`` when there is none."""
    if not bench_csv.is_file():
        return None
    try:
        bench = pd.read_csv(bench_csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    charts = []
    if {"concept", "witness", "seconds"} <= set(bench.columns):
        keys = [k for k in ("concept", "sample", "threads") if k in bench.columns]
        threads = context["lang"].gettext("threads {n}")
        for key, rows in bench.groupby(keys, sort=False):
            title = " · ".join(threads.format(n=v) if k == "threads" else str(v) for k, v in zip(keys, key))
            charts.append((title, plots.bar_chart(dict(zip(rows["witness"].astype(str), rows["seconds"] * 1e3)), unit="ms")))
    return env.get_template("bench.html").render(**context, columns=list(bench.columns), rows=bench.to_dict("records"), charts=charts)


def write_bench_page(out: Path, lang: Language | str = "en") -> bool:
    """Write ``out/bench.html`` from ``out/bench.csv`` (for ``rosetta bench``); ``False`` when there is none."""
    lang = language(lang) if isinstance(lang, str) else lang
    environment_file = Path(out) / "environment.json"
    try:
        environment = json.loads(environment_file.read_text()) if environment_file.is_file() else {}
    except ValueError:
        environment = {}
    context = {
        "css": (TEMPLATES / "report.css").read_text() + pygments_css(),
        "script": Markup((TEMPLATES / "report.js").read_text()),
        "environment": environment, "has_bench": True, "root": "", "lang": lang,
    }
    html = bench_page(_environment(lang), Path(out) / "bench.csv", context)
    if html is None:
        return False
    (Path(out) / "bench.html").write_text(html, encoding="utf-8")
    return True


@dataclass(frozen=True)
class PageSetup:
    """What every page of one report shares: the templates in its language, the context, the bench page."""

    env: Any
    context: dict
    bench_html: str | None


def page_setup(environment, out: Path, *, bench_csv: Path | None = None, lang: Language | str = "en",
               notebooks: frozenset[str] | set[str] = frozenset()) -> PageSetup:
    """The shared part of a report written into ``out`` (see :func:`write_html` for the arguments)."""
    lang = language(lang) if isinstance(lang, str) else lang
    env = _environment(lang)
    seeds = environment.get("seeds") or [0]
    context = {
        "css": (TEMPLATES / "report.css").read_text() + pygments_css(),
        "script": Markup((TEMPLATES / "report.js").read_text()),
        "environment": environment,
        "seed": seeds[0],
        "has_bench": False,
        "lang": lang,
        "notebooks": frozenset(notebooks),
    }
    bench_html = bench_page(env, bench_csv or out / "bench.csv", {**context, "root": ""})
    context["has_bench"] = bench_html is not None
    return PageSetup(env, context, bench_html)


def write_concept_page(setup: PageSetup, out: Path, name: str, rows: list[dict], curves: dict | None = None) -> None:
    """Write ``out/concepts/NAME.html`` from the concept's rows (results.csv's, as dictionaries) and
    training curves (witness -> loss curve)."""
    context = {**setup.context, "curves": {name: curves} if curves else {}, "root": "../"}
    (out / "concepts").mkdir(exist_ok=True)
    html = concept_page(setup.env, load_all().get(name), name, rows, context)
    (out / "concepts" / f"{name}.html").write_text(html, encoding="utf-8")


def write_html(results, environment, out: Path, *, bench_csv: Path | None = None,
               progress: Callable[[str], None] | None = None, curves_by_concept: dict | None = None,
               lang: Language | str = "en", notebooks: frozenset[str] | set[str] = frozenset(),
               written: frozenset[str] | set[str] = frozenset(), setup: PageSetup | None = None) -> int:
    """Write index.html, concepts/NAME.html, divergences.html (and bench.html) into ``out``.

    ``progress`` is told the name of each page as it is written;
    ``curves_by_concept`` (concept -> witness -> loss curve) are the run's training
    curves; ``lang`` is the language of every text (``"en"``, ``"zh"``); a concept in
    ``notebooks`` has ``notebooks/NAME.ipynb`` beside the pages, and its page links
    to it. The pages of the concepts in ``written`` are there already (:func:`write_concept_page`),
    written with ``setup`` (:func:`page_setup` of the same arguments), which is then not built again.
    Returns the number of pages written.
    """
    setup = setup or page_setup(environment, out, bench_csv=bench_csv, lang=lang, notebooks=notebooks)
    env, context, lang = setup.env, setup.context, setup.context["lang"]
    curves_by_concept = curves_by_concept or {}
    registry = load_all()
    names = list(dict.fromkeys(results["concept"]))
    rows = results.to_dict("records")
    by_concept = {name: group for (name,), group in group_rows(rows, "concept").items()}
    for name in names:
        if name not in written:
            write_concept_page(setup, out, name, by_concept[name], curves_by_concept.get(name))
        if progress:
            progress(name)
    catalog = divergence_catalog(registry, names, by_concept, lang)
    (out / "divergences.html").write_text(
        env.get_template("divergences.html").render(**context, root="", catalog=catalog), encoding="utf-8")
    if setup.bench_html is not None:
        (out / "bench.html").write_text(setup.bench_html, encoding="utf-8")
    concepts = [{"name": n, "family": by_concept[n][0]["family"], "summary": registry[n].summary if n in registry else ""}
                for n in names]
    counts = results["verdict"].value_counts()
    columns = scoreboard_columns(rows, lang)
    index = env.get_template("index.html").render(
        **context,
        root="",
        concepts=concepts,
        families=list(dict.fromkeys(c["family"] for c in concepts)),
        dtypes=[d for d in DTYPES if d in set(results["dtype"])],
        column_groups=column_groups(columns),
        column_keys=[key for key, _header in columns],
        columns_by_key=dict(columns),
        witnesses=[w for w in WITNESS_ORDER if any(w in key for key, _ in columns)],
        cells=scoreboard(rows),
        divergences=divergence_status(rows),
        counts={v: int(counts.get(v, 0)) for v in VERDICT_ORDER},
        total=len(results),
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    if progress:
        progress("index")
    return len(names) + 2 + context["has_bench"]
