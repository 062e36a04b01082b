"""Turns a neutral Reply into terminal output with rich.

Colour only on a TTY and never with NO_COLOR (rich honours both); tables are
aligned by rich so names of any width line up.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from chatbot.i18n import Translator, load_catalogs
from chatbot.values.reply import Reply, Tone

_TONE_STYLE = {Tone.INFO: "bold", Tone.SUCCESS: "bold green", Tone.WARNING: "bold yellow",
               Tone.ERROR: "bold red"}


def save_file(directory: Path, name: str, data: bytes) -> Path:
    """Atomic: a reader never sees half a PNG or half an export."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=name)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)
    return target


def render(console: Console, reply: Reply, files_dir: Path,
           tr: Translator | None = None) -> None:
    """`tr` is the reader's language for what the console adds ("← you", "Saved to");
    English when not given."""
    tr = tr or load_catalogs().translator("en")
    style = _TONE_STYLE[reply.tone]
    if reply.title:
        prefix = "✖ " if reply.tone is Tone.ERROR else ""
        console.print(f"[{style}]{prefix}{escape(reply.title)}[/]")
    if reply.text:
        text = escape(reply.text)
        if reply.tone is Tone.ERROR and not reply.title:
            text = f"[red]✖ {text}[/]"
        console.print(text)
    if reply.fields:
        width = max(len(field.label) for field in reply.fields)
        for field in reply.fields:
            if "\n" in field.value or not field.inline:
                console.print(f"[bold]{escape(field.label)}[/]")
                for line in field.value.splitlines():
                    console.print(f"  {escape(line)}")
            else:
                console.print(f"[bold]{escape(field.label.ljust(width))}[/]  {escape(field.value)}")
    if reply.table is not None:
        table = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for index, column in enumerate(reply.table.columns):
            align = reply.table.align[index] if index < len(reply.table.align) else "l"
            table.add_column(escape(column), justify="right" if align == "r" else "left")
        for index, row in enumerate(reply.table.rows):
            cells = [escape(cell) for cell in row]
            if index == reply.table.highlight:
                cells = [f"[reverse]{cell}[/]" if cell else cell for cell in cells]
                cells[-1] += "  " + tr._("← you")
            table.add_row(*cells)
        console.print(table)
    if reply.image is not None:
        path = save_file(files_dir, reply.image.filename, reply.image.data)
        console.print(f"[dim]{escape(reply.image.alt)}:[/] {escape(str(path))}")
    if reply.attachment is not None:
        name, data = reply.attachment
        path = save_file(files_dir, name, data)
        console.print(escape(tr._("Saved to {path}", path=str(path))))
    for button in reply.buttons:
        console.print(f"[cyan]\\[{escape(button.label)}][/] → /klout {escape(button.command)}")
    if reply.footer:
        console.print(f"[dim]{escape(reply.footer)}[/]")
