"""index.html, a page per concept and the divergence catalog, from the records only."""

from __future__ import annotations

from pathlib import Path

import jinja2
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from comparisons.registry import load_all, source_of

TEMPLATES = Path(__file__).parent / "templates"
WITNESS_PAIRS = [
    ("numpy", "torch"), ("numpy", "tensorflow"), ("torch", "tensorflow"),
    ("numpy", "finite-diff"), ("torch", "finite-diff"), ("tensorflow", "finite-diff"),
]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def highlighted_source(function) -> str:
    """Pygments HTML of a function's source, or a note when it has none."""
    if function is None:
        return "<p class='none'>no implementation</p>"
    try:
        return highlight(source_of(function), PythonLexer(), HtmlFormatter())
    except (OSError, TypeError, ImportError) as error:
        return f"<p class='none'>source unavailable: {jinja2.escape(str(error))}</p>"


def write_html(results, summary, environment, out: Path, console=None) -> None:
    """Write index.html, concepts/NAME.html and divergences.html into ``out``."""
    env = _environment()
    registry = load_all()
    css = (TEMPLATES / "report.css").read_text() + HtmlFormatter().get_style_defs(".highlight")
    names = list(dict.fromkeys(results["concept"]))
    cells = {(r.concept, r.witness_a, r.witness_b): r for r in summary.itertuples()}
    index = env.get_template("index.html").render(
        css=css, concepts=[registry[n] for n in names], pairs=WITNESS_PAIRS, cells=cells, environment=environment
    )
    (out / "concepts").mkdir(exist_ok=True)
    page = env.get_template("concept.html")
    for name in names:
        concept = registry[name]
        rows = results[results["concept"] == name]
        sources = {
            "NumPy": highlighted_source(concept.reference[0]) + highlighted_source(concept.reference[1]),
            "PyTorch": highlighted_source(concept.torch),
            "TensorFlow": highlighted_source(concept.tensorflow),
        }
        html = page.render(css=css, concept=concept, sources=sources, rows=rows.to_dict("records"))
        (out / "concepts" / f"{name}.html").write_text(html)
    catalog = [(registry[n], d) for n in names for d in registry[n].divergences]
    divergence_rows = results[results["verdict"].isin(["expected-divergence"]) | results["sample"].str.endswith("(faithful)")]
    (out / "divergences.html").write_text(
        env.get_template("divergences.html").render(css=css, catalog=catalog, rows=divergence_rows.to_dict("records"))
    )
    (out / "index.html").write_text(index)
