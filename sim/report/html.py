"""The report as one self-contained HTML file: inline CSS, charts as inline SVG data URIs.

Nothing is fetched when the file is opened (no fonts, scripts or images from elsewhere), so it
can be e-mailed, archived and opened offline. Numbers from the comparison carry
``data-source`` and ``data-value`` attributes, and a JSON block (``#report-data``) holds the
headline figures at full precision, for checks and for anyone re-using the figures.
"""

from __future__ import annotations

import base64
import json
import math

from jinja2 import Environment
from markupsafe import Markup, escape

from .model import Bullets, Figure, Heading, Num, Para, Report, Rich, Strong, Table

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="caresim {{ version }}">
<title>Board report: {{ report.title }}</title>
<style>
:root { --ink: #111; --muted: #4a4a4a; --rule: #d0d0d0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; max-width: 62rem; margin: 0 auto;
       padding: 1.5rem 2rem 3rem; line-height: 1.45; font-size: 15px; }
header.cover { border-bottom: 3px solid var(--ink); padding-bottom: .6rem; margin-bottom: 1rem; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: .8rem; margin: 0;
          color: var(--muted); font-weight: 600; }
h1 { font-size: 1.75rem; margin: .15rem 0 .3rem; line-height: 1.2; }
.subtitle { margin: 0; color: var(--muted); font-size: .9rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem;
     margin: 2.6rem 0 .8rem; }
