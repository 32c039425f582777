"""``rosetta show NAME``: NumPy and every framework in columns in the terminal, with the latest figures of a run."""

import dataclasses
import itertools

import pandas as pd
import pytest
from rich.console import Console

from comparisons import cli
from comparisons.i18n import language
from comparisons.registry import FRAMEWORKS, load_all, source_of
from comparisons.report.html import FRAMEWORK_LABELS
from comparisons.report.sources import comments
from comparisons.show import latest_figures, show_concept

NAMES = sorted(load_all())


def render(concept, results_dir=None, width=240, lang="en") -> str:
    console = Console(record=True, width=width, color_system=None)
    show_concept(concept, console, results_dir=results_dir, lang=language(lang))
    return console.export_text()


@pytest.mark.parametrize("name", NAMES)
def test_every_concept_shows_a_column_per_framework_side_by_side(registry, name):
    concept = registry[name]
    text = render(concept)
    lines = text.splitlines()
    header = next(line for line in lines if "NumPy (forward" in line)
    assert set(FRAMEWORK_LABELS) == set(FRAMEWORKS)
    for label in FRAMEWORK_LABELS.values():
        assert f"{label} (gradient:" in header, label  # on one line: side by side
    assert concept.name in lines[0]


def test_a_framework_without_a_version_says_why_in_its_column(registry):
    sigmoid = registry["sigmoid"]
    planted = dataclasses.replace(
        sigmoid, implementations={k: v for k, v in sigmoid.implementations.items() if k not in ("jax", "paddle")},
        no_version={"paddle": "planted: no honest version"},
    )
    text = " ".join(render(planted, width=400).split())
    assert "planted: no honest version" in text
    assert "no JAX version" in text  # neither a version nor a reason
    body = {k: source_of(f).strip().splitlines()[-1].strip() for k, f in sigmoid.implementations.items()}
    assert len(set(body.values())) == len(body)  # each framework's line is its own
    assert body["torch"] in text and body["tensorflow"] in text
    assert body["jax"] not in text and body["paddle"] not in text


@pytest.mark.parametrize("name", NAMES)
def test_commented_lines_are_listed_under_their_column(registry, name):
    concept = registry[name]
    text = " ".join(render(concept, width=400).split())
    shown = [f for framework in FRAMEWORKS for f in concept.code_for(framework)]  # what each column shows
    assert shown, f"{name} has no framework version to show"
    for function in shown:
        for line, note in comments(source_of(function)):
            assert f"line {line}: {' '.join(note.split())[:40]}" in text


def test_without_a_run_it_says_how_to_get_the_figures(registry, tmp_path):
    text = render(registry["sigmoid"], tmp_path)
    assert "no run found" in text and "rosetta run --concept sigmoid" in text


def test_with_a_run_it_shows_every_pair_of_summary_csv(registry, tmp_path):
    pairs = [("numpy", "torch"), ("numpy", "tensorflow"), ("torch", "tensorflow"), ("numpy", "finite-diff")]
    pd.DataFrame({
        "concept": "sigmoid", "family": "activations",
        "witness_a": [a for a, _ in pairs], "witness_b": [b for _, b in pairs],
        "agree": [11, 12, 13, 14], "disagree": 0, "expected-divergence": 0, "error": 0, "skipped": [0, 0, 0, 2],
        "max_margin": [0.25, 0.5, 0.125, 0.0625], "verdict": "agree",
    }).to_csv(tmp_path / "summary.csv", index=False)
    text = render(registry["sigmoid"], tmp_path)
    table = text[text.index("latest agreement"):]
    for (a, b), count in zip(pairs, (11, 12, 13, 14)):
        row = next(line for line in table.splitlines() if f"{a} ~ {b}" in line)
        assert str(count) in row and "agree" in row
    assert latest_figures("relu", tmp_path) == []
    assert "has no rows for relu" in render(registry["relu"], tmp_path)


