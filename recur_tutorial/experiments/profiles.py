"""The two ways to run a chapter: ``quick`` (a laptop CPU, minutes) and ``full`` (a GPU, closer to
the papers' protocols)."""

from __future__ import annotations

from ..errors import check_choice

PROFILES = ("quick", "full")


def profile_settings(profile: str, settings: dict[str, dict]) -> dict:
    """The settings of ``profile`` from a chapter's ``{"quick": {...}, "full": {...}}`` table."""
    check_choice("profile", profile, PROFILES)
    return settings[profile]
