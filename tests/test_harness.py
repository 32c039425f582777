"""The harness sees planted bugs and survives broken witnesses."""

import dataclasses
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from comparisons import harness
from comparisons.agreement import AGREE, DISAGREE, ERROR, EXPECTED_DIVERGENCE, SKIPPED
from comparisons.registry import LazyFunction, Sample, concept_rng, sample_rng
from comparisons.witnesses.pool import WorkerPool
from reference import activations

SAMPLE = Sample("matrix", lambda rng: {"x": rng.standard_normal((3, 4))})


def sigmoid_with(registry, implementations=None, **changes):
    """The registered sigmoid with some parts replaced, checked on one small sample (no catalog entries)."""
    concept = registry["sigmoid"]
    return dataclasses.replace(
        concept, samples=lambda rng: [SAMPLE], divergences=(),
        implementations={**concept.implementations, **(implementations or {})}, **changes,
    )


def planted(name):
    return LazyFunction(f"planted:{name}")


def verdicts(records, witness):
    return {r.verdict for r in records if witness in (r.witness_a, r.witness_b)}


def compared_with(records, witness):
    """The rows of a witness whose other side ran (a pair with a skipped witness is skipped first)."""
    rows = [r for r in records if witness in (r.witness_a, r.witness_b) and r.verdict != SKIPPED]
    assert rows, f"no row of {witness} was compared"
    return rows


def test_planted_backward_bug_is_seen_by_every_other_witness(registry, pool):
    def backward_off_by_a_little(dout, cache):
        return activations.sigmoid_backward(dout, cache) * 1.001

    concept = sigmoid_with(registry, reference=(activations.sigmoid_forward, backward_off_by_a_little))
    records = harness.run_concept(concept, "float64", 0, pool).records
    numpy_rows = {(r.witness_b, r.quantity): r.verdict for r in records if r.witness_a == "numpy"}
    assert numpy_rows[("torch", "dx")] == DISAGREE
    assert numpy_rows[("tensorflow", "dx")] == DISAGREE
    assert numpy_rows[("finite-diff", "dx")] == DISAGREE
    assert numpy_rows[("torch", "out")] == AGREE  # the forward pass is untouched
    assert verdicts([r for r in records if "numpy" not in (r.witness_a, r.witness_b)], "torch") <= {AGREE, SKIPPED}


def test_a_witness_that_raises_becomes_error_rows_and_the_rest_still_agree(registry, pool):
    records = harness.run_concept(sigmoid_with(registry, {"torch": planted("raises")}), "float32", 0, pool).records
    torch_rows = compared_with(records, "torch")
    assert {r.verdict for r in torch_rows} == {ERROR}
    assert all("planted failure" in r.detail for r in torch_rows)
    assert verdicts([r for r in records if r not in torch_rows], "numpy") <= {AGREE, SKIPPED}


@pytest.mark.parametrize(
    "framework, crash, expected",
    [("torch", "segfaults", "signal 11 (SIGSEGV)"), ("torch", "exits", "exit code 3"),
     ("paddle", "segfaults", "signal 11 (SIGSEGV)")],
)
def test_a_worker_that_dies_becomes_error_rows_and_is_restarted(registry, framework, crash, expected):
    with WorkerPool() as pool:
        records = harness.run_concept(sigmoid_with(registry, {framework: planted(crash)}), "float32", 0, pool).records
        dead_rows = compared_with(records, framework)
        assert {r.verdict for r in dead_rows} == {ERROR}
        assert all(f"{framework} worker died: {expected}" in r.detail for r in dead_rows)
        assert verdicts([r for r in records if r not in dead_rows], "numpy") <= {AGREE, SKIPPED}
        # The next concept gets a fresh worker and agrees again.
        again = harness.run_concept(sigmoid_with(registry), "float32", 0, pool).records
        assert verdicts(again, framework) == {AGREE}
        assert pool.worker(framework).starts == 2


