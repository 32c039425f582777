"""The harness sees planted bugs and survives broken witnesses."""

import dataclasses
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from comparisons import harness
from comparisons.agreement import AGREE, DISAGREE, ERROR, SKIPPED
from comparisons.registry import Sample, concept_rng, sample_rng
from reference import activations

SAMPLE = Sample("matrix", lambda rng: {"x": rng.standard_normal((3, 4))})


def sigmoid_with(registry, **changes):
    """The registered sigmoid with some parts replaced, checked on one small sample (no catalog entries)."""
    return dataclasses.replace(registry["sigmoid"], samples=lambda rng: [SAMPLE], divergences=(), **changes)


def verdicts(records, witness):
    return {r.verdict for r in records if witness in (r.witness_a, r.witness_b)}


def test_planted_backward_bug_is_seen_by_every_other_witness(registry):
    def backward_off_by_a_little(dout, cache):
        return activations.sigmoid_backward(dout, cache) * 1.001

    concept = sigmoid_with(registry, reference=(activations.sigmoid_forward, backward_off_by_a_little))
    records = harness.run_concept(concept, "float64", 0)
    numpy_rows = {(r.witness_b, r.quantity): r.verdict for r in records if r.witness_a == "numpy"}
    assert numpy_rows[("torch", "dx")] == DISAGREE
    assert numpy_rows[("tensorflow", "dx")] == DISAGREE
    assert numpy_rows[("finite-diff", "dx")] == DISAGREE
    assert numpy_rows[("torch", "out")] == AGREE  # the forward pass is untouched
    assert verdicts([r for r in records if "numpy" not in (r.witness_a, r.witness_b)], "torch") == {AGREE}


def test_a_witness_that_raises_becomes_error_rows_and_the_rest_still_agree(registry):
    def broken(x):
        raise RuntimeError("planted failure")

    records = harness.run_concept(sigmoid_with(registry, torch=broken), "float32", 0)
    torch_rows = [r for r in records if "torch" in (r.witness_a, r.witness_b)]
    assert {r.verdict for r in torch_rows} == {ERROR}
    assert all("planted failure" in r.detail for r in torch_rows)
    assert verdicts([r for r in records if r not in torch_rows], "numpy") == {AGREE}


def test_a_hanging_witness_is_cut_off_as_a_timeout(registry, monkeypatch):
    monkeypatch.setattr(harness, "TIME_LIMIT", 0.5)

    def hangs(x):
        time.sleep(60)

    start = time.perf_counter()
    records = harness.run_concept(sigmoid_with(registry, tensorflow=hangs), "float32", 0)
    assert time.perf_counter() - start < 30
    tf_rows = [r for r in records if "tensorflow" in (r.witness_a, r.witness_b)]
    assert {r.verdict for r in tf_rows} == {ERROR}
    assert all("timeout" in r.detail for r in tf_rows)


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda x: x[:-1], "shape mismatch"),
        (lambda x: x.double(), "dtype mismatch"),
        (lambda x: x * float("nan"), "NaN"),
    ],
    ids=["wrong-shape", "wrong-dtype", "nan"],
)
def test_wrong_results_are_disagreements_with_a_clear_detail(registry, wrong, expected):
    import torch

    records = harness.run_concept(sigmoid_with(registry, torch=lambda x: wrong(torch.sigmoid(x))), "float32", 0)
    row = next(r for r in records if (r.witness_a, r.witness_b, r.quantity) == ("numpy", "torch", "out"))
    assert row.verdict == DISAGREE
    assert expected in row.detail


def test_a_concept_without_a_framework_version_is_skipped(registry):
    records = harness.run_concept(sigmoid_with(registry, tensorflow=None), "float64", 0)
    assert verdicts(records, "tensorflow") == {SKIPPED}
    assert verdicts([r for r in records if "tensorflow" not in (r.witness_a, r.witness_b)], "numpy") == {AGREE}


def test_tensorflow_that_cannot_be_imported_gives_skipped_rows(tmp_path):
    script = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from comparisons.cli import main\n"
        f"sys.exit(main(['run', '--concept', 'sigmoid', '--out', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    import pandas as pd

    rows = pd.read_csv(tmp_path / "results.csv")
    with_tf = rows[(rows.witness_a == "tensorflow") | (rows.witness_b == "tensorflow")]
    assert len(with_tf) and set(with_tf.verdict) == {SKIPPED}
    assert set(rows.drop(with_tf.index).verdict) == {AGREE}


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


def test_training_records_carry_their_loss_curves_for_the_report(registry):
    concept = registry["xor_network_training"]
    sample = next(iter(concept.samples(concept_rng(0, concept.name))))
    records = harness.run_sample(concept, sample, "float64", 0)
    curves = records[0].curves
    assert {"numpy", "torch", "tensorflow"} <= set(curves)
    steps = {len(curve) for curve in curves.values()}
    assert len(steps) == 1 and steps.pop() > 1
    assert not hasattr(harness.run_sample(registry["sigmoid"], next(iter(registry["sigmoid"].samples(
        concept_rng(0, "sigmoid")))), "float64", 0)[0], "curves")
