"""LaTeX -> MathML at build time, so the pages show formulas without any network access.

Browsers render MathML natively (Chromium since 109, Firefox, Safari); no script or
font is loaded. ``latex2mathml`` (pure Python) does the conversion when it is
installed; without it, or for LaTeX it cannot parse, the formula is shown as its
LaTeX source in a ``<code>`` block, which is still readable.
"""

from __future__ import annotations

import functools

from markupsafe import Markup, escape


@functools.lru_cache(maxsize=512)
def latex_to_html(latex: str, *, display: bool = True) -> Markup:
    """Safe HTML for one LaTeX formula: MathML, or the escaped LaTeX as a fallback.

    Parameters
    ----------
    latex : str
        The formula, without surrounding ``$``.
    display : bool
        Block (``True``) or inline math.

    Returns
    -------
    markupsafe.Markup
        ``<math ...>`` markup (the converter escapes every text node), or
        ``<code class="latex">`` with the LaTeX escaped; empty for an empty formula.
    """
    latex = latex.strip()
    if not latex:
        return Markup("")
    try:
        from latex2mathml.converter import convert

        return Markup(convert(latex, display="block" if display else "inline"))
    except Exception:  # not installed, or a macro it does not know: show the source
        return Markup('<code class="latex">{}</code>').format(escape(latex))
