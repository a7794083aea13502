"""The settings class and .env.example stay in step."""

from __future__ import annotations

import re

from assistant.config import Settings
from tests.conftest import ROOT


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^# (RUTINSTOD_[A-Z_]+)=", text, re.MULTILINE))
    expected = {f"RUTINSTOD_{name.upper()}" for name in Settings.model_fields}
    assert listed == expected, f"missing: {expected - listed}, stale: {listed - expected}"


def test_every_setting_is_described() -> None:
    undescribed = [n for n, f in Settings.model_fields.items() if not f.description]
    assert not undescribed, f"settings without a description: {undescribed}"
