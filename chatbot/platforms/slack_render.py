"""Block Kit for a neutral Reply, with the plain-text fallback Slack shows in notifications.

Every string that reaches Slack goes through `escape` first: a Reply holds plain text, and
names, handles and topics are whatever members typed. Escaping `&`, `<` and `>` is what
keeps `<!channel>`, `<!subteam^…>` or `<@U…>` in a display name from pinging anyone, and
`verbatim: true` on every mrkdwn object stops Slack from turning bare words such as
`@here` or channel names into mentions or links.

Block Kit limits (50 blocks, 3,000 characters per section text, 2,000 per field, 10
fields per section, 150 for a header) are respected here: long text is split across
sections, and what still does not fit is cut with a visible "…" and a note.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.i18n import Translator, load_catalogs
from chatbot.values.reply import Button, Field, Reply, Table, Tone

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
FIELDS_PER_SECTION = 10
HEADER_LIMIT = 150
CONTEXT_TEXT_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_ACTIONS = 25
FALLBACK_TEXT_LIMIT = 3000
TABLE_CELL_WIDTH = 28
"""Display columns per table cell; a 10,000-character name must not push the table past
the section limit, and nobody reads that far anyway."""
SNIPPET_LIMIT = 2800

BUTTON_ACTION_PREFIX = "klout_button_"
ELLIPSIS = "…"

_TONE_EMOJI = {Tone.INFO: "", Tone.SUCCESS: ":white_check_mark: ", Tone.WARNING: ":warning: ",
               Tone.ERROR: ":x: "}

Block = dict[str, Any]


def _english() -> Translator:
    return load_catalogs().translator("en")


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage or a response_url receives: Block Kit plus the fallback."""

    text: str
    blocks: tuple[Block, ...]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    """Slack's three control characters as entities; the order matters (`&` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


LOOK_ALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
"""mrkdwn's bold, italic, strike and code markers, and what is shown instead: ∗ ˍ ∼ ˋ.

