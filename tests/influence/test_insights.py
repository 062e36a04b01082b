"""The sentences `/klout explain` shows members: drivers, changes and tips."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from chatbot.i18n import load_catalogs
from chatbot.influence.insights import (
    GENERIC_TIP,
    MAX_TIPS,
    MIN_POSTS_PER_GROUP,
    NOT_A_HIRING_METRIC,
    describe_changes,
    describe_standing,
    explain_components,
    tips,
)
from chatbot.influence.score import (
    COMPONENTS,
    SCORE_VERSION,
    NetworkScore,
    ScoreResult,
    attribute_change,
    combine,
    score_account,
)
from chatbot.values.accounts import AccountSnapshot, Post, Profile

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
EN = load_catalogs().translator("en")
GENERIC = EN._(GENERIC_TIP, n=MIN_POSTS_PER_GROUP)


def scored(
    network: str, followers: int, posts: int, likes: int, replies: int = 0, reposts: int = 0,
    extra: dict[str, int] | None = None,
) -> NetworkScore:
    items = tuple(
        Post(id=f"p{i}", created_at=NOW - timedelta(days=90 * (i + 0.5) / posts),
             likes=likes, replies=replies, reposts=reposts)
        for i in range(posts)
    )
    profile = Profile(network=network, handle="h", account_id="1", followers=followers,
                      extra=extra or {})
    return score_account(AccountSnapshot(profile, items, NOW), NOW)


def post(
    day: int, *, likes: int = 0, replies: int = 0, media: bool = False, question: bool = False,
    is_reply: bool = False, is_repost: bool = False,
) -> Post:
    return Post(id=f"d{day}-{likes}-{replies}-{media}-{question}-{is_reply}-{is_repost}",
                created_at=NOW - timedelta(days=day), likes=likes, replies=replies,
                has_media=media, is_question=question, is_reply=is_reply, is_repost=is_repost)


PRO = scored("bluesky", 3_000, 60, likes=30, replies=4, reposts=6)


# --- explain_components -----------------------------------------------------------------


def test_a_member_without_data_is_told_there_is_no_score_yet() -> None:
    lines = explain_components(EN, combine([]))
    assert len(lines) == 1
    assert lines[0].startswith("No score yet")
    assert "/klout register" in lines[0]


def test_explain_names_every_component_with_its_points_ranked() -> None:
    lines = explain_components(EN, combine([PRO]))
    assert "comes from Bluesky alone" in lines[0]
    network_line = lines[1]
    assert network_line.startswith(f"Bluesky {PRO.score:.1f}:")
    positions = [network_line.index(f"{name} ") for name in COMPONENTS]
    by_points = sorted(COMPONENTS, key=lambda name: -PRO.components[name])
    assert [COMPONENTS[i] for i in sorted(range(4), key=lambda i: positions[i])] == by_points
    for name in COMPONENTS:
        assert f"{name} {PRO.components[name]:.1f} points" in network_line
    assert "3,000 followers" in network_line


def test_explain_shows_what_each_further_network_adds() -> None:
    github = scored("github", 300, 40, likes=0, extra={"stars": 2_000, "forks": 150})
    lines = explain_components(EN, combine([PRO, github]))
    assert "best network, Bluesky" in lines[0]
    assert re.search(r"GitHub adds \d+\.\d", lines[0])
    github_line = next(line for line in lines if line.startswith("GitHub "))
    assert "2,000 stars" in github_line
    assert "150 forks" in github_line


def test_explain_tells_an_automated_account_that_silent_followers_do_not_count() -> None:
    automated = scored("mastodon", 20_000, 300, likes=1)
    lines = explain_components(EN, combine([automated]))
    assert any("of your 20,000 Mastodon followers count" in line for line in lines)


def test_every_explanation_ends_by_saying_the_score_is_not_a_hiring_metric() -> None:
    lines = explain_components(EN, combine([PRO]))
    assert lines[-1] == EN._(NOT_A_HIRING_METRIC)
    assert "it is not a hiring metric" in lines[-1]
    assert NOT_A_HIRING_METRIC not in explain_components(EN, combine([]))


# --- describe_changes -----------------------------------------------------------------


def test_the_first_score_says_changes_come_later() -> None:
    lines = describe_changes(EN, None, combine([PRO]))
    assert lines == [f"This is your first score ({combine([PRO]).score}); "
                     "changes show from the next one on."]


def test_a_rise_in_engagement_per_post_is_named_with_its_numbers_and_points() -> None:
    before = combine([PRO])
    better = scored("bluesky", 3_000, 60, likes=60, replies=10, reposts=6)
    after = combine([better])
    lines = describe_changes(EN, before, after)
    assert lines[0] == f"Your score rose from {before.score} to {after.score} " \
                       f"(+{after.score - before.score})."
    points = attribute_change(PRO, better)["reactions"]
    old_rate = PRO.metrics["engagement_per_post"]
    new_rate = better.metrics["engagement_per_post"]
    assert (f"Moved most: Bluesky engagement per post rose from {old_rate:.1f} to "
            f"{new_rate:.1f}: +{points:.1f} points.") in lines


def test_a_fall_names_the_part_that_fell() -> None:
    worse = scored("bluesky", 3_000, 60, likes=10, replies=1, reposts=2)
    lines = describe_changes(EN, combine([PRO]), combine([worse]))
    assert lines[0].startswith("Your score fell from")
    assert any(line.startswith("Moved most: Bluesky engagement per post fell from")
               and "-" in line for line in lines[1:])


def test_a_reason_never_contradicts_the_sign_of_its_points() -> None:
    """Fewer followers but more reactions: the audience that counts rose."""
    capped = scored("bluesky", 20_000, 300, likes=1)
    lively = scored("bluesky", 15_000, 60, likes=60, replies=10, reposts=10)
    lines = describe_changes(EN, combine([capped]), combine([lively]))
    assert not any("followers fell" in line and ": +" in line for line in lines)
    assert any("followers who count" in line and ": +" in line for line in lines)


def test_an_unchanged_score_says_it_stayed() -> None:
    result = combine([PRO])
    assert describe_changes(EN, result, result) == [f"Your score stayed at {result.score}."]


def test_added_and_removed_networks_are_reported_with_their_points() -> None:
    github = scored("github", 300, 40, likes=0, extra={"stars": 2_000})
    both = combine([PRO, github])
    added = describe_changes(EN, combine([PRO]), both)
    assert any(line.startswith("GitHub now counts towards your score: +") for line in added)
    removed = describe_changes(EN, both, combine([PRO]))
    assert any(line.startswith("GitHub no longer counts towards your score") for line in removed)


def test_several_networks_say_which_score_a_change_belongs_to() -> None:
    github = scored("github", 300, 40, likes=0, extra={"stars": 2_000})
    better = scored("bluesky", 3_000, 60, likes=60, replies=10, reposts=6)
    lines = describe_changes(EN, combine([PRO, github]), combine([better, github]))
    assert any(line.endswith("on your Bluesky score.") for line in lines)


def test_a_formula_change_is_called_out() -> None:
    old = ScoreResult(score=40, raw=40.0, networks={"bluesky": PRO}, version="0.9")
    lines = describe_changes(EN, old, combine([PRO]))
    assert lines[0].startswith(f"The score formula changed from version 0.9 to {SCORE_VERSION}")


# --- tips ---------------------------------------------------------------------------------


def test_posts_with_images_that_do_better_are_pointed_out_with_the_sample_sizes() -> None:
    posts = [post(i, likes=12, media=True) for i in range(10)]
    posts += [post(i, likes=4) for i in range(30)]
    assert tips(EN, {"bluesky": posts}) == [
        "On Bluesky, your posts with an image or video drew 3.0× more reactions than those "
        "without (10 vs 30 posts)."
    ]


def test_questions_that_draw_more_replies_are_pointed_out() -> None:
    posts = [post(i, replies=6, likes=2, question=True) for i in range(9)]
    posts += [post(i, replies=1, likes=2) for i in range(20)]
    lines = tips(EN, {"mastodon": posts})
    assert lines == [
        "On Mastodon, your posts that ask a question got 6.0× more replies than your "
        "statements (9 vs 20 posts)."
    ]


def test_text_only_posts_that_do_better_are_said_the_other_way_round() -> None:
    posts = [post(i, likes=2, media=True) for i in range(10)]
    posts += [post(i, likes=8) for i in range(10)]
    assert tips(EN, {"x": posts}) == [
        "On X, your text-only posts drew 4.0× more reactions than those with an image or "
        "video (10 vs 10 posts)."
    ]


def test_too_few_posts_give_the_generic_advice_instead_of_a_tip() -> None:
    few = MIN_POSTS_PER_GROUP - 1
    posts = [post(i, likes=20, media=True) for i in range(few)]
    posts += [post(i, likes=1) for i in range(30)]
    assert tips(EN, {"bluesky": posts}) == [GENERIC]


def test_one_viral_post_does_not_make_a_tip() -> None:
    posts = [post(0, likes=500, media=True)] + [post(i, likes=3, media=True) for i in range(1, 10)]
    posts += [post(i, likes=3) for i in range(20)]
    assert tips(EN, {"bluesky": posts}) == [GENERIC]


def test_reposts_of_others_never_feed_a_comparison() -> None:
    posts = [post(i, likes=5_000, media=True, is_repost=True) for i in range(7)]
    posts += [post(i, likes=3) for i in range(20)]
    assert tips(EN, {"bluesky": posts}) == [GENERIC]


def test_weeks_with_conversation_are_compared_with_quiet_weeks() -> None:
    posts: list[Post] = []
    for week in range(12):
        talking = week % 2 == 0
        posts.append(post(week * 7, likes=9 if talking else 3))
        if talking:
            posts.append(post(week * 7, is_reply=True))
    lines = tips(EN, {"bluesky": posts})
    assert ("On Bluesky, in weeks when you also replied to others your own posts drew 3.0× more "
            "reactions than in weeks when you did not (6 vs 6 weeks).") in lines


def test_a_feed_of_mostly_reposts_is_told_they_do_not_count() -> None:
    posts = [post(i, likes=1, is_repost=True) for i in range(30)] + [post(1, likes=2)]
    lines = tips(EN, {"bluesky": posts})
    assert lines == [
        "On Bluesky, 30 of your 31 posts were reposts of others: they help the people you "
        "share, but only your own posts count towards your score."
    ]


def test_posting_into_silence_is_pointed_out() -> None:
    posts = [post(i) for i in range(12)] + [post(i, likes=2) for i in range(4)]
    lines = tips(EN, {"youtube": posts})
    assert lines[0].startswith("On YouTube, 12 of your 16 posts drew no reaction at all")


def test_no_posts_at_all_give_the_generic_advice() -> None:
    assert tips(EN, {}) == [GENERIC]
    assert tips(EN, {"bluesky": []}) == [GENERIC]


def test_tips_are_capped_and_strongest_first() -> None:
    networks = {}
    for network, ratio in (("bluesky", 2), ("mastodon", 5), ("x", 3), ("github", 4),
                           ("youtube", 6)):
        networks[network] = [post(i, likes=2 * ratio, media=True) for i in range(10)] + [
            post(i, likes=2) for i in range(10)]
    lines = tips(EN, networks)
    assert len(lines) == MAX_TIPS
    assert [line.split(",")[0] for line in lines] == [
        "On YouTube", "On Mastodon", "On GitHub", "On X"]


def test_a_group_with_no_reactions_is_described_without_dividing_by_zero() -> None:
    posts = [post(i, likes=4, media=True) for i in range(10)]
    posts += [post(i) for i in range(10)]
    lines = tips(EN, {"bluesky": posts})
    assert lines[0] == (
        "On Bluesky, your posts with an image or video drew 4.0 reactions each on average, "
        "while those without drew none (10 vs 10 posts)."
    )


# --- where the shown score stands ----------------------------------------------------------


def test_the_standing_says_which_way_the_shown_score_is_heading() -> None:
    assert describe_standing(EN, 56.2, 59.4) == (
        "Your card shows 56; today's activity computes to 59.4, so the shown score is rising "
        "towards it, closing about 16% of the gap each day (smoothing keeps one quiet or "
        "failed day from swinging it).")
    assert "falling towards it" in describe_standing(EN, 61.0, 40.0)
    assert describe_standing(EN, 40.1, 40.3) == (
        "Your card shows 40, which is where today's activity puts you (40.3).")


def test_the_headline_speaks_of_the_shown_numbers() -> None:
    before, after = combine([PRO]), combine([scored("bluesky", 3_000, 60, likes=60)])
    assert describe_changes(EN, before, after, (48, 51))[0] == "Your score rose from 48 to 51 (+3)."


def test_lifetime_stars_are_named_as_reach_not_reactions() -> None:
    github = scored("github", 300, 40, likes=3, extra={"stars": 2_000})
    line = next(line for line in explain_components(EN, combine([github]))
                if line.startswith("GitHub "))
    assert "2,000 stars as reach" in line
    assert "counting" not in line


def test_decimals_read_as_they_always_have_in_english() -> None:
    """0.35 is 0.34999… in binary: "0.3", as the sentences were always formatted."""
    assert describe_standing(EN, 0.2, 0.35) == (
        "Your card shows 0, which is where today's activity puts you (0.3).")