def test_a_hanging_witness_is_killed_at_the_time_limit(registry):
    with WorkerPool() as pool:
        start = time.perf_counter()
        config = harness.RunConfig(timeout=3.0)
        records = harness.run_concept(sigmoid_with(registry, {"tensorflow": planted("hangs")}), "float32", 0, pool, config).records
        assert time.perf_counter() - start < 60
        tf_rows = compared_with(records, "tensorflow")
        assert {r.verdict for r in tf_rows} == {ERROR}
        assert all("tensorflow worker killed after the time limit of 3 s" in r.detail for r in tf_rows)
        assert verdicts([r for r in records if r not in tf_rows], "numpy") <= {AGREE, SKIPPED}


def test_a_missing_module_inside_an_implementation_is_an_error_not_a_skip(registry, pool):
    records = harness.run_concept(sigmoid_with(registry, {"torch": planted("imports_a_missing_package")}), "float32", 0, pool).records
    torch_rows = compared_with(records, "torch")
    assert {r.verdict for r in torch_rows} == {ERROR}
    assert all("torchvision_is_not_here" in r.detail for r in torch_rows)


def test_only_a_package_the_concept_declares_optional_may_skip(registry, pool):
    concept = sigmoid_with(
        registry, {"torch": planted("imports_an_optional_package")}, optional_packages=("onnxruntime_planted_missing",)
    )
    records = harness.run_concept(concept, "float32", 0, pool).records
    torch_rows = [r for r in records if "torch" in (r.witness_a, r.witness_b)]
    assert {r.verdict for r in torch_rows} == {SKIPPED}
    assert all("onnxruntime_planted_missing is not installed" in r.detail for r in torch_rows if "torch:" in r.detail)


@pytest.mark.parametrize(
    "wrong, expected",
    [("torch_sigmoid_wrong_shape", "shape mismatch"), ("torch_sigmoid_wrong_dtype", "dtype mismatch"),
     ("torch_sigmoid_nan", "NaN")],
    ids=["wrong-shape", "wrong-dtype", "nan"],
)
def test_wrong_results_are_disagreements_with_a_clear_detail(registry, pool, wrong, expected):
    records = harness.run_concept(sigmoid_with(registry, {"torch": planted(wrong)}), "float32", 0, pool).records
    row = next(r for r in records if (r.witness_a, r.witness_b, r.quantity) == ("numpy", "torch", "out"))
    assert row.verdict == DISAGREE
    assert expected in row.detail


def test_a_concept_without_a_framework_version_is_skipped_with_its_reason(registry, pool):
    concept = sigmoid_with(registry, implementations={}, no_version={"tensorflow": "planted: no honest version"})
    concept = dataclasses.replace(concept, implementations={k: v for k, v in concept.implementations.items() if k != "tensorflow"})
    records = harness.run_concept(concept, "float64", 0, pool).records
    tf_rows = [r for r in records if "tensorflow" in (r.witness_a, r.witness_b)]
    assert {r.verdict for r in tf_rows} == {SKIPPED}
    assert all("planted: no honest version" in r.detail for r in tf_rows if "tensorflow:" in r.detail)
    assert verdicts([r for r in records if r not in tf_rows], "numpy") <= {AGREE, SKIPPED}


def test_inputs_reach_every_witness_by_name_whatever_their_order(registry, pool):
    concept = registry["linear"]
    sample = next(iter(concept.samples(concept_rng(0, "linear"))))
    reversed_sample = dataclasses.replace(
        sample, inputs=lambda rng: dict(reversed(list(sample.draw(rng).items())))
    )
    forward = harness.run_sample(concept, sample, "float64", 0, pool).records
    backward = harness.run_sample(concept, reversed_sample, "float64", 0, pool).records
    assert [(r.quantity, r.witness_a, r.witness_b, r.verdict) for r in forward] == \
        [(r.quantity, r.witness_a, r.witness_b, r.verdict) for r in backward]
    assert {r.verdict for r in forward} <= {AGREE, SKIPPED}


