"""Turns a neutral Reply into a Discord embed, files and buttons.

Discord refuses a whole message when one embed limit is exceeded, so every
part is cut here, visibly (an ellipsis or an "N more" line), rather than
letting a long leaderboard fail to post. Text from members (names, handles,
topics) is escaped so that `@everyone` or `<@&role>` shows as text; the
adapter also sends every message with no allowed mentions, so even a missed
escape pings no one.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import discord

from chatbot.i18n import Translator, load_catalogs
from chatbot.values.delivery import PostMarker
from chatbot.values.reply import Button, Reply, Table, Tone

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
CUSTOM_ID_PREFIX = "klout:"

TONE_COLOURS = {
    Tone.INFO: discord.Colour(0x5865F2),
    Tone.SUCCESS: discord.Colour(0x57F287),
    Tone.WARNING: discord.Colour(0xFEE75C),
    Tone.ERROR: discord.Colour(0xED4245),
}

_BUTTON_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}

NO_MENTIONS = discord.AllowedMentions.none()
"""Shared by every send: names can never ping anyone, whatever they contain."""

_EMPTY = "\u200b"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]+")
_CUSTOM_ID_TEMPLATE = re.compile(re.escape(CUSTOM_ID_PREFIX) + r"(?P<command>.+)")


def escape(text: str) -> str:
    """Member text shown as typed: no mention renders, no markdown applies."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text), ignore_links=True)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_width(text: str) -> int:
    """Columns in a monospaced code block: wide CJK and emoji take two, marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _cell(text: str) -> str:
    """A backtick in a name would close the code block; show a look-alike instead."""
    return text.replace("`", "ˋ").replace("\n", " ")


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if align == "r" else text + gap


def table_lines(table: Table) -> list[str]:
    """Aligned rows; the caller's own row starts with ▶ so it stands out."""
    rows = [tuple(_cell(cell) for cell in row) for row in table.rows]
    header = tuple(_cell(column) for column in table.columns)
    count = len(header)
    widths = [
        max([display_width(header[i])] + [display_width(row[i]) for row in rows if i < len(row)])
        for i in range(count)
    ]
    align = [table.align[i] if i < len(table.align) else "l" for i in range(count)]

    def line(cells: tuple[str, ...], marker: str) -> str:
        padded = [_pad(cells[i] if i < len(cells) else "", widths[i], align[i])
                  for i in range(count)]
        return (marker + " " + "  ".join(padded)).rstrip()

    out = [line(header, " ")]
    out += [line(row, "▶" if index == table.highlight else " ") for index, row in enumerate(rows)]
    return out


def _code_block(lines: list[str], room: int, tr: Translator) -> str:
    """As many rows as fit in `room` characters, then a visible "N more rows" line."""
    for keep in range(len(lines), 1, -1):
        hidden = len(lines) - keep
        # English says "rows" whatever the count; German needs the count's form.
        body = lines[:keep] + ([tr.n_("… {n} more rows", "… {n} more rows", hidden)]
                               if hidden else [])
        block = "```\n" + "\n".join(body) + "\n```"
        if len(block) <= room:
            return block
    return ""


def _description(reply: Reply, room: int, tr: Translator) -> str:
    text = cut(escape(reply.text), room) if reply.text else ""
    if reply.table is None:
        return text
    separator = "\n\n" if text else ""
    block = _code_block(table_lines(reply.table), room - len(text) - len(separator), tr)
    return text + separator + block if block else cut(text, room)


@dataclass(frozen=True)
class EmbedField:
    name: str
    value: str
    inline: bool


def _fields(reply: Reply) -> list[EmbedField]:
    return [
        EmbedField(cut(escape(f.label), FIELD_NAME_MAX) or _EMPTY,
                   cut(escape(f.value), FIELD_VALUE_MAX) or _EMPTY, f.inline)
        for f in reply.fields
    ]


def _total(title: str, description: str, fields: list[EmbedField], footer: str) -> int:
    return len(title) + len(description) + len(footer) + sum(
        len(f.name) + len(f.value) for f in fields
    )


def _fit(title: str, description: str, fields: list[EmbedField],
         footer: str, tr: Translator) -> tuple[str, list[EmbedField]]:
    """At most 25 fields and 6,000 characters in all: trailing fields give way to an
    "N more not shown" field first, then the description is shortened."""
    for keep in range(min(len(fields), FIELDS_MAX), -1, -1):
        hidden = len(fields) - keep
        if hidden and keep == FIELDS_MAX:
            continue
        chosen = fields[:keep]
        if hidden:
            chosen.append(EmbedField("…", tr.n_("{n} more not shown", "{n} more not shown",
                                                hidden), False))
        over = _total(title, description, chosen, footer) - EMBED_TOTAL_MAX
        if over <= 0:
            return description, chosen
        if keep == 0:
            return cut(description, max(1, len(description) - over)), chosen
    return description, []


