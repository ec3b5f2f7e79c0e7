"""Curated text into Markdown: escaped, so that a CSV cell always shows as written and never becomes markup.

Tutors type the cells of ``casedata/`` by hand. A helper that puts a cell into Markdown passes
it through :func:`markdown_text` first, so that ``<img src=x onerror=...>`` shows as those
characters instead of becoming an element, and ``[text](url)`` shows as written instead of
becoming a link. JupyterLab sanitises Markdown output, but the static site (nbconvert) and
other renderers do not: the escaping is ours. Text going into HTML is escaped with the
standard library's :func:`html.escape` (see :func:`utils.widgets.readout_html`), and pandas
escapes the cells of the tables it renders.

How (CommonMark, section 2.4: any ASCII punctuation character may be escaped with a
backslash, which then stands for itself; GFM, marked and mistune follow it):

* every character that opens inline markup anywhere in a line gets a backslash
  (:data:`INLINE`: emphasis, code, links and images, raw HTML and autolinks, entities,
  table cells, strikethrough, e-mail autolinks and the ``$`` of Jupyter's maths);
* a bare web address stays text: GFM renderers (JupyterLab's marked, nbconvert's mistune)
  turn ``https://...`` and ``www....`` into links, so the ``:`` of ``://`` and the ``.``
  after ``www`` are escaped too (the address still shows in full);
* a character that makes a block only at the start of a line (``#`` heading, ``-`` ``+``
  list, ``=`` heading underline, ``:`` definition) gets one there too, and so does the ``.``
  or ``)`` of a leading number (an ordered list); the text may follow a list marker;
* line breaks become spaces (a Markdown renderer shows a single line break as a space, and
  a blank line would start a new block), and leading and trailing blanks are dropped (four
  leading spaces would make a code block).

Normal text, without these characters, comes back unchanged.
"""

from __future__ import annotations

import re

#: Characters that open inline Markdown anywhere in a line (backslash first: it escapes the others).
INLINE = "\\`*_[]<>&|~$@"
#: Characters that open a block only at the start of a line (and are not already in :data:`INLINE`).
LINE_START = "#+-=:"

_ESCAPED = str.maketrans({character: "\\" + character for character in INLINE})
_WWW = re.compile(r"(www)\.", re.IGNORECASE)


def markdown_text(value: object) -> str:
    r"""``value`` (a CSV cell, or any text) as Markdown that renders as exactly its text, on one line.

    >>> print(markdown_text("AK-05 <img src=x onerror=alert(1)> [x](https://a.example)"))
    AK-05 \<img src=x onerror=alert(1)\> \[x\](https\://a.example)
    >>> print(markdown_text("1. first"), markdown_text("- 1234"), markdown_text("therapy_lines.csv"))
    1\. first \- 1234 therapy\_lines.csv
    >>> print(markdown_text("ER positive (95%), PR negative"))
    ER positive (95%), PR negative
    """
    text = " ".join(str(value).splitlines()).strip().translate(_ESCAPED)
    text = _WWW.sub(r"\1\\.", text.replace("://", r"\://"))
    if text and text[0] in LINE_START:
        return "\\" + text
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits and text[digits:digits + 1] in (".", ")"):
        return f"{text[:digits]}\\{text[digits:]}"
    return text
