"""HTML text: escaping, and a table cell with its half-width on a quieter second line."""

from __future__ import annotations

import html
from typing import Any


def esc(text: Any) -> str:
    """``text`` as HTML text (quotes escaped too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def split_cell(text: str) -> str:
    """'£11.5m ±£280k' -> value with the half-width on a second, quieter line."""
    if " ±" in text:
        value, hw = text.split(" ±", 1)
        return f"{esc(value)}<span class=\"hw\">±{esc(hw)}</span>"
    return esc(text)


__all__ = ["esc", "split_cell"]
