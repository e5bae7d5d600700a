"""The two ways to run a chapter: ``quick`` (a laptop CPU, minutes) and ``full`` (a GPU, closer to
the papers' protocols), and the one shape of a chapter's settings table.

Every chapter's ``SETTINGS`` is ``{"quick": {...}, "full": {...}}``; both profiles have the same keys,
among them ``steps``, ``batch_size`` and ``overrides`` (see
:mod:`recur_tutorial.engine.families`); :func:`profile_settings` is the one way to read them.
"""

from __future__ import annotations

from ..errors import ConfigError, check_choice

PROFILES = ("quick", "full")
REQUIRED = ("steps", "batch_size", "overrides")


def check_settings(settings: dict[str, dict]) -> None:
    """Refuse a settings table that is not one table in the common shape."""
    if set(settings) != set(PROFILES):
        raise ConfigError(f"a settings table has the profiles {list(PROFILES)}, got {sorted(settings)}")
    quick, full = (set(settings[p]) for p in PROFILES)
    if quick != full:
        raise ConfigError(f"the quick and full profiles must have the same keys; only in one: {sorted(quick ^ full)}")
    missing = [k for k in REQUIRED if k not in quick]
    if missing:
        raise ConfigError(f"a profile's settings need {list(REQUIRED)}; missing {missing}")


def profile_settings(profile: str, settings: dict[str, dict]) -> dict:
    """The settings of ``profile`` from a chapter's ``{"quick": {...}, "full": {...}}`` table."""
    check_choice("profile", profile, PROFILES)
    check_settings(settings)
    return settings[profile]
