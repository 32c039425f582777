"""The ``rosetta`` command: exit codes, one-line errors, reports written whole or not at all."""

import dataclasses
import os
import subprocess
import sys

import pandas as pd
import pytest

from comparisons import cli
from comparisons.harness import TIMING_COLUMNS
from comparisons.registry import REGISTRY
from comparisons.witnesses import FRAMEWORKS, ONNX
from reference import activations

REPORT_FILES = ("results.csv", "summary.csv", "environment.json", "index.html", "divergences.html")

INSTALLED = tuple(name for name, f in FRAMEWORKS.items() if name != ONNX and (f.required or not f.missing_reason()))
"""The framework witnesses of a run here: the required ones (missing would be an error) and the optional ones installed."""


def run_cli(*args):
    """Run ``python -m comparisons ARGS`` (the ``rosetta`` command) with this interpreter."""
    return subprocess.run([sys.executable, "-m", "comparisons", *args], capture_output=True, text=True, timeout=600)


def test_a_clean_run_writes_every_report_file_and_exits_0(tmp_path, registry):
    result = run_cli("run", "--concept", "sigmoid", "--seeds", "1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in REPORT_FILES:
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "concepts" / "sigmoid.html").is_file()
    rows = pd.read_csv(tmp_path / "results.csv")
    assert {"jax", "paddle"} <= set(FRAMEWORKS)  # optional witnesses, compared wherever they are installed
    assert set(rows.witness_a) | set(rows.witness_b) == {"numpy", *INSTALLED, "finite-diff"}
    catalog = rows["mapping"].isin(["naive", "faithful"])
    assert rows[~catalog]["mapping"].isna().all()  # an empty cell for every row that is not a catalog entry's
    entries = {d.id for d in registry["sigmoid"].divergences}
    assert entries and set(rows[catalog]["sample"]) == entries  # catalog rows are named by the entry id
    for entry in entries:
        assert sorted(rows[catalog & (rows["sample"] == entry)].mapping) == ["faithful", "naive"], entry
    assert set(rows[~catalog].verdict) == {"agree"}
    assert set(rows[rows["mapping"] == "naive"].verdict) == {"expected-divergence"}
    assert set(rows[rows["mapping"] == "faithful"].verdict) == {"agree"}
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--concept", "nope"], "unknown concept 'nope'"),
        (["run", "--family", "nope"], "unknown family 'nope'"),
        (["run", "--dtype", "float16"], "unknown dtype 'float16'"),
        (["run", "--seeds", "-3"], "--seeds must be between 1"),
        (["run", "--seeds", "100000"], "--seeds must be between 1"),
        (["run", "--seeds", "many"], "--seeds takes a whole number"),
        (["run", "--workers", "0"], "at least 1"),
        (["show", "nope"], "unknown concept 'nope'"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else None,
)
def test_bad_usage_exits_2_with_one_line(args, message, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("rosetta: error:")


def test_unwritable_out_exits_2_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["run", "--concept", "sigmoid", "--out", str(blocker / "reports")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err


def test_unknown_concept_as_a_process_prints_no_traceback():
    result = run_cli("run", "--concept", "nope")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_a_planted_bug_makes_the_run_exit_1(tmp_path, monkeypatch, registry):
    def backward_off_by_a_little(dout, cache):
        return activations.sigmoid_backward(dout, cache) * 1.001

    planted = dataclasses.replace(registry["sigmoid"], reference=(activations.sigmoid_forward, backward_off_by_a_little))
    monkeypatch.setitem(REGISTRY, "sigmoid", planted)
    assert cli.main(["run", "--concept", "sigmoid", "--dtype", "float64", "--framework", "torch", "--out", str(tmp_path)]) == 1
    rows = pd.read_csv(tmp_path / "results.csv")
    assert "disagree" in set(rows[rows.quantity == "dx"].verdict)


@pytest.mark.parametrize("step", ["write_concept_page", "write_html"], ids=["during-the-run", "at-its-end"])
def test_an_interrupted_run_leaves_the_previous_report_intact(tmp_path, monkeypatch, step):
    """Concept pages are written while the run goes on, the rest at its end: neither reaches ``out`` alone."""
    from comparisons.report import html

    assert cli.main(["run", "--concept", "sigmoid", "--dtype", "float64", "--framework", "torch", "--out", str(tmp_path)]) == 0
    files = (*REPORT_FILES, "concepts/sigmoid.html")
    before = {name: (tmp_path / name).read_bytes() for name in files}
    real, calls = getattr(html, step), []

    def interrupted(*args, **kwargs):
        calls.append(step)
        if step == "write_html" or len(calls) == 2:  # a concept's page is written, the next one is not
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(html, step, interrupted)
    run = ["run", "--concept", "linear", "--concept", "relu", "--dtype", "float32", "--framework", "torch"]
    assert cli.main([*run, "--out", str(tmp_path)]) == 130
    assert {name: (tmp_path / name).read_bytes() for name in files} == before
    assert os.listdir(tmp_path / "concepts") == ["sigmoid.html"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".rosetta-")]


def without_timing(path):
    return pd.read_csv(path).drop(columns=list(TIMING_COLUMNS)).to_csv(index=False)


def test_two_runs_give_identical_results_in_separate_processes_and_any_worker_count(tmp_path):
    # One framework is enough: what is under test is the scheduling, not a framework's determinism.
    concepts = ["--concept", "sigmoid", "--concept", "binary_cross_entropy", "--concept", "linear", "--framework", "torch"]
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("run", *concepts, "--seeds", "2", "--out", str(one)).returncode == 0
    assert run_cli("run", *concepts, "--seeds", "2", "--workers", "2", "--out", str(two)).returncode == 0
    assert without_timing(one / "results.csv") == without_timing(two / "results.csv")


def test_list_names_every_concept_and_witness(registry):
    result = run_cli("list")
    assert result.returncode == 0
    out = result.stdout
    lines = out.splitlines()
    for name in registry:
        assert name in out
    assert any(line.startswith("framework numpy: ") and "finite-diff: " in line for line in lines)
    for name, framework in FRAMEWORKS.items():
        (line,) = [line for line in lines if line.startswith(f"framework {name}: ")]
        reason = framework.missing_reason()
        if reason:
            assert not framework.required, f"{name} is a dependency of Rosetta: {reason}"
            assert line == f"framework {name}: unavailable: {reason}"
        else:
            assert line == f"framework {name}: available ({framework.module} {framework.version()})"
    for name in INSTALLED:
        assert f"framework {name}: available (" in out


def test_python_dash_m_comparisons_is_the_same_command():
    result = run_cli("list")
    assert result.returncode == 0 and "sigmoid" in result.stdout


def test_a_family_module_that_fails_to_load_becomes_an_error_row(tmp_path, monkeypatch, capsys, registry):
    from comparisons import concepts, registry as registry_module

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "zz_broken.py").write_text('raise RuntimeError("planted import failure")\n')
    monkeypatch.setattr(concepts, "__path__", [*concepts.__path__, str(plugins)])
    monkeypatch.setattr(registry_module, "LOAD_ERRORS", {})
    monkeypatch.setattr("comparisons.harness.LOAD_ERRORS", registry_module.LOAD_ERRORS)
    monkeypatch.delitem(sys.modules, "comparisons.concepts.zz_broken", raising=False)

    assert registry_module.load_all() == registry  # every working concept is still there
    assert "planted import failure" in registry_module.LOAD_ERRORS["zz_broken"]
    assert cli.main(["run", "--family", "zz_broken", "--out", str(tmp_path / "out")]) == 1
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    (row,) = results.itertuples()
    assert row.concept == "zz_broken" and row.verdict == "error" and "planted import failure" in row.detail
    assert "Traceback" not in capsys.readouterr().err
    assert cli.main(["list"]) == 0
    assert "zz_broken failed to load" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_list_at_80_columns_cuts_nothing(registry, lang):
    result = subprocess.run([sys.executable, "-m", "comparisons", "list", "--lang", lang], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in result.stdout  # summaries fold (Chinese has no spaces), never cut
    for name in registry:
        assert any(name in line.split() for line in lines), name
    if lang == "zh":
        assert "概念" in lines[0] and any(line.startswith("框架 torch：") for line in lines)
