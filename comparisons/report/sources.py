"""The implementations as highlighted HTML, with the commented lines pointed out.

Every convention conversion and stability trick in the implementations carries a
one-line comment (NCHW -> NHWC, ``1 - momentum``, max-shift). Those comments are the
"hidden work" a framework does or needs: the lines that hold them are highlighted in
the code and their text is listed under it, so the annotation stays generated from
the source itself.
"""

from __future__ import annotations

import functools
import io
import tokenize
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from comparisons.registry import source_of

LEXER = PythonLexer()


@dataclass
class CodeBlock:
    """One function's source, ready for a page or a terminal.

    Attributes
    ----------
    title : str
        What the block shows ("forward", "backward", "gradient").
    source : str
        The function's source text ("" when there is none).
    html : Markup
        Pygments HTML with the commented lines highlighted.
    notes : list of (int, str)
        ``(line number within the block, comment text)`` for every comment.
    missing : str
        Why there is no source, when there is none.
    """

    title: str
    source: str = ""
    html: Markup = Markup("")
    notes: list[tuple[int, str]] = field(default_factory=list)
    missing: str = ""


def comments(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of every ``#`` comment in ``source`` (1-based lines, ``#`` stripped).

    Uses the tokenizer, so a ``#`` inside a string is not taken for a comment.
    """
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                text = token.string.lstrip("#").strip()
                if text and not text.startswith(("noqa", "type:", "pragma")):
                    found.append((token.start[0], text))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def code_block(title: str, function, *, missing: str = "no implementation") -> CodeBlock:
    """Highlight ``function``'s source; an absent function or file gives a note instead."""
    if function is None:
        return CodeBlock(title, missing=missing)
    try:
        source = source_of(function)
    except (OSError, TypeError, ImportError, SyntaxError) as error:
        return CodeBlock(title, missing=f"source unavailable: {error}")  # a broken checkout: not translated
    html, notes = _highlighted(source)
    return CodeBlock(title, source, html, list(notes))


@functools.lru_cache(maxsize=None)
def _highlighted(source: str) -> tuple[Markup, tuple[tuple[int, str], ...]]:
    """Pygments HTML of a source with its commented lines marked, and those comments; a
    function shown on several pages (a concept's, the catalog's, a notebook's) is highlighted once."""
    notes = comments(source)
    formatter = HtmlFormatter(hl_lines=sorted({line for line, _ in notes}), linenos=False)
    return Markup(highlight(source, LEXER, formatter)), tuple(notes)


def note_text(block: CodeBlock, lang=None) -> Markup:
    """The block's comments as an HTML list item sequence (escaped); ``lang`` names the line ("line 3", "第 3 行")."""
    label = lang.gettext("line {line}") if lang is not None else "line {line}"
    return Markup("").join(
        Markup("<li><span class='line'>{}</span> {}</li>").format(label.format(line=line), escape(text))
        for line, text in block.notes
    )


def pygments_css() -> str:
    """The colour scheme of the highlighted code, scoped to ``.highlight``."""
    return HtmlFormatter().get_style_defs(".highlight")
