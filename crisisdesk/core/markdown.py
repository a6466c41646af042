"""User-typed text made safe to put into a Markdown document that someone else will render.

A Markdown renderer passes raw HTML through and turns `[x](javascript:…)` into a link, so a
title or a note typed by one person becomes script in the reader's viewer. Two rules:

- HTML is escaped (`&`, `<`, `>`); `&` first, which also kills entity tricks such as
  `java&#115;cript:` in a link destination, and `<…>` autolinks with it;
- a link or image whose destination is not `http://` or `https://` (inline `[x](dest)` or a
  reference definition `[id]: dest`) is neutralised: its `](` becomes `]\\(` and a
  definition's `[` becomes `\\[`, so the text shows literally and nothing is clickable.

`md_inline` also folds line breaks, for values that sit inside one line of the document
(a heading, a list item, a table cell), so they cannot open a block of their own.
"""

import re

_SAFE_DESTINATION = re.compile(r"\s*https?://", re.IGNORECASE)
_LINK_OPEN = re.compile(r"\]\(")
_DEFINITION = re.compile(r"^( {0,3})\[([^\]\n]+)\]:[ \t]*(\S*)", re.MULTILINE)


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _neutralise_links(text: str) -> str:
    def inline(match: re.Match[str]) -> str:
        rest = text[match.end() :]
        return match.group(0) if _SAFE_DESTINATION.match(rest) else "]\\("

    text = _LINK_OPEN.sub(inline, text)

    def definition(match: re.Match[str]) -> str:
        if _SAFE_DESTINATION.match(match.group(3)):
            return match.group(0)
        return f"{match.group(1)}\\[{match.group(2)}]: {match.group(3)}"

    return _DEFINITION.sub(definition, text)


def md_block(value: object) -> str:
    """A multi-line user text (a section, a note) as safe Markdown."""
    return _neutralise_links(_escape_html(str(value or "")))


def md_inline(value: object) -> str:
    """A one-line user text (a title, a name, a list item) as safe Markdown."""
    text = " ".join(str(value or "").split())
    return _neutralise_links(_escape_html(text))