def hidden_package_run(tmp_path, package, frameworks):
    """``rosetta run --concept sigmoid`` of ``frameworks`` with ``package`` hidden from every process (as if not installed)."""
    hide = tmp_path / "hide"
    hide.mkdir()
    # None in sys.modules: importing it raises ModuleNotFoundError and find_spec says it is not there.
    (hide / "sitecustomize.py").write_text(f"import sys\nsys.modules[{package!r}] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "comparisons", "run", "--concept", "sigmoid", "--out", str(out),
         *(f"--framework={name}" for name in frameworks)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    import pandas as pd

    return result, pd.read_csv(out / "results.csv") if (out / "results.csv").is_file() else None


def test_a_required_framework_that_cannot_be_imported_gives_error_rows(tmp_path):
    result, rows = hidden_package_run(tmp_path, "tensorflow", ("torch", "tensorflow"))
    assert result.returncode == 1, result.stderr
    with_tf = rows[(rows.witness_a == "tensorflow") | (rows.witness_b == "tensorflow")]
    assert len(with_tf) and set(with_tf[with_tf["mapping"].isna()].verdict) == {ERROR}
    assert set(rows.drop(with_tf.index).verdict) <= {AGREE, SKIPPED, EXPECTED_DIVERGENCE}


@pytest.mark.parametrize("package, framework", [("jax", "jax"), ("paddle", "paddle")])
def test_an_optional_framework_that_is_not_installed_gives_skipped_rows(tmp_path, package, framework):
    result, rows = hidden_package_run(tmp_path, package, ("torch", framework))
    assert result.returncode == 0, result.stderr
    with_it = rows[(rows.witness_a == framework) | (rows.witness_b == framework)]
    assert len(with_it) and set(with_it.verdict) == {SKIPPED}
    assert all(f"{package} is not installed (pip install 'rosetta[{framework}]')" in d for d in with_it.detail)
    assert set(rows.drop(with_it.index).verdict) <= {AGREE, EXPECTED_DIVERGENCE}


def test_same_seed_draws_the_same_bits_in_another_process(registry):
    """Seeds come from crc32 of names, never from Python's per-process salted hash()."""
    code = (
        "from comparisons.registry import load_all, concept_rng, sample_rng\n"
        "import hashlib\n"
        "for name, c in sorted(load_all().items()):\n"
        "    for s in c.samples(concept_rng(3, name)):\n"
        "        inputs = s.draw(sample_rng(3, name, s.name))\n"
        "        print(name, s.name, hashlib.sha256(b''.join(v.tobytes() for v in inputs.values())).hexdigest())\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(salt), "PATH": ""}).stdout
        for salt in (1, 2)
    ]
    assert runs[0] == runs[1] and runs[0].count("\n") >= len(registry)


def test_different_seeds_draw_different_inputs(registry):
    concept = registry["linear"]
    sample = next(iter(concept.samples(concept_rng(0, "linear"))))
    a = sample.draw(sample_rng(0, "linear", sample.name))
    b = sample.draw(sample_rng(1, "linear", sample.name))
    assert not np.array_equal(a["x"], b["x"])


def test_inputs_are_cast_once_and_every_witness_gets_the_same_bits():
    raw = {"x": np.array([0.1, 1 / 3]), "target": np.array([1, 2])}
    cast = harness.cast_inputs(raw, "float32")
    assert cast["x"].dtype == np.float32 and cast["target"].dtype == raw["target"].dtype
    assert np.array_equal(cast["x"], raw["x"].astype(np.float32))


def test_unknown_names_are_usage_errors():
    with pytest.raises(harness.UsageError, match="unknown concept 'nope'"):
        harness.select(["nope"])
    with pytest.raises(harness.UsageError, match="unknown family"):
        harness.select(families=["nope"])
    with pytest.raises(harness.UsageError, match="unknown dtype"):
        harness.check_dtypes(["float16"])


def test_a_training_run_returns_its_loss_curves_beside_the_records(registry, pool):
    concept = registry["xor_network_training"]
    sample = next(iter(concept.samples(concept_rng(0, concept.name))))
    result = harness.run_sample(concept, sample, "float64", 0, pool)
    curves = result.curves[concept.name]
    assert {"numpy", "torch", "tensorflow"} <= set(curves)
    steps = {len(curve) for curve in curves.values()}
    assert len(steps) == 1 and steps.pop() > 1
    sigmoid = registry["sigmoid"]
    assert harness.run_sample(sigmoid, next(iter(sigmoid.samples(concept_rng(0, "sigmoid")))), "float64", 0, pool).curves == {}


def test_a_framework_that_draws_its_own_mask_is_compared_with_the_reference_on_that_mask(registry, pool):
    dropout = registry["dropout"]
    records = harness.run_concept(dropout, "float64", 0, pool).records
    compared = {(r.witness_a, r.witness_b) for r in records if not r.mapping}
    assert ("numpy", "torch") in compared and ("numpy", "paddle") in compared
    assert not {("torch", "tensorflow"), ("torch", "finite-diff"), ("jax", "paddle")} & compared
    assert all(r.verdict == "agree" for r in records if not r.mapping and r.witness_a == "numpy")


@pytest.mark.parametrize("planted_dropout, verdict, detail", [
    ("torch_dropout_unscaled", "disagree", "mismatched"),
    ("torch_dropout_without_its_mask", "error", "did not return the mask it drew"),
])
def test_a_wrong_built_in_dropout_is_seen(registry, pool, planted_dropout, verdict, detail):
    dropout = dataclasses.replace(registry["dropout"], implementations={"torch": planted(planted_dropout)}, divergences=())
    records = harness.run_concept(dropout, "float32", 0, pool, harness.RunConfig(frameworks=("torch",))).records
    torch_rows = [r for r in records if r.witness_b == "torch" and r.quantity == "out"]
    assert torch_rows and all(r.verdict == verdict and detail in r.detail for r in torch_rows)


def test_the_reference_runs_with_the_frameworks_thread_count(registry, monkeypatch):
    """OpenBLAS threads spin while they wait for a core: the workers need those cores."""
    from threadpoolctl import threadpool_info

    seen = []
    forward, backward = registry["sigmoid"].reference

    def counting_forward(**inputs):
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        return forward(**inputs)

    concept = sigmoid_with(registry, reference=(counting_forward, backward))
    monkeypatch.setattr(harness, "load_all", lambda: {**registry, "sigmoid": concept})
    harness.run([concept], ["float64"], config=harness.RunConfig(frameworks=()))
    assert seen and all(threads == {harness.THREADS} for threads in seen)


@pytest.mark.parametrize("shape", [(4, 8), (6, 10), (20, 20)], ids=["whole-gradient", "projected", "projected-large"])
def test_finite_differences_see_one_wrong_element_of_a_gradient(registry, pool, shape):
    """Small inputs get every element of the gradient; larger ones (over the full-gradient
    limit) only projections, which must still see a single element that is off."""
    from comparisons import finite_diff

    def one_element_wrong(dout, cache):
        dx = activations.sigmoid_backward(dout, cache).copy()
        dx.flat[7] *= 0.99
        return dx

    sample = Sample("matrix", lambda rng: {"x": rng.standard_normal(shape)})
    assert (np.prod(shape) > finite_diff.FULL_GRADIENT_LIMIT) == (shape != (4, 8))

    def verdict(backward):
        concept = dataclasses.replace(
            sigmoid_with(registry, reference=(activations.sigmoid_forward, backward)), samples=lambda rng: [sample]
        )
        records = harness.run_concept(concept, "float64", 0, pool, harness.RunConfig(frameworks=())).records
        return {(r.witness_b, r.quantity): r.verdict for r in records}[("finite-diff", "dx")]

    assert verdict(activations.sigmoid_backward) == AGREE
    assert verdict(one_element_wrong) == DISAGREE
