"""``rosetta notebook NAME``: a valid notebook that runs, in a real Jupyter kernel, to "all comparisons agree".

The execution test starts an ipykernel with nbclient. The kernel is the interpreter
running the tests: a kernelspec named ``python3`` is written into a temporary folder
that ``JUPYTER_PATH`` puts first (nothing is installed into the user's Jupyter
folders), with this checkout on ``PYTHONPATH``, as pytest's ``pythonpath`` has it.
"""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")

from comparisons.cli import main  # noqa: E402
from comparisons.i18n import language  # noqa: E402
from comparisons.notebook import AGREE_LINE, build_notebook, elementwise_input, self_contained_source  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = (
    "sigmoid",  # the default run executes one notebook; the others run with -m slow
    pytest.param("conv2d", marks=pytest.mark.slow),
    pytest.param("xor_network_training", marks=pytest.mark.slow),
)


def sources(notebook, kind):
    return [cell.source for cell in notebook.cells if cell.cell_type == kind]


def test_rosetta_notebook_writes_a_valid_notebook_of_the_concept(tmp_path, capsys, registry):
    assert main(["notebook", "conv2d", "--out", str(tmp_path / "nb")]) == 0
    path = tmp_path / "nb" / "conv2d.ipynb"
    assert str(path) in capsys.readouterr().out
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    markdown, code = "\n".join(sources(notebook, "markdown")), sources(notebook, "code")
    concept = registry["conv2d"]
    assert concept.summary in markdown and concept.tutorial in markdown
    assert f"$$\n{concept.forward_math.strip()}\n$$" in markdown and f"$$\n{concept.backward_math.strip()}\n$$" in markdown
    assert "def conv2d_forward(" in code[0] and "def conv2d_backward(" in code[0]
    for label in ("PyTorch", "TensorFlow", "JAX", "PaddlePaddle"):
        assert f"### {label}\n\n```python\n" in markdown  # each framework's source, shown, not run here
    comparison = next(c for c in code if "run_sample" in c)
    assert "WorkerPool()" in comparison and AGREE_LINE in comparison
    for cell in code:  # the kernel never imports a framework: TensorFlow and Paddle cannot share a process
        assert not re.search(r"^\s*(import|from)\s+(torch|tensorflow|keras|jax|paddle)\b", cell, flags=re.M), cell


def test_the_chinese_notebook_explains_in_chinese(registry):
    notebook = build_notebook(registry["sigmoid"], "zh")
    markdown = "\n".join(sources(notebook, "markdown"))
    zh = language("zh")
    assert zh.gettext(registry["sigmoid"].summary) in markdown
    assert "## 运行比较" in markdown and "NumPy 手写版本" in markdown
    assert zh.gettext(AGREE_LINE) in "\n".join(sources(notebook, "code"))


@pytest.mark.parametrize("lang, expected", [("en", "mismatched 1 / 3; worst at (0): 1.5 vs 2"),
                                             ("zh", "3 个元素中有 1 个不一致")])
def test_the_comparison_cell_prints_a_failed_rows_detail_in_the_notebooks_language(
        registry, monkeypatch, capsys, lang, expected):
    from contextlib import nullcontext

    from comparisons import harness
    from comparisons.agreement import Agreement
    from comparisons.witnesses import pool

    concept = registry["sigmoid"]
    sample = next(iter(concept.samples(np.random.default_rng(0))))
    detail = "mismatched 1 / 3; worst at (0): 1.5 vs 2"
    record = harness._record(concept, sample.name, "float64", 0, "out", "numpy", "torch",
                             concept.tolerance_for("float64"), Agreement("disagree", "(3,)", detail=detail))
    monkeypatch.setattr(harness, "run_sample", lambda *args: harness.RunResult([record]))
    monkeypatch.setattr(pool, "WorkerPool", nullcontext)
    (cell,) = [c.source for c in build_notebook(concept, lang).cells if "run_sample" in c.source]
    exec(cell, {"samples": [sample], "concept": concept, "SEED": 0})  # noqa: S102 - the notebook's own cell
    printed = capsys.readouterr().out
    assert expected in printed
    assert (detail in printed) == (lang == "en")


def test_unknown_concept_or_unwritable_folder_exit_2_in_one_line(tmp_path, capsys):
    assert main(["notebook", "no_such_concept", "--out", str(tmp_path)]) == 2
    (tmp_path / "a-file").write_text("")
    assert main(["notebook", "sigmoid", "--out", str(tmp_path / "a-file")]) == 2
    assert main(["notebook", "sigmoid", "--out", str(tmp_path / "a-file" / "below")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("rosetta: error: ") for line in err)
    assert "no_such_concept" in err[0]


def test_every_numpy_cell_runs_on_its_own(registry):
    """The NumPy cell of every concept carries the imports and helpers its functions need."""
    for concept in registry.values():
        functions = [f for f in concept.reference if f is not None]
        namespace: dict = {}
        exec(compile(self_contained_source(functions), f"<{concept.name}>", "exec"), namespace)  # noqa: S102
        for function in functions:
            assert callable(namespace[function.__name__]), concept.name


def test_plots_go_to_activations_and_training_concepts(registry):
    assert elementwise_input(registry["sigmoid"]) == "x"
    assert elementwise_input(registry["softmax"]) is None  # normalises over an axis: not a 1-D function
    assert elementwise_input(registry["conv2d"]) is None

    def plot_cells(name):
        return [c for c in sources(build_notebook(registry[name]), "code") if "plots.line_chart" in c]

    assert len(plot_cells("sigmoid")) == 1 and len(plot_cells("xor_network_training")) == 1
    assert "result.curves" in plot_cells("xor_network_training")[0]
    assert plot_cells("conv2d") == []


@pytest.fixture(scope="session")
def kernel_path(tmp_path_factory):
    """A ``python3`` kernelspec for this interpreter, first on JUPYTER_PATH for this session."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Rosetta tests)",
        "language": "python",
        "env": {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    }))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(root))
        from jupyter_client.kernelspec import KernelSpecManager

        assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
        yield root


@pytest.mark.parametrize("name", EXECUTED)
def test_the_notebook_runs_every_cell_and_reports_agreement(kernel_path, tmp_path, registry, name):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    assert main(["notebook", name, "--out", str(tmp_path)]) == 0
    path = tmp_path / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{name}: a cell failed:\n{str(error)[-3000:]}")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    comparison = next(cell for cell in code if "run_sample" in cell.source)
    printed = "".join(o.get("text", "") for o in comparison.outputs if o.output_type == "stream")
    assert printed.rstrip().splitlines()[-1] == AGREE_LINE, printed[-2000:]
    assert re.search(r"numpy ~ torch\s+\d+\s+agree", printed)
    plots = [cell for cell in code if "plots.line_chart" in cell.source]
    assert len(plots) == (0 if name == "conv2d" else 1)  # a loss curve, or f and f' of a 1-D activation
    for plot in plots:
        html = "".join(o.get("data", {}).get("text/html", "") for o in plot.outputs if o.output_type == "display_data")
        assert "<svg" in html and html.count("<polyline") >= 2