mrkdwn has no escape for them. An invisible joiner next to a marker would depend on
Slack's unpublished rules for where a marker counts (and would hide inside a handle
someone copies); a look-alike is another code point, which no mrkdwn parser reads as
markup, and it looks the same to a reader."""


def neutralise(text: str) -> str:
    """`text` with every mrkdwn marker that could format shown as its look-alike.

    Backticks always change. `*`, `_` and `~` change only where they could open or
    close formatting: Slack never formats inside a word, so `john_doe` (and so most
    handles in a ready-to-copy line) stays exactly as typed.
    """
    out: list[str] = []
    last = len(text) - 1
    for index, ch in enumerate(text):
        look_alike = LOOK_ALIKES.get(ch)
        if look_alike is None:
            out.append(ch)
            continue
        inside_a_word = (ch != "`" and 0 < index < last and text[index - 1].isalnum()
                         and text[index + 1].isalnum())
        out.append(ch if inside_a_word else look_alike)
    return "".join(out)


def escape_mrkdwn(text: str) -> str:
    """Member text for a mrkdwn field: no mention, link or formatting can come of it."""
    return escape(neutralise(text))


def fit(text: str, limit: int, *, mrkdwn: bool = True) -> str:
    """`text` escaped and no longer than `limit` once escaped, cut visibly with "…".

    The cut never falls inside an entity, so a truncated `&lt;` cannot leave a bare `&`.
    With `mrkdwn=False` (plain_text objects, code blocks) formatting markers stay.
    """
    shown = neutralise(text) if mrkdwn else text
    escaped = escape(shown)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for ch in shown:
        piece = escape(ch)
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + ELLIPSIS


def _chunks(text: str, limit: int) -> list[str]:
    """Escaped pieces of at most `limit` characters, split at line ends where possible so
    long text continues in the next section instead of being lost."""
    pieces: list[str] = []
    current = ""
    for line in escape_mrkdwn(text).split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = limit
            amp = line.rfind("&", max(0, cut - 5), cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def mrkdwn(text: str) -> dict[str, Any]:
    """An already-escaped mrkdwn object; verbatim so Slack adds no links or mentions."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    """plain_text shows `*` and `_` as typed: only the entities are needed."""
    return {"type": "plain_text", "text": fit(text, limit, mrkdwn=False), "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(fit(text, CONTEXT_TEXT_LIMIT))]}


def _field_text(field: Field, limit: int) -> str:
    label = fit(field.label, limit // 4) if field.label else ""
    head = f"*{label}*\n" if label else ""
    # Slack refuses empty text objects; a dash says "nothing here" to a reader too.
    return head + fit(field.value or "–", limit - len(head))


def _field_blocks(fields: Sequence[Field]) -> list[Block]:
    """Inline fields side by side (10 per section); others stacked in section text."""
    blocks: list[Block] = []
    inline: list[Field] = []
    stacked: list[str] = []

    def flush_inline() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            group = inline[start : start + FIELDS_PER_SECTION]
            blocks.append({"type": "section",
                           "fields": [mrkdwn(_field_text(f, FIELD_TEXT_LIMIT)) for f in group]})
        inline.clear()

    def flush_stacked() -> None:
        current = ""
        for piece in stacked:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= SECTION_TEXT_LIMIT:
                current = candidate
            else:
                blocks.append(_section(current))
                current = piece
        if current:
            blocks.append(_section(current))
        stacked.clear()

    for field in fields:
        if field.inline and "\n" not in field.value:
            flush_stacked()
            inline.append(field)
        else:
            flush_inline()
            stacked.append(_field_text(field, SECTION_TEXT_LIMIT))
    flush_inline()
    flush_stacked()
    return blocks


def _width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _cell(text: str) -> str:
    """One line, no backticks (they would close the code block), at most TABLE_CELL_WIDTH."""
    clean = "".join(
        " " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in text
    ).replace("`", "ˋ")
    if _width(clean) <= TABLE_CELL_WIDTH:
        return clean
    out = ""
    for ch in clean:
        if _width(out + ch) > TABLE_CELL_WIDTH - 1:
            break
        out += ch
    return out + ELLIPSIS


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * (width - _width(text))
    return gap + text if align == "r" else text + gap


def table_lines(table: Table, tr: Translator | None = None) -> list[str]:
    """Aligned monospaced lines; the caller's row starts with ▶ and ends with ← you."""
    you = (tr or _english())._("← you")
    columns = [_cell(column) for column in table.columns]
    rows = [[_cell(cell) for cell in row] for row in table.rows]
    count = len(columns)
    rows = [(row + [""] * count)[:count] for row in rows]
    widths = [max([_width(columns[i])] + [_width(row[i]) for row in rows]) for i in range(count)]
    align = [table.align[i] if i < len(table.align) else "l" for i in range(count)]

    def line(cells: list[str], marker: str) -> str:
        body = "  ".join(_pad(cell, widths[i], align[i]) for i, cell in enumerate(cells))
        return f"{marker} {body}".rstrip()

    lines = [line(columns, " ")]
    for index, row in enumerate(rows):
        mine = index == table.highlight
        text = line(row, "▶" if mine else " ")
        lines.append(f"{text}  {you}" if mine else text)
    return lines


def _table_blocks(table: Table, tr: Translator) -> list[Block]:
    """A code block per section; a long table continues in the next section."""
    blocks: list[Block] = []
    fence = "```"
    budget = SECTION_TEXT_LIMIT - 2 * len(fence) - 2
    current: list[str] = []
    size = 0
    for raw in table_lines(table, tr):
        line = escape(raw)
        if current and size + len(line) + 1 > budget:
            blocks.append(_section(f"{fence}\n" + "\n".join(current) + f"\n{fence}"))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        blocks.append(_section(f"{fence}\n" + "\n".join(current) + f"\n{fence}"))
    return blocks


def _snippet_blocks(name: str, data: bytes, tr: Translator) -> list[Block]:
    text = data.decode("utf-8", errors="replace").replace("```", "ˋˋˋ")
    shown = fit(text, SNIPPET_LIMIT, mrkdwn=False)
    if shown.endswith(ELLIPSIS) and len(escape(text)) > SNIPPET_LIMIT:
        note = tr._("{name}: the first part of {size} bytes", name=name,
                    size=tr.number(len(data)))
    else:
        note = name
    return [_context(note), _section(f"```\n{shown}\n```")]


