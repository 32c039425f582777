"""The message catalogs: complete, compiled, in step with the sources; ``--lang`` checked before any work.

Every text a person reads is an English msgid extracted by Babel (``babel.cfg``) into
``comparisons/locale/messages.pot``; ``zh/LC_MESSAGES/messages.po`` translates each one
and ``messages.mo`` is its compiled form, shipped as package data.
"""

import io
import re
from pathlib import Path

import pytest

babel = pytest.importorskip("babel")

from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from comparisons import i18n  # noqa: E402
from comparisons.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "comparisons" / "locale"
PO = LOCALE / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
POT = LOCALE / "messages.pot"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="zh" if path.suffix == ".po" else None)


def msgids(messages) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages if m.id}


def extracted() -> set:
    """Every msgid the sources mark, extracted now with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_message_has_a_non_empty_translation():
    messages = [m for m in catalog(PO) if m.id]
    assert len(messages) > 100
    untranslated = [m.id for m in messages if not m.string or (not isinstance(m.string, str) and not all(m.string))]
    assert not untranslated, f"{len(untranslated)} messages without a translation: {untranslated[:5]}"
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:5]}"


def test_translations_keep_every_placeholder():
    for message in catalog(PO):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{message.id!r} -> {string!r}"


def test_the_catalog_passes_babels_checks():
    """What ``pybabel compile`` reports as errors (a "%" in a msgid makes it python-format, for instance)."""
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog(PO).check()]
    assert not problems, problems[:3]


def test_the_compiled_catalog_is_up_to_date_with_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, catalog(PO))
    assert MO.read_bytes() == compiled.getvalue(), "messages.mo is stale: pybabel compile -d comparisons/locale -D messages"


def test_the_template_and_the_po_hold_every_string_the_sources_mark():
    marked = extracted()
    assert "Scoreboard" in marked and "agree" in marked  # templates and Python both extracted
    missing_in_po = marked - msgids(catalog(PO))
    assert not missing_in_po, (
        f"marked but not translated (pybabel extract ..., then pybabel update ...): {sorted(map(str, missing_in_po))[:5]}"
    )
    assert msgids(catalog(POT)) == marked, "messages.pot is stale: pybabel extract -F babel.cfg ..."
    assert msgids(catalog(PO)) == marked, "messages.po holds messages no source marks any more: pybabel update ..."


def test_concept_and_catalog_texts_are_marked_for_translation(registry):
    """A concept's summary and tutorial idea and every catalog entry's texts are in the .po (N_() in their modules)."""
    translated = msgids(catalog(PO))
    texts = []
    for concept in registry.values():
        texts += [concept.summary, concept.tutorial]
        for divergence in concept.divergences:
            texts += [divergence.differs, divergence.naive_mapping, divergence.faithful_mapping]
    missing = [t for t in texts if t and t not in translated]
    assert not missing, f"{len(missing)} texts not marked with N_(): {missing[:3]}"


def test_every_family_has_a_label_to_translate():
    from comparisons.registry import FAMILIES
    from comparisons.report.html import FAMILY_LABELS

    assert set(FAMILIES) <= set(FAMILY_LABELS)


def test_languages_resolve_and_an_unknown_one_is_refused():
    assert i18n.language("en").tag == "en" and i18n.language("zh").tag == "zh-Hans"
    assert i18n.language("zh").gettext("Scoreboard") == "记分板"
    assert i18n.language("zh").gettext("a text nobody marked") == "a text nobody marked"
    with pytest.raises(i18n.UnknownLanguage):
        i18n.language("xx")


def test_rosetta_run_with_an_unknown_language_exits_2_in_one_line(tmp_path, capsys):
    assert main(["run", "--concept", "sigmoid", "--lang", "xx", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("rosetta: error: ") and captured.err.count("\n") == 1
    assert "xx" in captured.err
    assert not any(tmp_path.iterdir())  # refused before any work


def test_the_terminal_summary_speaks_the_run_language():
    from rich.console import Console

    from comparisons.harness import Record
    from comparisons.summary import print_summary

    record = Record("sigmoid", "activations", "vector", "", "float32", 0, "out", "numpy", "torch", "(7,)",
                    0.0, 0.0, 0.0, 0, 1e-6, 1e-5, 0.1, "agree", "")
    for code, words in (("en", ("Agreement by concept", "margin:")), ("zh", ("各概念的一致性", "裕度"))):
        stream = io.StringIO()
        print_summary([record], Console(file=stream, width=100), i18n.language(code))
        for word in words:
            assert word in stream.getvalue()
