"""What a member sees in a Discord embed, and that no reply can break Discord's limits
or ping anyone."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.platforms.discord_render import (
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    TITLE_MAX,
    TONE_COLOURS,
    CommandButton,
    display_width,
    escape,
    render,
    table_lines,
)
from chatbot.values.reply import Button, Field, Image, Reply, Table, Tone

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_reply_becomes_embed_with_title_text_fields_footer_and_tone_colour() -> None:
    reply = Reply(title="Your score", text="Up 3 this week", footer="refreshed 2 h ago",
                  fields=(Field("GitHub", "41"), Field("Tips", "post images", inline=False)),
                  tone=Tone.SUCCESS)
    embed = render(reply).embed
    assert embed.title == "Your score"
    assert embed.description == "Up 3 this week"
    assert embed.footer.text == "refreshed 2 h ago"
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [
        ("GitHub", "41", True), ("Tips", "post images", False)]
    assert embed.colour == TONE_COLOURS[Tone.SUCCESS]
    assert render(Reply(text="no", tone=Tone.ERROR)).embed.colour == TONE_COLOURS[Tone.ERROR]


def test_table_is_an_aligned_code_block_with_the_callers_row_marked() -> None:
    table = Table(columns=("#", "Member", "Score"),
                  rows=(("1", "Ann", "71"), ("2", "Bartholomew", "9"), ("10", "Me", "55")),
                  align=("r", "l", "r"), highlight=2)
    description = render(Reply(text="Top members", table=table)).embed.description or ""
    assert description.startswith("Top members\n\n```\n")
    assert description.endswith("\n```")
    lines = description.split("```\n")[1].removesuffix("\n```").splitlines()
    assert lines[0].split() == ["#", "Member", "Score"]
    assert lines[3].startswith("▶ 10  Me")
    assert not lines[1].startswith("▶")
    scores = [line.rstrip()[-2:] for line in lines[1:]]
    assert scores == ["71", " 9", "55"]  # right-aligned in one column
    assert len({len(line.rstrip()) for line in lines[1:]}) == 1


def test_wide_characters_keep_table_columns_aligned() -> None:
    lines = table_lines(Table(columns=("Member", "Score"),
                              rows=(("山田太郎", "50"), ("Bob", "7")), align=("l", "r")))
    # 山田太郎 takes 8 columns in a monospaced font: the right-aligned scores end together
    assert display_width(lines[1]) == display_width(lines[2])
    assert lines[1].endswith("50") and lines[2].endswith(" 7")


def test_backticks_in_names_cannot_close_the_code_block() -> None:
    table = Table(columns=("Member",), rows=(("```@everyone```",),))
    description = render(Reply(table=table)).embed.description or ""
    assert description.count("```") == 2


def test_names_with_mentions_are_shown_as_text_and_ping_no_one() -> None:
    hostile = "@everyone @here <@&123456789012345678> <@123456789012345678>"
    rendered = render(Reply(title=hostile, text=hostile, fields=(Field(hostile, hostile),),
                            footer=hostile))
    embed = rendered.embed
    for text in (embed.title, embed.description, embed.fields[0].name, embed.fields[0].value,
                 embed.footer.text):
        assert text is not None
        assert "@everyone" not in text and "@here" not in text
        assert "<@&123456789012345678>" not in text and "<@123456789012345678>" not in text
        assert "everyone" in text  # still readable
    assert rendered.send_kwargs()["allowed_mentions"].to_dict() == {"parse": []}


def test_markdown_in_member_text_is_shown_literally() -> None:
    assert escape("**bold** _it_ ~~x~~ https://a.example/x_y") == \
        "\\*\\*bold\\*\\* \\_it\\_ \\~\\~x\\~\\~ https://a.example/x_y"


def test_more_than_25_fields_are_cut_visibly() -> None:
    fields = tuple(Field(f"f{i}", "v") for i in range(40))
    embed = render(Reply(fields=fields)).embed
    assert len(embed.fields) == FIELDS_MAX
    assert embed.fields[-1].value == "16 more not shown"


def test_long_parts_are_truncated_with_an_ellipsis() -> None:
    embed = render(Reply(title="t" * 300, text="d" * 5000,
                         fields=(Field("n" * 300, "v" * 2000),))).embed
    assert embed.title is not None and len(embed.title) == TITLE_MAX
    assert embed.title.endswith("…")
    name, value = embed.fields[0].name or "", embed.fields[0].value or ""
    assert name.endswith("…") and len(name) == FIELD_NAME_MAX
    assert value.endswith("…")
    assert len(embed) <= EMBED_TOTAL_MAX


def test_long_tables_drop_rows_and_say_how_many() -> None:
    rows = tuple((str(i), f"member-{i:04d}-" + "x" * 40, "50") for i in range(200))
    description = render(Reply(table=Table(("#", "Member", "Score"), rows))).embed.description
    assert description is not None and len(description) <= DESCRIPTION_MAX
    assert description.endswith("more rows\n```")


@settings(max_examples=40, deadline=None)
@given(
    title=st.text(max_size=400),
    text=st.text(max_size=6000),
    footer=st.text(max_size=2500),
    fields=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=1500), st.booleans()),
                    max_size=40),
    rows=st.integers(min_value=0, max_value=120),
)
def test_no_reply_can_exceed_discords_embed_limits(
    title: str, text: str, footer: str, fields: list[tuple[str, str, bool]], rows: int
) -> None:
    table = Table(("#", "Member"), tuple((str(i), "name " * 5) for i in range(rows))) \
        if rows else None
    embed = render(Reply(title=title, text=text, footer=footer, table=table,
                         fields=tuple(Field(n, v, i) for n, v, i in fields))).embed
    assert len(embed) <= EMBED_TOTAL_MAX
    assert len(embed.title or "") <= TITLE_MAX
    assert len(embed.description or "") <= DESCRIPTION_MAX
    assert len(embed.fields) <= FIELDS_MAX
    for field in embed.fields:
        assert 0 < len(field.name or "") <= FIELD_NAME_MAX
        assert 0 < len(field.value or "") <= FIELD_VALUE_MAX


def test_chart_is_an_attachment_shown_in_the_embed() -> None:
    rendered = render(Reply(title="History", image=Image(PNG, "klout history.png", "a chart")))
    assert rendered.embed.image.url == "attachment://klout-history.png"
    files = rendered.files()
    assert [f.filename for f in files] == ["klout-history.png"]
    assert files[0].fp.read() == PNG
    assert files[0].description == "a chart"


def test_export_json_is_attached_as_a_file() -> None:
    rendered = render(Reply(title="Your data", attachment=("klout-export.json", b'{"a": 1}')))
    assert [(u.filename, u.data) for u in rendered.uploads] == [
        ("klout-export.json", b'{"a": 1}')]


async def test_buttons_carry_their_command_in_the_custom_id() -> None:
    rendered = render(Reply(buttons=(
        Button("Next ▶", "leaderboard week page 2", style="primary"),
        Button("Delete everything", "forget confirm", style="danger"),
        Button("Too long", "x" * 100),
    )))
    view = rendered.view()
    assert view is not None and view.timeout is None
    items = [item for item in view.children if isinstance(item, CommandButton)]
    assert [(i.custom_id, i.item.label, i.item.style) for i in items] == [
        ("klout:leaderboard week page 2", "Next ▶", discord.ButtonStyle.primary),
        ("klout:forget confirm", "Delete everything", discord.ButtonStyle.danger),
    ]


def test_reply_without_buttons_sends_no_view() -> None:
    assert render(Reply(text="hi")).view() is None
    assert "view" not in render(Reply(text="hi")).send_kwargs()