def safe_filename(name: str, fallback: str) -> str:
    """`attachment://` only resolves plain names."""
    cleaned = _UNSAFE_FILENAME.sub("-", name).strip("-.")
    return cleaned[:100] or fallback


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    description: str | None = None

    def to_file(self) -> discord.File:
        return discord.File(io.BytesIO(self.data), filename=self.filename,
                            description=self.description)


@dataclass(frozen=True)
class RenderedMessage:
    """Everything needed to send a Reply; files and views are built fresh per send
    because discord.py consumes file streams and views need a running loop."""

    embed: discord.Embed
    uploads: tuple[Upload, ...]
    buttons: tuple[Button, ...]

    def files(self) -> list[discord.File]:
        return [upload.to_file() for upload in self.uploads]

    def view(self) -> discord.ui.View | None:
        return button_view(self.buttons)

    def send_kwargs(self) -> dict[str, Any]:
        """For send_message, followup.send and channel.send."""
        kwargs: dict[str, Any] = {"embed": self.embed, "files": self.files(),
                                  "allowed_mentions": NO_MENTIONS}
        view = self.view()
        if view is not None:
            kwargs["view"] = view
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """For edits: replaces attachments and buttons, so a page without a Next button
        loses it."""
        return {"embed": self.embed, "attachments": self.files(), "view": self.view(),
                "allowed_mentions": NO_MENTIONS}


def render(reply: Reply, tr: Translator | None = None) -> RenderedMessage:
    """`tr` is the reader's language for the few words rendering adds ("N more rows");
    English when not given."""
    tr = tr or load_catalogs().translator("en")
    title = cut(escape(reply.title), TITLE_MAX)
    footer = cut(discord.utils.escape_mentions(reply.footer), FOOTER_MAX)
    description = _description(reply, DESCRIPTION_MAX, tr)
    description, fields = _fit(title, description, _fields(reply), footer, tr)
    if not (title or description or fields):
        description = _EMPTY
    embed = discord.Embed(title=title or None, description=description or None,
                          colour=TONE_COLOURS[reply.tone])
    for field in fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if footer:
        embed.set_footer(text=footer)
    uploads: list[Upload] = []
    if reply.image is not None:
        name = safe_filename(reply.image.filename, "chart.png")
        uploads.append(Upload(name, reply.image.data, cut(reply.image.alt, 1024) or None))
        embed.set_image(url=f"attachment://{name}")
    if reply.attachment is not None:
        filename, data = reply.attachment
        uploads.append(Upload(safe_filename(filename, "klout-export.json"), data))
    return RenderedMessage(embed=embed, uploads=tuple(uploads), buttons=reply.buttons)


def marker_text(marker: PostMarker) -> str:
    """The short line a scheduled post's footer ends with, e.g. "followfriday 2026-W48".

    Discord keeps no hidden field on a message that a later history read returns (a
    nonce is not stored), so the mark is a few visible words; the channel already
    identifies the team.
    """
    return f"{marker.kind} {marker.period}"


def with_marker(reply: Reply, marker: PostMarker) -> Reply:
    footer = f"{reply.footer} · {marker_text(marker)}" if reply.footer else marker_text(marker)
    return replace(reply, footer=footer)


def carries(message: discord.Message, marker: PostMarker) -> bool:
    """Whether a message is the post tagged `marker` (its embed footer ends with it)."""
    wanted = marker_text(marker)
    return any((embed.footer.text or "").endswith(wanted) for embed in message.embeds)


def nonce_for(marker: PostMarker) -> str:
    """Discord's nonce (at most 25 characters) for the post, from its team and week."""
    return hashlib.sha256(marker.key.encode()).hexdigest()[:25]


def custom_id_for(command: str) -> str | None:
    """The button's command travels in its custom id, so a click still works after a
    restart; None when it would not fit Discord's 100 characters."""
    custom_id = CUSTOM_ID_PREFIX + command
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


@runtime_checkable
class ButtonHost(Protocol):
    """The client a click is handed to (the adapter's client implements it)."""

    async def klout_button_clicked(self, interaction: discord.Interaction,
                                   command: str) -> None: ...


class CommandButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=_CUSTOM_ID_TEMPLATE):
    """A button that runs `/klout <command>` as whoever clicks it.

    Registered with `add_dynamic_items`, it is rebuilt from the custom id of any
    message the bot ever sent, so old leaderboard pages keep working."""

    def __init__(self, command: str, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=cut(label, BUTTON_LABEL_MAX), style=style,
                                           custom_id=CUSTOM_ID_PREFIX + command))
        self.command = command

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction,
                             item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> CommandButton:
        label = getattr(item, "label", None) or "…"
        return cls(match["command"], label=label)

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if isinstance(client, ButtonHost):
            await client.klout_button_clicked(interaction, self.command)


def button_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    items = []
    for button in buttons:
        if custom_id_for(button.command) is None:
            continue
        style = _BUTTON_STYLES.get(button.style or "", discord.ButtonStyle.secondary)
        items.append(CommandButton(button.command, label=button.label, style=style))
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items[:25]:
        view.add_item(item)
    return view