def _button(index: int, button: Button) -> Block | None:
    if len(button.command) > BUTTON_VALUE_LIMIT:
        return None
    element: Block = {
        "type": "button",
        "action_id": f"{BUTTON_ACTION_PREFIX}{index}",
        "text": plain(button.label or button.command, BUTTON_TEXT_LIMIT),
        "value": button.command,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def _actions_block(buttons: Sequence[Button]) -> Block | None:
    elements = [e for i, b in enumerate(buttons[:BUTTONS_PER_ACTIONS])
                if (e := _button(i, b)) is not None]
    return {"type": "actions", "elements": elements} if elements else None


def fallback_text(reply: Reply, notes: Sequence[str] = (),
                  tr: Translator | None = None) -> str:
    """What notifications and old clients show: the gist as escaped plain text."""
    parts = [reply.title, reply.text]
    parts += [f"{f.label}: {f.value}" if f.label else f.value for f in reply.fields]
    if reply.table is not None:
        parts.append("\n".join(table_lines(reply.table, tr)))
    if reply.image is not None:
        parts.append(reply.image.alt)
    parts += list(notes)
    parts.append(reply.footer)
    text = "\n".join(part for part in parts if part)
    return fit(text or "Kloutbot", FALLBACK_TEXT_LIMIT)


def render_reply(
    reply: Reply,
    *,
    notes: Sequence[str] = (),
    snippet: tuple[str, bytes] | None = None,
    tr: Translator | None = None,
) -> SlackMessage:
    """Block Kit for `reply`.

    `notes` are delivery remarks from the adapter ("sent to you in a direct message");
    `snippet` shows a file inline when it could not be uploaded; `tr` is the reader's
    language for what the rendering itself adds (English when not given).
    """
    tr = tr or _english()
    emoji = _TONE_EMOJI[reply.tone]
    head: list[Block] = []
    body: list[Block] = []
    if reply.title:
        head.append({"type": "header", "text": plain(emoji + reply.title, HEADER_LIMIT)})
    if reply.text:
        prefix = escape(emoji) if emoji and not reply.title else ""
        for index, chunk in enumerate(_chunks(reply.text, SECTION_TEXT_LIMIT - len(prefix))):
            body.append(_section(prefix + chunk if index == 0 else chunk))
    body += _field_blocks(reply.fields)
    if reply.table is not None and reply.table.rows:
        body += _table_blocks(reply.table, tr)
    if reply.image is not None:
        body.append(_context(f"🖼 {reply.image.alt}"))
    if snippet is not None:
        body += _snippet_blocks(*snippet, tr)

    tail: list[Block] = [_context(note) for note in notes if note]
    if reply.footer:
        tail.append(_context(reply.footer))
    actions = _actions_block(reply.buttons)
    if actions is not None:
        tail.append(actions)
    if len(tail) > MAX_BLOCKS // 2:
        tail = tail[-(MAX_BLOCKS // 2):]

    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        hidden = len(body) - (room - 1)
        body = body[: room - 1]
        # English says "part(s)" whatever the count; German needs the count's form.
        body.append(_context(tr.n_(
            "… {n} more part(s) not shown: this answer is longer than one Slack message "
            "allows.",
            "… {n} more part(s) not shown: this answer is longer than one Slack message "
            "allows.", hidden)))
    blocks = tuple(head + body + tail)
    if not blocks:
        blocks = (_section(escape(tr._("(empty reply)"))),)
    return SlackMessage(text=fallback_text(reply, notes, tr), blocks=blocks)


__all__ = [
    "BUTTON_ACTION_PREFIX",
    "MAX_BLOCKS",
    "SlackMessage",
    "escape",
    "escape_mrkdwn",
    "fallback_text",
    "fit",
    "neutralise",
    "render_reply",
    "table_lines",
]
