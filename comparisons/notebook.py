"""``rosetta notebook NAME``: one concept as a runnable Jupyter notebook.

The notebook holds, in the reader's language:

1. the concept's summary, tutorial idea and the math of its forward pass and gradient
   (LaTeX inside ``$$``);
2. the NumPy version (forward and hand-derived backward) as a code cell that runs on
   its own: the module's imports and every helper the two functions call come with
   them, so a reader can change the code and run it again; a second cell calls it on
   the concept's first sample;
3. each framework's version as a Markdown code block, shown and not run in the
   kernel: TensorFlow and PaddlePaddle cannot share a process (importing paddle after
   tensorflow crashes), so no framework is imported in the notebook's kernel at all;
4. a cell that runs every sample through :func:`comparisons.harness.run_sample` with a
   :class:`comparisons.witnesses.pool.WorkerPool`, where each framework runs in its
   own worker process, and prints the verdicts and margins per witness pair, then
   ``all comparisons agree`` when nothing disagrees or fails;
5. a plot (the report's inline SVG, no plotting library): the loss curve of every
   framework for a training concept, or the forward function and its derivative for an
   element-wise activation.

Writing a notebook runs nothing but the NumPy forward of an activation on a grid (to
decide whether it is element-wise); ``rosetta run`` writes one per concept it ran.
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from comparisons.i18n import N_, Language, language
from comparisons.registry import FRAMEWORKS, Concept, concept_rng, source_of
from comparisons.report.html import FAMILY_LABELS, VERDICT_LABELS

FRAMEWORK_LABELS = {"torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX", "paddle": "PaddlePaddle"}
AUTOGRAD = {
    "torch": "torch.autograd.grad(out, inputs, dout)",
    "tensorflow": "tf.GradientTape().gradient(out, inputs, dout)",
    "jax": "jax.vjp(forward, *inputs)[1](dout)",
    "paddle": "paddle.grad(out, inputs, grad_outputs=dout)",
}
AGREE_LINE = N_("all comparisons agree")
"""The comparison cell's last line when nothing disagrees or fails (the notebook tests look for it)."""
PLOT_RANGE = (-5.0, 5.0, 201)


class MissingNotebookSupport(RuntimeError):
    """nbformat is not installed (``pip install 'rosetta[notebook]'``)."""


def _nbformat():
    try:
        import nbformat
    except ImportError:
        raise MissingNotebookSupport("notebooks need nbformat: pip install 'rosetta[notebook]'") from None
    return nbformat


# The NumPy cell: the functions with every module-level name they use ---------------


def _bound_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds (a def, a class, an assignment, an import)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _segment(lines: list[str], node: ast.stmt) -> str:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    return "".join(lines[first - 1 : node.end_lineno]).rstrip() + "\n"


