"""Signed links: what they carry, and that any change or an expiry refuses them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatbot.settings import Settings, SettingsError, load_settings
from chatbot.web.links import Access, LinkRefused, LinkSigner

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = "s" * 40


def test_a_personal_link_grants_its_team_viewer_and_language_until_it_expires() -> None:
    signer = LinkSigner(SECRET)
    token = signer.personal("TEAM", "VIEWER", "de", NOW + timedelta(hours=24))
    assert signer.read(token, NOW) == Access("TEAM", "VIEWER", "de", None)
    assert signer.read(token, NOW + timedelta(hours=23, minutes=59)).viewer_web_id == "VIEWER"
    with pytest.raises(LinkRefused) as refused:
        signer.read(token, NOW + timedelta(hours=24))
    assert refused.value.why == "expired" and refused.value.language == "de"


@pytest.mark.parametrize("change", [
    lambda t: t.replace("TEAM", "TEAX"),
    lambda t: t.replace("VIEWER", "OTHER1"),
    lambda t: t.replace(".de.", ".en."),
    lambda t: t.rsplit(".", 1)[0] + "." + "A" * 22,
    lambda t: t.rsplit(".", 1)[0],
    lambda t: t + "x",
    lambda t: t.replace("1796", "1896"),
    lambda t: "ümlaut." + t,
    lambda t: "",
])
def test_any_change_to_a_link_is_refused_as_tampered(change: object) -> None:
    signer = LinkSigner(SECRET)
    token = signer.personal("TEAM", "VIEWER", "de", NOW + timedelta(hours=24))
    assert callable(change)
    with pytest.raises(LinkRefused) as refused:
        signer.read(change(token), NOW)
    assert refused.value.why == "tampered"


def test_another_secret_refuses_every_link_and_a_public_link_carries_its_generation() -> None:
    token = LinkSigner(SECRET).public("TEAM", 3, "en")
    assert LinkSigner(SECRET).read(token, NOW) == Access("TEAM", None, "en", 3)
    with pytest.raises(LinkRefused):
        LinkSigner("t" * 40).read(token, NOW)


def test_settings_refuse_a_short_secret_and_a_public_url_that_is_no_web_address(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLOUT_WEB_SECRET", "short")
    monkeypatch.setenv("KLOUT_PUBLIC_URL", "klout.example.org")
    with pytest.raises(SettingsError) as bad:
        load_settings(None)
    assert any(p.startswith("KLOUT_WEB_SECRET: must be at least 32 characters")
               for p in bad.value.problems)
    assert any(p.startswith("KLOUT_PUBLIC_URL: must be the address people open")
               for p in bad.value.problems)
    settings = Settings(klout_public_url="https://klout.example.org/",
                        klout_web_secret="x" * 32)  # type: ignore[arg-type]
    assert settings.klout_public_url == "https://klout.example.org"
