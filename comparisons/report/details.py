"""A result row's ``detail`` in the reader's language.

results.csv keeps every detail in English: it is data, byte-identical from run to
run and the same whatever ``--lang`` says. The harness builds a detail from a small
number of English templates (:mod:`comparisons.agreement`, :mod:`comparisons.harness`,
:mod:`comparisons.witnesses`); :data:`TEMPLATES` holds one pattern per template, in
one place, with the msgid that renders it. :func:`render_detail` matches the detail
against them, renders the parts that are text again (a reason inside a reason) and
keeps numbers, shapes, identifiers and exception messages as they are. A text no
template matches (a concept author's skip reason, an unavailability reason) is looked
up in the catalog as a whole, so a reason marked with ``N_`` reads translated too,
and is shown as it is otherwise.

tests/test_report.py builds every template's detail with the functions that write
them and checks that each one is recognised, and that English renders back to the
very same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from comparisons.i18n import N_, Language

WITNESS = r"[a-z][a-z0-9_-]*"
"""A witness name (numpy, torch, finite-diff, onnxruntime-torch-export ...); never an exception's CamelCase name."""


@dataclass(frozen=True)
class Template:
    """One English detail template: its pattern, its msgid and which of its fields are text to render again."""

    pattern: re.Pattern
    msgid: str
    text_fields: tuple[str, ...] = ()


def _template(pattern: str, msgid: str, *text_fields: str) -> Template:
    return Template(re.compile(pattern, re.DOTALL), msgid, text_fields)


TEMPLATES: tuple[Template, ...] = (
    # comparisons.agreement.compare
    _template(r"mismatched (?P<n>\d+) / (?P<size>\d+); worst at \((?P<where>[^)]*)\): (?P<a>\S+) vs (?P<b>\S+)"
              r"; NaN positions differ at (?P<nan>\d+) elements",
              N_("mismatched {n} / {size}; worst at ({where}): {a} vs {b}; NaN positions differ at {nan} elements")),
    _template(r"mismatched (?P<n>\d+) / (?P<size>\d+); worst at \((?P<where>[^)]*)\): (?P<a>\S+) vs (?P<b>\S+)",
              N_("mismatched {n} / {size}; worst at ({where}): {a} vs {b}")),
    _template(r"shape mismatch: (?P<a>\(.*\)) vs (?P<b>\(.*\))", N_("shape mismatch: {a} vs {b}")),
    _template(r"dtype mismatch: (?P<a>\S+) vs (?P<b>\S+)", N_("dtype mismatch: {a} vs {b}")),
    # comparisons.harness: catalog entries (naive_verdict, check_divergence)
    _template(r"catalog entry (?P<id>\S+) expects (?P<expected>.+?); got (?P<got>.+)",
              N_("catalog entry {id} expects {expected}; got {got}"), "expected", "got"),
    _template(r"agreement", N_("agreement")),
    _template(r"the naive mapping to differ in (?P<kind>\w+)", N_("the naive mapping to differ in {kind}")),
    _template(r"a difference in (?P<kind>\w+), not in (?P<found>\w+)", N_("a difference in {kind}, not in {found}")),
    _template(r"a difference of at least (?P<x>\S+)", N_("a difference of at least {x}")),
    _template(r"differences exactly at flat positions (?P<at>\[[^\]]*\]), not (?P<got>\[[^\]]*\])",
              N_("differences exactly at flat positions {at}, not {got}")),
    _template(r"(?P<mapping>naive|faithful) mapping: (?P<error>.+)", N_("{mapping} mapping: {error}"), "mapping", "error"),
    # comparisons.harness: runs that could not compare
    _template(r"drawing the inputs failed: (?P<error>.+)", N_("drawing the inputs failed: {error}"), "error"),
    _template(r"generating samples failed: (?P<error>.+)", N_("generating samples failed: {error}"), "error"),
    _template(r"comparisons\.concepts\.(?P<module>\w+) failed to load: (?P<error>.+)",
              N_("comparisons.concepts.{module} failed to load: {error}"), "error"),
    _template(rf"no (?P<witness>{WITNESS}) version: (?P<reason>.+)", N_("no {witness} version: {reason}"), "reason"),
    _template(rf"(?P<concept>\w+) has no (?P<witness>{WITNESS}) version", N_("{concept} has no {witness} version")),
    _template(r"no gradients to check", N_("no gradients to check")),
    _template(r"no witness produced a forward output to take gradients of",
              N_("no witness produced a forward output to take gradients of")),
    _template(r"(?P<module>[\w.]+) is not installed \(pip install (?P<command>'[^']*')\)",
              N_("{module} is not installed (pip install {command})")),
    _template(r"(?P<module>[\w.]+) is not installed", N_("{module} is not installed")),
    _template(rf"(?P<side>{WITNESS}): did not return (?P<quantity>\S+)", N_("{side}: did not return {quantity}")),
    # comparisons.limits and comparisons.witnesses.pool: timeouts and dead workers
    _template(r"timeout after (?P<seconds>\S+) s", N_("timeout after {seconds} s")),
    _template(rf"(?P<framework>{WITNESS}) worker killed after the time limit of (?P<seconds>\S+) s",
              N_("{framework} worker killed after the time limit of {seconds} s")),
    _template(rf"(?P<framework>{WITNESS}) worker died: signal (?P<number>\d+) \((?P<name>[^)]*)\)",
              N_("{framework} worker died: signal {number} ({name})")),
    _template(rf"(?P<framework>{WITNESS}) worker died: exit code (?P<code>\S+)",
              N_("{framework} worker died: exit code {code}")),
    # comparisons.concepts.recurrent: a tolerance's reason, then what was measured for it
    _template(r"(?P<why>.+) Measured: (?P<measured>.+)", N_("{why} Measured: {measured}"), "why", "measured"),
    # comparisons.harness.compare_outcomes: a skip or an error of one side of the pair, last (it matches widely)
    _template(rf"(?P<side>{WITNESS}): (?P<reason>.+)", N_("{side}: {reason}"), "reason"),
)


def render_detail(detail, lang: Language) -> str:
    """``detail`` as the reader of ``lang`` reads it; ``""`` for a missing one (NaN from the CSV).

    English renders every detail back to itself.
    """
    if not isinstance(detail, str) or not detail:
        return ""
    return _render(detail, lang, depth=0)


def _render(text: str, lang: Language, depth: int) -> str:
    if depth > 8:  # details nest two or three deep; this bounds a pathological text
        return text
    for template in TEMPLATES:
        match = template.pattern.fullmatch(text)
        if match:
            fields = {
                name: _render(value, lang, depth + 1) if name in template.text_fields else value
                for name, value in match.groupdict().items()
            }
            return lang.gettext(template.msgid).format(**fields)
    return lang.gettext(text)  # free text: translated when it is a catalog msgid (an N_-marked reason)


def recognised(detail: str) -> bool:
    """True when a template matches ``detail`` as a whole (tests: every producer's text is known)."""
    return any(t.pattern.fullmatch(detail) for t in TEMPLATES)
