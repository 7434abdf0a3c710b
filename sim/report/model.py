"""The content of a report, independent of how it is drawn.

One :class:`Report` is built from a comparison and then rendered twice, as HTML and as PDF,
so both carry the same words and numbers. Text is a sequence of plain strings, :class:`Strong`
runs and :class:`Num` runs; a ``Num`` keeps the exact value and where it came from, which the
HTML exposes as data attributes so that every figure on the page can be checked against the
comparison it claims to describe.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Num:
    text: str
    value: float
    source: str


@dataclass(frozen=True)
class Strong:
    text: str


Run = str | Num | Strong
Rich = tuple[Run, ...]


def rich(*parts: Run | Rich | None) -> Rich:
    """Flatten strings, runs and nested tuples into one Rich text (None is skipped)."""
    out: list[Run] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, tuple):
            out.extend(p)
        else:
            out.append(p)
    return tuple(out)


def plain(text: Rich | str) -> str:
    if isinstance(text, str):
        return text
    return "".join(r if isinstance(r, str) else r.text for r in text)


def nums(text: Rich) -> list[Num]:
    return [r for r in text if isinstance(r, Num)]


@dataclass
class Para:
    text: Rich
    style: str = "body"  # body, lead, note, warning


@dataclass
class Bullets:
    items: list[Rich]
    tags: list[str] | None = None  # a short bold word before each item ("Better")
    attrs: list[dict[str, str]] | None = None  # data attributes for each item (HTML)
    style: str = "body"


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Rich | str]]
    align: list[str] | None = None  # "l" or "r" per column
    widths: list[float] | None = None  # relative column widths (PDF)
    caption: str = ""
    note: Rich | None = None
    bold_rows: set[int] = field(default_factory=set)
    small: bool = False


@dataclass
class Figure:
    """A chart drawn on demand: SVG for the HTML, PNG for the PDF."""

    draw: Callable[[], Any]  # returns a matplotlib Figure
    caption: str
    alt: str
    width: float = 1.0  # share of the text width

    @cached_property
    def _figure(self):
        return self.draw()

    @cached_property
    def svg(self) -> str:
        from .charts import style

        buf = io.StringIO()
        with style():
            self._figure.savefig(buf, format="svg", bbox_inches="tight")
        return buf.getvalue()

    @cached_property
    def png(self) -> bytes:
        from .charts import style

        buf = io.BytesIO()
        with style():
            self._figure.savefig(buf, format="png", dpi=200, bbox_inches="tight")
        return buf.getvalue()

    @cached_property
    def size_inches(self) -> tuple[float, float]:
        w, h = self._figure.get_size_inches()
        return float(w), float(h)


Block = Para | Bullets | Table | Figure


@dataclass
class Heading:
    text: str


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block | Heading]
    intro: Rich | None = None


@dataclass
class Report:
    title: str
    subtitle: Rich
    sections: list[Section]
    footer: str
    data: dict[str, Any]
