"""``rosetta bench``: timings through the witness adapters, ratios, atomic output files."""

import dataclasses
import io
import json

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from comparisons import bench
from comparisons.registry import Sample
from comparisons.witnesses.adapter import THREADS
from comparisons.witnesses.torch_adapter import TorchAdapter


def tiny_benchmarks(rng):
    yield Sample("tiny", lambda rng: {"x": rng.standard_normal((1, 2, 4, 4))}, {"kernel_size": 2})


@pytest.fixture
def tiny_pool(registry):
    return dataclasses.replace(registry["max_pool2d"], benchmarks=tiny_benchmarks)


def test_default_set_holds_the_issue_benchmarks(registry):
    names = {c.name for c in bench.default_concepts()}
    assert {"conv2d", "max_pool2d"} <= names
    (conv_sample,) = registry["conv2d"].benchmarks(np.random.default_rng(0))
    inputs = conv_sample.draw(np.random.default_rng(0))
    assert inputs["x"].shape == (8, 64, 32, 32) and inputs["w"].shape == (64, 64, 3, 3)
    assert conv_sample.params == {"padding": 1}


def test_median_counts_one_warm_up_and_the_repeats():
    calls = []
    seconds = bench.median_seconds(lambda: calls.append(1), repeats=5)
    assert len(calls) == 6 and seconds >= 0


def test_bench_writes_csv_and_json_with_torch_as_the_unit(tiny_pool, tmp_path):
    console = Console(file=io.StringIO(), width=120)
    assert bench.bench_main([tiny_pool], repeats=1, out=tmp_path, console=console) == 0
    table = pd.read_csv(tmp_path / "bench.csv")
    assert list(table.columns) == [f.name for f in dataclasses.fields(bench.Timing)]
    assert set(table.threads) == set(bench.THREAD_COUNTS)
    # torch and TensorFlow are dependencies of Rosetta: both are always timed, TensorFlow
    # only at the thread count its pools were fixed to when it was imported
    assert set(table[table.witness == "numpy"].threads) == set(bench.THREAD_COUNTS)
    torch_rows = table[table.witness == "torch"]
    assert sorted(torch_rows.threads) == sorted(bench.THREAD_COUNTS)
    assert list(table[table.witness == "tensorflow"].threads) == [THREADS]
    assert set(table.witness) == {"numpy", "torch", "tensorflow"}  # max_pool2d has no bench floor
    assert (table.seconds > 0).all()
    assert np.allclose(torch_rows.ratio_to_torch, 1.0)
    by_threads = torch_rows.set_index("threads").seconds
    for witness in ("numpy", "tensorflow"):
        rows = table[table.witness == witness].set_index("threads")
        np.testing.assert_allclose(rows.ratio_to_torch, rows.seconds / by_threads[rows.index])
    assert len(json.loads((tmp_path / "bench.json").read_text())) == len(table)
    assert "numpy / torch" in console.file.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-blas.json", "bench.csv", "bench.html", "bench.json"]
    libraries = json.loads((tmp_path / "bench-blas.json").read_text())
    assert libraries and all("architecture" in b and "OPENBLAS_CORETYPE" in b for b in libraries)  # the kernel family
    assert f"BLAS: {libraries[0]['internal_api']} {libraries[0]['version']}" in console.file.getvalue()


def test_concepts_without_benchmarks_are_reported_not_timed(registry, tmp_path):
    plain = dataclasses.replace(registry["max_pool2d"], benchmarks=None)
    console = Console(file=io.StringIO())
    assert bench.bench_main([plain], repeats=1, out=tmp_path, console=console) == 0
    assert "no benchmark" in console.file.getvalue()
    assert not list(tmp_path.iterdir())


def test_write_atomically_replaces_and_cleans_up(tmp_path):
    target = tmp_path / "bench.csv"
    target.write_text("old")
    bench.write_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["bench.csv"]


def test_thread_limit_restores_the_run_setting():
    adapter = TorchAdapter()
    adapter.setup()
    torch = adapter.torch
    assert torch.get_num_threads() == THREADS
    with bench.thread_limit(2, {"torch": adapter}):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == THREADS


def tiny_conv_benchmarks(rng):
    yield Sample("tiny", lambda rng: {"x": rng.standard_normal((2, 4, 6, 6)), "w": rng.standard_normal((6, 2, 3, 3)),
                                      "b": rng.standard_normal(6)}, {"padding": 1, "groups": 2})


def test_a_bench_floor_adds_a_matmul_row_per_thread_count(registry, tmp_path):
    tiny_conv = dataclasses.replace(registry["conv2d"], benchmarks=tiny_conv_benchmarks)
    console = Console(file=io.StringIO(), width=200)
    assert bench.bench_main([tiny_conv], repeats=1, out=tmp_path, console=console) == 0
    table = pd.read_csv(tmp_path / "bench.csv")
    assert set(table[table.witness == bench.FLOOR].threads) == set(bench.THREAD_COUNTS)
    assert f"{bench.FLOOR} / torch" in console.file.getvalue()


class MatmulRecorder:
    """Stands in for the numpy module inside reference.conv and records every matmul's operand shapes."""

    def __init__(self):
        self.shapes = []

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, a, b, **kwargs):
        self.shapes.append((a.shape, b.shape))
        return np.matmul(a, b, **kwargs)


@pytest.mark.parametrize("params", [{"padding": 1}, {"stride": 2, "groups": 2}, {"dilation": 2, "padding": "same"}])
def test_the_conv2d_floor_runs_exactly_the_products_of_forward_and_backward(monkeypatch, params):
    from reference import conv

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 9, 9)), rng.standard_normal((6, 4 // params.get("groups", 1), 3, 3)), np.zeros(6)
    run = conv.conv2d_matmuls(x, w, b, **params)
    recorder = MatmulRecorder()
    monkeypatch.setattr(conv, "np", recorder)
    out, cache = conv.conv2d_forward(x, w, b, **params)
    conv.conv2d_backward(out, cache)
    products, recorder.shapes = recorder.shapes, []
    run()
    assert sorted(recorder.shapes) == sorted(products)


def test_layer_norm_benchmark_is_a_bert_base_activation(registry):
    assert "layer_norm" in {c.name for c in bench.default_concepts()}
    (sample,) = registry["layer_norm"].benchmarks(np.random.default_rng(0))
    inputs = sample.draw(np.random.default_rng(0))
    assert inputs["x"].shape == (32, 128, 768) and inputs["gamma"].shape == inputs["beta"].shape == (768,)