def test_cli_show_exits_0_and_2_on_an_unknown_name(tmp_path, capsys):
    assert cli.main(["show", "sigmoid", "--out", str(tmp_path)]) == 0
    assert "sigmoid" in capsys.readouterr().out
    assert cli.main(["show", "no_such_concept"]) == 2
    assert "unknown concept" in capsys.readouterr().err


EVERY_PAIR = list(itertools.combinations(("numpy", "torch", "tensorflow", "jax", "paddle", "finite-diff"), 2))
SHORT_VERDICTS = {"agree": "agree", "disagree": "disagree", "expected-divergence": "exp.div", "error": "error", "skipped": "skip"}


def write_every_pair(folder, concept="lstm", family="recurrent"):
    """summary.csv with every pair, an ONNX export's pair, wide counts and each verdict in turn."""
    pairs = EVERY_PAIR + [("numpy", "onnxruntime-torch-export")]
    verdicts = list(SHORT_VERDICTS)
    pd.DataFrame({
        "concept": concept, "family": family, "witness_a": [a for a, _ in pairs], "witness_b": [b for _, b in pairs],
        "agree": 12345, "disagree": 123, "expected-divergence": 12, "error": 1, "skipped": 1234, "max_margin": 0.123456,
        "verdict": [verdicts[i % len(verdicts)] for i in range(len(pairs))],
    }).to_csv(folder / "summary.csv", index=False)
    return pairs, [verdicts[i % len(verdicts)] for i in range(len(pairs))]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_figures_of_every_pair_fit_80_columns_and_no_two_rows_print_the_same(registry, tmp_path, lang):
    pairs, verdicts = write_every_pair(tmp_path)
    text = render(registry["lstm"], tmp_path, width=80, lang=lang)
    table = text.splitlines()[[i for i, line in enumerate(text.splitlines()) if "summary.csv" in line][-1] + 1:]
    rows = [line for line in table if line.strip()]
    assert all(len(line) <= 80 for line in rows) and "…" not in "".join(rows)
    assert len(set(rows)) == len(rows), "two rows print the same"
    name = language(lang).gettext
    for (a, b), verdict in zip(EVERY_PAIR, verdicts):
        row = next(line for line in rows if line.startswith(f"{a} ~ {b} "))
        assert row.split()[-1] == name(SHORT_VERDICTS[verdict]), row  # the verdict is whole, in the reader's words
        assert "12345" in row and "1234 " in row
    assert any("onnxruntime-torch-export" in line for line in rows)  # a longer name folds, never cut


def test_show_reads_in_chinese(registry, tmp_path):
    zh = language("zh")
    sigmoid = registry["sigmoid"]
    text = " ".join(render(sigmoid, tmp_path, lang="zh").split())
    assert zh.gettext(sigmoid.summary) != sigmoid.summary and zh.gettext(sigmoid.summary) in text
    for english in ("no run found", "(gradient:", "NumPy (forward", "adds the agreement figures"):
        assert english not in text
    assert "没有找到运行结果" in text and "NumPy（前向计算" in text and "（梯度：torch.autograd）" in text
    assert text.startswith("sigmoid（激活函数）：")
    write_every_pair(tmp_path, "sigmoid", "activations")
    figures = " ".join(render(sigmoid, tmp_path, width=100, lang="zh").split())
    assert "sigmoid 最近一次的一致性" in figures and "配对" in figures and "预期差异" in figures


def test_cli_show_and_list_take_a_language(tmp_path, capsys):
    assert cli.main(["show", "sigmoid", "--out", str(tmp_path), "--lang", "zh"]) == 0
    assert "没有找到运行结果" in capsys.readouterr().out
    assert cli.main(["list", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "框架 numpy：参考实现" in out and "激活函数" in out and "framework torch" not in out
    for command in (["show", "sigmoid", "--lang", "fr"], ["list", "--lang", "fr"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "unknown language 'fr'" in err
