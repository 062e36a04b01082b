from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.platforms.slack_render import (
    FIELD_TEXT_LIMIT,
    HEADER_LIMIT,
    LOOK_ALIKES,
    MAX_BLOCKS,
    SECTION_TEXT_LIMIT,
    escape,
    escape_mrkdwn,
    fit,
    neutralise,
    render_reply,
    table_lines,
)
from chatbot.values.reply import Button, Field, Image, Reply, Table, Tone, Visibility

HOSTILE = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0123|@devs>", "<@U123>",
           "@everyone", "*bold*", "<https://evil.example|click me>", "a & b", "x" * 10_000]


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text Slack would display from these blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_LIMIT
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(len(f["text"]) <= FIELD_TEXT_LIMIT for f in fields)


def assert_cannot_ping(payload: dict[str, Any]) -> None:
    sent = json.dumps(payload, ensure_ascii=False)
    assert "<!" not in sent
    assert "<@" not in sent
    assert "<http" not in sent
    for node in texts(payload["blocks"]):
        assert "<" not in node and ">" not in node
    for block in payload["blocks"]:
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                assert obj["verbatim"] is True


def test_escape_turns_slack_control_characters_into_entities() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_fit_cuts_visibly_and_never_inside_an_entity() -> None:
    cut = fit("ab<<<<<", 8)
    assert cut.endswith("…") and len(cut) <= 8
    assert re.fullmatch(r"ab(&lt;)*…", cut)


def test_hostile_names_in_every_part_of_a_reply_cannot_ping_or_link() -> None:
    for name in HOSTILE:
        reply = Reply(
            title=f"{name} — Klout 50",
            text=f"{name} gained 3 points",
            fields=(Field(name, name), Field("Topics", name, inline=False)),
            table=Table(columns=("#", "Member"), rows=(("1", name),), highlight=0),
            footer=f"by {name}",
            buttons=(Button(name, "leaderboard page 2"),),
        )
        payload = render_reply(reply, notes=(name,)).payload()
        assert_cannot_ping(payload)
        assert_within_limits(payload["blocks"])
        assert "<" not in payload["text"]


def test_a_mention_in_a_name_shows_as_literal_text() -> None:
    payload = render_reply(Reply(text="<@U123> and <!here>")).payload()
    assert payload["blocks"][0]["text"]["text"] == "&lt;@U123&gt; and &lt;!here&gt;"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.lists(st.tuples(st.text(max_size=60), st.text(max_size=300)),
                                       max_size=30))
def test_any_text_renders_escaped_and_within_block_kit_limits(
    text: str, pairs: list[tuple[str, str]]
) -> None:
    reply = Reply(title=text, text=text * 20, fields=tuple(Field(a, b) for a, b in pairs),
                  footer=text)
    payload = render_reply(reply).payload()
    assert_within_limits(payload["blocks"])
    for node in texts(payload["blocks"]):
        assert "<" not in node and ">" not in node
        assert not re.search(r"&(?!amp;|lt;|gt;)", node)


def test_more_than_ten_inline_fields_are_split_across_sections() -> None:
    reply = Reply(fields=tuple(Field(f"f{i}", str(i)) for i in range(23)))
    sections = [b for b in render_reply(reply).blocks if b["type"] == "section"]
    assert [len(b["fields"]) for b in sections] == [10, 10, 3]


def test_long_text_continues_in_further_sections_instead_of_being_lost() -> None:
    lines = [f"line {i} " + "y" * 90 for i in range(100)]
    blocks = render_reply(Reply(text="\n".join(lines))).blocks
    shown = "\n".join(b["text"]["text"] for b in blocks)
    assert len(blocks) > 1
    assert "line 0 " in shown and "line 99 " in shown


def test_a_reply_too_big_for_one_message_is_cut_with_a_visible_note_and_keeps_buttons() -> None:
    reply = Reply(
        title="Big",
        fields=tuple(Field(f"label {i}", "v" * 1500, inline=False) for i in range(80)),
        footer="page 1 of 9",
        buttons=(Button("Next ▶", "leaderboard page 2"),),
    )
    blocks = render_reply(reply).blocks
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert blocks[-2]["elements"][0]["text"] == "page 1 of 9"
    assert "not shown" in blocks[-3]["elements"][0]["text"]


def test_header_of_a_very_long_title_is_truncated_with_an_ellipsis() -> None:
    header = render_reply(Reply(title="n" * 10_000)).blocks[0]
    assert header["type"] == "header"
    assert len(header["text"]["text"]) == HEADER_LIMIT
    assert header["text"]["text"].endswith("…")


