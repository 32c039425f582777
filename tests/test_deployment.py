"""Exported ONNX models: valid files that reproduce the NumPy network, and graceful absence."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from comparisons.concepts.deployment import NETWORKS
from comparisons.export import describe, export_networks, network_weights
from reference.deployment import dense_network_forward
from reference.networks import binary_table, digits_data

# One process sets up the module fixture (--dist loadgroup), not each of them.
pytestmark = pytest.mark.xdist_group("deployment")

HELD_OUT = {"digits_mlp": lambda: digits_data(0)["x_test"][:32], "three_layer_network": lambda: binary_table()[0]}


def by_name(weights):
    """The two layers' weights as the keyword arguments every forward pass takes."""
    w1, b1, w2, b2 = weights
    return {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """network -> {path: why it is missing}: the files of its three exporters."""
    names = ("digits_mlp", "three_layer_network")
    written = export_networks(names, tmp_path_factory.mktemp("models"), "float32")
    assert len(written) == 3 * len(names)
    return {name: {path: problem for path, problem in written.items() if path.name.split(".")[0] == name} for name in names}


@pytest.mark.parametrize("name", ["digits_mlp", "three_layer_network"])
def test_every_exporter_writes_a_checked_model_that_reproduces_numpy(exported, name):
    from comparisons.export import check_model

    weights, activations = network_weights(name, "float32")
    x = HELD_OUT[name]().astype(np.float32)
    expected = dense_network_forward(x, **by_name(weights), activations=activations)[0]["out"]
    for path, problem in exported[name].items():
        assert not problem, f"{path}: {problem}"
        probabilities = check_model(path, x)
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6, err_msg=str(path))


def test_the_numpy_built_graph_is_gemm_and_activation_nodes(exported):
    path = next(p for p in exported["digits_mlp"] if p.name == "digits_mlp.onnx")
    nodes = describe(path.read_bytes())
    assert [n["op"] for n in nodes] == ["Gemm", "Relu", "Gemm", "Softmax"]
    assert "('N', 10)" in nodes[-1]["outputs"][0]


def test_the_exported_digits_classifier_is_accurate_on_held_out_digits():
    weights, activations = network_weights("digits_mlp", "float64")
    data = digits_data(0)
    prediction = dense_network_forward(data["x_test"], **by_name(weights), activations=activations)[0]["prediction"]
    assert np.mean(prediction == data["y_test"]) > 0.9


def test_the_harness_process_imports_no_framework(tmp_path):
    """Frameworks run in their workers only: the exports of the trained networks as well."""
    code = (
        "import sys\n"
        "from comparisons.cli import main\n"
        "status = main(['run', '--concept', 'onnx_inference', '--dtype', 'float32', '--framework', 'onnx', "
        f"'--out', {str(tmp_path)!r}])\n"
        "print(sorted(m for m in ('torch', 'tensorflow', 'keras', 'jax', 'paddle', 'tf2onnx') if m in sys.modules))\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    written = sorted(path.name for path in (tmp_path / "models").iterdir())
    assert written == sorted(f"{name}{suffix}.onnx" for name in NETWORKS for suffix in ("", ".torch", ".tf"))


HIDDEN = ("onnxruntime", "tf2onnx")


def test_without_onnxruntime_its_witnesses_are_skipped(tmp_path):
    # Hidden from every process, the witness workers included (they are spawned: a
    # sys.modules entry in this process would not reach them), as if not installed.
    hide = tmp_path / "hide"
    hide.mkdir()
    # Every finder answers "not found" for them, as when they are not installed (a finder that
    # raised instead would break torch, which looks for onnxruntime with find_spec).
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class Hiding:\n"
        "    def __init__(self, finder):\n"
        "        self.finder = finder\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {HIDDEN!r}:\n"
        "            return None\n"
        "        find = getattr(self.finder, 'find_spec', None)\n"
        "        return find(name, path, target) if find else None\n"
        "    def __getattr__(self, attribute):\n"
        "        return getattr(self.finder, attribute)\n"
        "sys.meta_path[:] = [Hiding(finder) for finder in sys.meta_path]\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "comparisons", "run", "--concept", "onnx_inference", "--dtype", "float64", "--framework", "onnx", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(out / "results.csv")
    uses_ort = rows.witness_a.str.startswith("onnxruntime") | rows.witness_b.str.startswith("onnxruntime")
    assert uses_ort.any()
    assert set(rows[uses_ort].verdict) == {"skipped"}
    assert all(any(f"{package} is not installed" in detail for package in HIDDEN) for detail in rows[uses_ort].detail)
    assert set(rows[~uses_ort].verdict) == {"agree"}
    assert "onnx-reference" in set(rows[~uses_ort].witness_b)  # the onnx package's evaluator needs no onnxruntime
