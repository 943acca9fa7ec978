"""HTML building blocks: one self-contained page (inline style, figures as data URIs)."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

STYLE = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #1c2833; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid
#d5dbdb; padding-bottom: 0.2em; } h3 { margin-top: 1.2em; }
.meta { color: #566573; font-size: 0.9em; }
.findings li { margin-bottom: 0.45em; }
.caveats { background: #fef9e7; border-left: 4px solid #f1c40f; padding: 0.6em 1.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.86em; }
th, td { border: 1px solid #d5dbdb; padding: 0.25em 0.55em; text-align: left;
         vertical-align: top; }
th { background: #f4f6f6; } td.num { text-align: right; white-space: nowrap; }
.gain { color: #1e8449; font-weight: bold; } .loss { color: #b03a2e; font-weight: bold; }
.unclear { color: #7f8c8d; } .clear { font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eaeded; }
figcaption { font-size: 0.85em; color: #566573; }
code, pre { background: #f4f6f6; padding: 0.1em 0.3em; font-size: 0.9em; }
pre { padding: 0.6em; white-space: pre-wrap; }
.wide { overflow-x: auto; }
.card td:first-child { font-weight: bold; width: 14em; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def heading(level: int, text: str, anchor: str | None = None) -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def paragraph(text: str, cls: str | None = None) -> str:
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<p{klass}>{esc(text)}</p>"


def items(lines: Sequence[str], cls: str | None = None, raw: bool = False) -> str:
    klass = f' class="{esc(cls)}"' if cls else ""
    body = "".join(f"<li>{line if raw else esc(line)}</li>" for line in lines)
    return f"<ul{klass}>{body}</ul>"


def verdict(word: str) -> str:
    cls = {"gain": "gain", "loss": "loss", "increase": "clear", "decrease": "clear"}.get(
        word, "unclear"
    )
    return f'<span class="{cls}">{esc(word)}</span>'


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    numeric: Sequence[int] = (),
    raw: Sequence[int] = (),
    cls: str | None = None,
) -> str:
    """A table; columns in `numeric` align right, cells of columns in `raw` are HTML already."""
    klass = f' class="{esc(cls)}"' if cls else ""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            attr = ' class="num"' if i in numeric else ""
            cells.append(f"<td{attr}>{cell if i in raw else esc(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="wide"><table{klass}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figure(png: bytes, caption: str, name: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)} (also saved as {esc(name)})</figcaption></figure>"
    )


def document(title: str, body: Sequence[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