def test_table_is_an_aligned_code_block_with_the_callers_row_marked() -> None:
    table = Table(columns=("#", "Member", "Score"),
                  rows=(("1", "Zoë", "71"), ("12", "李小龙", "9"), ("3", "Bob", "100")),
                  align=("r", "l", "r"), highlight=1)
    lines = table_lines(table)
    assert lines[2].startswith("▶") and lines[2].endswith("← you")
    assert not lines[1].startswith("▶")
    # right-aligned score column ends at the same display column on every row
    ends = {line.replace("  ← you", "").rstrip().rfind(score)
            + len(score) + line.count("李") + line.count("小") + line.count("龙")
            for line, score in zip(lines[1:], ("71", "9", "100"), strict=True)}
    assert len(ends) == 1
    block = render_reply(Reply(table=table)).blocks[0]
    assert block["text"]["text"].startswith("```") and block["text"]["text"].endswith("```")


def test_a_name_with_backticks_cannot_break_out_of_the_table_code_block() -> None:
    table = Table(columns=("Member",), rows=(("```<!channel>```",),))
    text = render_reply(Reply(table=table)).blocks[0]["text"]["text"]
    assert text.count("```") == 2
    assert "&lt;!channel&gt;" in text


def test_a_10000_character_name_is_shortened_in_the_table() -> None:
    lines = table_lines(Table(columns=("Member",), rows=(("x" * 10_000,),)))
    assert max(len(line) for line in lines) < 40
    assert lines[1].rstrip().endswith("…")


def test_buttons_carry_their_command_and_style() -> None:
    reply = Reply(buttons=(Button("◀ Previous", "leaderboard all page 1"),
                           Button("Delete everything", "forget confirm", style="danger"),
                           Button("Odd", "help", style="sparkly")))
    actions = render_reply(reply).blocks[-1]
    assert actions["type"] == "actions"
    first, second, third = actions["elements"]
    assert (first["action_id"], first["value"]) == ("klout_button_0", "leaderboard all page 1")
    assert "style" not in first
    assert (second["action_id"], second["style"]) == ("klout_button_1", "danger")
    assert "style" not in third


def test_errors_are_marked_and_the_fallback_text_carries_the_gist() -> None:
    message = render_reply(Reply(text="Unknown network “myspace”.", tone=Tone.ERROR))
    assert message.blocks[0]["text"]["text"].startswith(":x: ")
    assert "myspace" in message.text


def test_an_image_reply_describes_the_image_in_text() -> None:
    reply = Reply(title="History", image=Image(b"\x89PNG", "h.png", "Line chart of <!here>"))
    payload = render_reply(reply).payload()
    assert any("Line chart of &lt;!here&gt;" in t for t in texts(payload["blocks"]))
    assert_cannot_ping(payload)


def test_a_snippet_shows_a_file_inline_within_the_limits() -> None:
    data = json.dumps({"name": "<!channel>", "rows": ["x" * 100] * 200}).encode()
    payload = render_reply(Reply(title="Your data"), snippet=("export.json", data)).payload()
    assert_within_limits(payload["blocks"])
    assert_cannot_ping(payload)
    code = payload["blocks"][-1]["text"]["text"]
    assert code.startswith("```") and code.endswith("…\n```")


def _mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def test_formatting_in_names_and_topics_shows_literally_in_mrkdwn() -> None:
    reply = Reply(
        title="*Title*",
        text="Endorsed for `rm -rf` and ~strike~ by _Ann_",
        fields=(Field("*Bold Bob*", "topics: _python_, `go`, ~rust~"),
                Field("Alice", "@john_doe and 2*3*4", inline=False)),
        footer="*footer*",
        visibility=Visibility.CHANNEL,
    )
    message = render_reply(reply)
    shown = "\n".join(_mrkdwn_texts(list(message.blocks)))
    assert "∗Bold Bob∗" in shown and "∗footer∗" in shown
    assert "ˋrm -rfˋ" in shown and "∼strike∼" in shown and "ˍAnnˍ" in shown
    assert "ˍpythonˍ, ˋgoˋ, ∼rust∼" in shown
    # Inside a word Slack formats nothing: handles and arithmetic stay exactly as typed.
    assert "@john_doe and 2*3*4" in shown
    # The label's own bold markers are the renderer's, the name's are neutralised.
    assert "*∗Bold Bob∗*" in shown
    assert "`" not in message.text and "ˋrm -rfˋ" in message.text
    # plain_text (the header) shows every character as typed already.
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "*Title*", "emoji": True}


@given(st.text(alphabet=st.sampled_from("ab1 *_~`-@.\n<&"), max_size=80))
def test_no_marker_that_could_format_survives_and_nothing_else_changes(text: str) -> None:
    shown = neutralise(text)
    assert len(shown) == len(text) and "`" not in shown
    for index, ch in enumerate(shown):
        if ch in "*_~":
            assert 0 < index < len(shown) - 1
            assert shown[index - 1].isalnum() and shown[index + 1].isalnum()
    back = {look: marker for marker, look in LOOK_ALIKES.items()}
    assert "".join(back.get(ch, ch) for ch in shown) == text
    assert escape_mrkdwn(text) == escape(shown)