h3 { font-size: 1.05rem; margin: 1.3rem 0 .4rem; }
p { margin: .45rem 0; }
p.lead { font-size: 1.02rem; }
p.note { color: var(--muted); font-size: .88rem; }
p.warning { border-left: 4px solid var(--ink); background: #f2f2f2; padding: .45rem .8rem; }
p.code strong { font-family: Consolas, "DejaVu Sans Mono", monospace; font-weight: 400;
                font-size: .85rem; word-break: break-word; }
ul { padding-left: 1.3rem; margin: .4rem 0; }
ul.compact li { margin: .2rem 0; }
ul.headline { list-style: none; padding: 0; margin: .3rem 0 .6rem; }
ul.headline li { display: flex; gap: .7rem; align-items: baseline; padding: .32rem 0;
                 border-bottom: 1px solid #e4e4e4; }
.tag { flex: 0 0 5.4rem; text-align: center; font-size: .72rem; font-weight: 700;
       text-transform: uppercase; letter-spacing: .05em; padding: .05rem .2rem;
       border: 1.5px solid var(--ink); }
.tag-worse { background: var(--ink); color: #fff; }
.tag-unclear, .tag-no-change, .tag-changed { border-style: dashed; font-weight: 600; }
.tag-gridlock { border-style: double; border-width: 3px; }
nav.toc { font-size: .88rem; margin: .3rem 0 1.2rem; color: var(--muted); }
nav.toc a { color: var(--ink); margin-right: .9rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1.1rem; font-size: .86rem;
        font-variant-numeric: tabular-nums; }
table.small { font-size: .8rem; }
caption { caption-side: top; text-align: left; font-weight: 700; padding: 0 0 .3rem;
          font-size: .9rem; }
th { text-align: left; vertical-align: bottom; border-bottom: 1.5px solid var(--ink);
     padding: .25rem .45rem; font-weight: 700; }
td { vertical-align: top; border-bottom: 1px solid var(--rule); padding: .25rem .45rem; }
th.r, td.r { text-align: right; }
td.r { white-space: nowrap; }
tr.bold td { font-weight: 700; border-top: 1.5px solid var(--ink); }
td .sub { color: var(--muted); font-size: .9em; }
figure { margin: .8rem 0 1.2rem; max-width: 48rem; }
figure img { display: block; width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .3rem; }
footer { margin-top: 2.5rem; border-top: 1px solid var(--rule); padding-top: .4rem;
         font-size: .8rem; color: var(--muted); }
@media print {
  @page { size: A4; margin: 14mm 14mm 16mm; }
  body { max-width: none; padding: 0; font-size: 8.8pt; line-height: 1.35; }
  h1 { font-size: 16pt; }
  p.lead { font-size: 9.2pt; }
  p.note { font-size: 7.8pt; }
  ul.headline li { padding: .18rem 0; }
  header.cover { margin-bottom: .5rem; }
  figure { margin: .4rem 0 .6rem; }
  section.page { break-before: page; }
  section.page:first-of-type { break-before: auto; }
  h2 { margin-top: 0; }
  nav.toc { display: none; }
  figure, tr, ul.headline li { break-inside: avoid; }
  caption, h3 { break-after: avoid; }
}
</style>
</head>
<body>
{% for section in report.sections %}
<section id="{{ section.id }}" class="page">
{% if loop.first %}
<header class="cover">
<p class="kicker">Board report</p>
<h1>{{ report.title }}</h1>
<p class="subtitle">{{ report.subtitle | rich }}</p>
</header>
<nav class="toc">Contents:
{% for s in report.sections %}<a href="#{{ s.id }}">{{ s.title }}</a>{% endfor %}
</nav>
{% else %}
<h2>{{ section.title }}</h2>
{% endif %}
{% for block in section.blocks %}{{ block | block }}
{% endfor %}
</section>
{% endfor %}
<footer>{{ report.footer }}</footer>
<script type="application/json" id="report-data">{{ data_json }}</script>
</body>
</html>
"""


def _rich(text: Rich | str) -> Markup:
    if isinstance(text, str):
        text = (text,)
    out = []
    for run in text:
        if isinstance(run, Num):
            value = "" if math.isnan(run.value) else repr(run.value)
            out.append(Markup('<span class="num" data-source="{}" data-value="{}">{}</span>')
                       .format(run.source, value, run.text))
        elif isinstance(run, Strong):
            out.append(Markup("<strong>{}</strong>").format(run.text))
        else:
            parts = str(run).split("\n")
            out.append(Markup("<br>").join(escape(p) for p in parts))
    return Markup("").join(out)


def _cell(value: Rich | str) -> Markup:
    if isinstance(value, tuple):
        # A label with a second line (a parameter path) shows the second line smaller.
        head, _, tail = "", "", ""
        parts = list(value)
        if parts and isinstance(parts[-1], str) and parts[-1].startswith("\n"):
            tail = parts.pop()[1:]
        head = _rich(tuple(parts))
        if tail:
            return head + Markup('<br><span class="sub">{}</span>').format(tail)
        return head
    return _rich(value)


def _block(block) -> Markup:
    if isinstance(block, Heading):
        return Markup("<h3>{}</h3>").format(block.text)
    if isinstance(block, Para):
        return Markup('<p class="{}">{}</p>').format(block.style, _rich(block.text))
    if isinstance(block, Bullets):
        items = []
        for i, item in enumerate(block.items):
            attrs = Markup("")
            if block.attrs:
                attrs = Markup("").join(Markup(' data-{}="{}"').format(k, v)
                                        for k, v in block.attrs[i].items())
            tag = Markup("")
            if block.tags:
                t = block.tags[i]
                tag = Markup('<span class="tag tag-{}">{}</span>').format(
                    t.lower().replace(" ", "-"), t)
            body = _rich(item)
            if block.tags:
                body = Markup("<span>{}</span>").format(body)
            items.append(Markup("<li{}>{}{}</li>").format(attrs, tag, body))
        return Markup('<ul class="{}">{}</ul>').format(block.style, Markup("").join(items))
    if isinstance(block, Table):
        align = block.align or ["l"] * len(block.columns)
        head = Markup("").join(Markup('<th class="{}" scope="col">{}</th>').format(a, c)
                               for c, a in zip(block.columns, align))
        rows = []
        for k, row in enumerate(block.rows):
            cells = Markup("").join(Markup('<td class="{}">{}</td>').format(a, _cell(v))
                                    for v, a in zip(row, align))
            cls = Markup(' class="bold"') if k in block.bold_rows else Markup("")
            rows.append(Markup("<tr{}>{}</tr>").format(cls, cells))
        note = (Markup('<p class="note">{}</p>').format(_rich(block.note))
                if block.note else Markup(""))
        caption = (Markup("<caption>{}</caption>").format(block.caption) if block.caption
                   else Markup(""))
        return Markup('<div class="table-wrap"><table class="{}">{}<thead><tr>{}</tr></thead>'
                      "<tbody>{}</tbody></table></div>{}").format(
            "small" if block.small else "", caption, head, Markup("").join(rows), note)
    if isinstance(block, Figure):
        data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
        return Markup('<figure style="width:{}%"><img src="data:image/svg+xml;base64,{}" '
                      'alt="{}"><figcaption>{}</figcaption></figure>').format(
            round(block.width * 100), data, block.alt, block.caption)
    raise TypeError(f"cannot render {type(block).__name__}")


def _json(data) -> Markup:
    text = json.dumps(data, default=_default, indent=1, allow_nan=False)
    # "</" inside a script element would end it early.
    return Markup(text.replace("</", "<\\/"))


def _default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def _clean(obj):
    """JSON has no NaN: missing values become null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):
        return _clean(obj.item())
    return obj


_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters["rich"] = _rich
_env.filters["block"] = _block
_template = _env.from_string(TEMPLATE)


def render(report: Report) -> str:
    from .. import __version__

    return _template.render(report=report, data_json=_json(_clean(report.data)),
                            version=__version__)