def self_contained_source(functions: list[Callable]) -> str:
    """The source of ``functions`` with the imports and module-level helpers they need, in module order.

    Every function must come from the same module. Helpers are followed transitively
    (a helper's own helpers come too); imports are kept when a kept statement uses
    the name they bind. The result runs on its own in a fresh namespace.
    """
    module = sys.modules[functions[0].__module__]
    text = inspect.getsource(module)
    lines = text.splitlines(keepends=True)
    body = ast.parse(text).body
    binders: dict[str, ast.stmt] = {}
    for node in body:
        for name in _bound_names(node):
            binders.setdefault(name, node)
    wanted = {f.__name__ for f in functions}
    keep: set[int] = set()
    pending = [binders[name] for name in wanted if name in binders]
    while pending:
        node = pending.pop()
        if id(node) in keep:
            continue
        keep.add(id(node))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        pending += [binders[n] for n in _used_names(node) if n in binders and id(binders[n]) not in keep]
    imports = [n for n in body if id(n) in keep and isinstance(n, (ast.Import, ast.ImportFrom))]
    future = [n for n in body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    others = [n for n in body if id(n) in keep and not isinstance(n, (ast.Import, ast.ImportFrom))]
    header = "".join(_segment(lines, n) for n in future + imports)
    return (f"# from {module.__name__.replace('.', '/')}.py\n" + header + "\n\n"
            + "\n\n".join(_segment(lines, n) for n in others)).rstrip() + "\n"


# Which plot a concept gets ------------------------------------------------------------


def first_sample(concept: Concept, seed: int = 0):
    """The concept's first sample and its drawn inputs, or ``(None, {})`` when it has none."""
    from comparisons.registry import sample_rng

    try:
        sample = next(iter(concept.samples(concept_rng(seed, concept.name))))
        return sample, sample.draw(sample_rng(seed, concept.name, sample.name))
    except Exception:  # noqa: BLE001 - a broken sample generator: the notebook shows no plot
        return None, {}


def elementwise_input(concept: Concept) -> str | None:
    """The input name of a 1-D element-wise function (an activation), or ``None``.

    Element-wise means: one input, and the forward of the first half of a grid equals
    the first half of the forward of the whole grid (softmax, which normalises over
    its axis, fails this).
    """
    if concept.family != "activations" or concept.reference[1] is None:
        return None
    sample, inputs = first_sample(concept)
    if sample is None or len(inputs) != 1:
        return None
    (name,) = inputs
    grid = np.linspace(*PLOT_RANGE)
    try:
        whole = np.asarray(concept.reference[0](**{name: grid}, **sample.params)[0])
        half = np.asarray(concept.reference[0](**{name: grid[:50]}, **sample.params)[0])
    except Exception:  # noqa: BLE001
        return None
    return name if whole.shape == grid.shape and np.allclose(whole[:50], half, rtol=1e-12, atol=1e-15) else None


def is_training(concept: Concept) -> bool:
    """A concept whose forward returns a loss curve: no gradients, a ``loss`` entry per step."""
    if concept.grad_wrt:
        return False
    try:
        source = source_of(concept.reference[0])
    except (OSError, TypeError):
        return False
    return '"loss"' in source or "'loss'" in source


# The notebook ---------------------------------------------------------------------


def _md_code(source: str) -> str:
    return "```python\n" + source.rstrip() + "\n```"


def notebook_cells(concept: Concept, lang: Language) -> list[tuple[str, str]]:
    """``(kind, source)`` of every cell, kind ``"markdown"`` or ``"code"``."""
    _ = lang.gettext
    cells: list[tuple[str, str]] = []
    intro = [f"# {concept.name}", "", f"*{_(FAMILY_LABELS.get(concept.family, concept.family))}*", "", _(concept.summary)]
    if concept.tutorial:
        intro += ["", f"**{_('Tutorial idea:')}** {_(concept.tutorial)}"]
    intro += ["", _("This notebook comes from Rosetta (`rosetta notebook {name}`). It needs Rosetta installed "
                    "(`pip install 'rosetta[notebook]'`, or the checkout's virtual environment); each framework "
                    "that is installed takes part in the comparison.").format(name=concept.name)]
    cells.append(("markdown", "\n".join(intro)))
    math = []
    if concept.forward_math:
        math += [f"## {_('Forward')}", "", "$$", concept.forward_math.strip(), "$$", ""]
    if concept.backward_math:
        math += [f"## {_('Gradient')}", "", "$$", concept.backward_math.strip(), "$$"]
    if math:
        cells.append(("markdown", "\n".join(math).rstrip()))

    forward, backward = concept.reference
    cells.append(("markdown", "## " + _("NumPy, written by hand") + "\n\n" + _(
        "The forward pass and the hand-derived backward pass, with the helpers they call. Change them and run the "
        "cell again: the next cell calls them on the concept's first sample.")))
    cells.append(("code", self_contained_source([f for f in (forward, backward) if f is not None])))
    sample, inputs = first_sample(concept)
    setup = [
        "import numpy as np",
        "",
        "from comparisons.registry import concept_rng, load_all, sample_rng",
        "",
        "SEED = 0",
        f"concept = load_all()[{concept.name!r}]",
        "samples = list(concept.samples(concept_rng(SEED, concept.name)))",
    ]
    if sample is not None:
        setup += [
            "sample = samples[0]",
            "inputs = sample.draw(sample_rng(SEED, concept.name, sample.name))",
            f"out, cache = {forward.__name__}(**inputs, **sample.params)  # " + _("the function defined above"),
            "for name, value in (out.items() if isinstance(out, dict) else [('out', out)]):",
            "    print(name, np.shape(value), np.asarray(value).dtype)",
        ]
    cells.append(("code", "\n".join(setup)))

    frameworks = [f for f in FRAMEWORKS if f in concept.implementations]
    if frameworks:
        cells.append(("markdown", "## " + _("The frameworks") + "\n\n" + _(
            "Each framework's version, shown and not run here: the comparison below runs every framework in its own "
            "worker process (TensorFlow and PaddlePaddle cannot share a process). The gradients come from each "
            "framework's autograd, never written by hand.")))
    for framework in frameworks:
        try:
            source = source_of(concept.implementations[framework])
        except (OSError, TypeError, SyntaxError) as error:
            source = f"# source unavailable: {error}"
        text = f"### {FRAMEWORK_LABELS[framework]}\n\n{_md_code(source)}"
        if concept.grad_wrt:
            text += "\n\n" + _("Gradient: {call}").format(call=f"`{AUTOGRAD[framework]}`")
        cells.append(("markdown", text))
    for framework, reason in concept.no_version.items():
        cells.append(("markdown", f"### {FRAMEWORK_LABELS.get(framework, framework)}\n\n{_(reason)}"))

    cells.append(("markdown", "## " + _("Run the comparison") + "\n\n" + _(
        "Every sample, in float32 and float64, through every witness: NumPy and the finite differences here, each "
        "framework in its own worker process. The table gives, per witness pair, the number of compared rows, the "
        "worst verdict and the largest margin (at most 1 means agreement).")))
    cells.append(("code", comparison_code(lang)))
    plot = plot_code(concept, lang)
    if plot:
        cells.append(("markdown", "## " + (_("Loss per step") if is_training(concept) else _("The function and its derivative"))))
        cells.append(("code", plot))
    return cells


def comparison_code(lang: Language) -> str:
    """The comparison cell: run every sample through every witness, print a table and a verdict line."""
    _ = lang.gettext
    agree = _(AGREE_LINE) if lang.code == "en" else f"{_(AGREE_LINE)} ({AGREE_LINE})"
    header = (_("pair"), _("rows"), _("verdict"), _("max margin"))
    verdicts = {verdict: _(label) for verdict, label in VERDICT_LABELS.items()}
    failed = _("{n} of {total} comparisons disagree or failed")
    return "\n".join([
        "from dataclasses import asdict",
        "",
        "from comparisons.harness import RunResult, run_sample",
        "from comparisons.i18n import language",
        "from comparisons.report.details import render_detail",
        "from comparisons.rollup import by_pair",
        "from comparisons.witnesses.pool import WorkerPool",
        "",
        'DTYPES = ("float32", "float64")',
        "result = RunResult()",
        "with WorkerPool() as pool:  # " + _("one worker process per framework"),
        "    for sample in samples:",
        "        for dtype in DTYPES:",
        "            if dtype in sample.dtypes:",
        "                result.extend(run_sample(concept, sample, dtype, SEED, pool))",
        "",
        "rows = [asdict(record) for record in result.records]",
        f"HEADER = {header!r}",
        f"VERDICT = {verdicts!r}  # " + _("how each verdict is shown"),
        'print(f"{HEADER[0]:<26} {HEADER[1]:>5}  {HEADER[2]:<20} {HEADER[3]:>10}")',
        "for (_, a, b), cell in by_pair(rows).items():",
        '    print(f"{a + \' ~ \' + b:<26} {cell.total:>5}  {VERDICT[cell.verdict]:<20} {cell.max_margin:>10.3g}")',
        'failed = [r for r in rows if r["verdict"] in ("disagree", "error")]',
        f"LANG = language({lang.code!r})  # " + _("the language of the details printed below"),
        "for row in failed[:10]:",
        '    print(VERDICT[row["verdict"]], row["sample"], row["dtype"], row["quantity"], row["witness_a"], "~",',
        '          row["witness_b"], render_detail(row["detail"], LANG))',
        "if failed:",
        f"    print({failed!r}.format(n=len(failed), total=len(rows)))",
        "else:",
        f"    print({agree!r})",
    ])


def plot_code(concept: Concept, lang: Language) -> str:
    """The plot cell: every framework's loss curve (training), or f and f' (1-D activations); "" otherwise."""
    _ = lang.gettext
    if is_training(concept):
        title = _("{concept}: training loss per witness").format(concept=concept.name)
        return "\n".join([
            "from IPython.display import HTML, display",
            "",
            "from comparisons.report import plots",
            "",
            "curves = result.curves.get(concept.name, {})  # " + _("witness -> loss per step, from the run above"),
            f"chart = plots.line_chart(curves, title={title!r}, ylabel={_('loss')!r}, xlabel={_('step')!r},",
            "                         colours=plots.WITNESS_COLOURS)",
            "display(HTML(str(chart)))",
        ])
    name = elementwise_input(concept)
    if name is None:
        return ""
    low, high, count = PLOT_RANGE
    title = _("{concept} and its derivative").format(concept=concept.name)
    return "\n".join([
        "from IPython.display import HTML, display",
        "",
        "from comparisons.report import plots",
        "",
        f"grid = np.linspace({low}, {high}, {count})",
        "forward, backward = concept.reference  # " + _("the NumPy reference"),
        f"y, cache = forward({name}=grid, **samples[0].params)",
        "dy = backward(np.ones_like(y), cache)  # " + _("dout = 1: the derivative itself"),
        f"series = {{'{concept.name}(x)': y, \"{concept.name}'(x)\": dy}}",
        f"display(HTML(str(plots.line_chart(series, x=grid, xlabel='x', ylabel='', title={title!r}))))",
    ])


def build_notebook(concept: Concept, lang: Language | str = "en"):
    """The notebook of one concept (an ``nbformat`` v4 node, not executed)."""
    nbformat = _nbformat()
    lang = language(lang) if isinstance(lang, str) else lang
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [make[kind](source) for kind, source in notebook_cells(concept, lang)]
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "rosetta": {"concept": concept.name, "lang": lang.code},
    })
    return notebook


def write_notebook(concept: Concept, out: Path, lang: Language | str = "en") -> Path:
    """Write ``out/NAME.ipynb`` and return its path."""
    nbformat = _nbformat()
    notebook = build_notebook(concept, lang)
    nbformat.validate(notebook)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{concept.name}.ipynb"
    nbformat.write(notebook, str(path))
    return path


def write_notebooks(concepts, out: Path, lang: Language | str = "en") -> set[str]:
    """One notebook per concept into ``out``; the names written (none when nbformat is missing)."""
    try:
        _nbformat()
    except MissingNotebookSupport:
        return set()
    written = set()
    for concept in concepts:
        write_notebook(concept, out, lang)
        written.add(concept.name)
    return written

