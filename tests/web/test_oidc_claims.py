"""From claims to the session: roles, groups, names, the session's age and the settings."""

from __future__ import annotations

import time
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from assistant.config import RoleName
from tests.conftest import make_settings
from web.auth import KNOWN_ROLES, SESSION_USER, session_user
from web.oidc import claim, roles_from_claims, user_from_claims

SECRET = "x" * 40


def settings(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """Return OIDC settings with a Keycloak-style roles claim."""
    return make_settings(
        tmp_path,
        oidc_issuer="https://idp.example/realms/kommun",
        oidc_client_id="rutinstod",
        session_secret=SECRET,
        oidc_roles_claim="realm_access.roles",
        oidc_roles={"Rutinstod-Rutingrupp": "rutingrupp", "rutinstod-admin": "admin"},
        **overrides,
    )


def test_role_names_agree_with_the_settings() -> None:
    assert set(typing.get_args(RoleName)) == KNOWN_ROLES, "config and web/auth.py name the roles"


def test_dotted_claims_and_role_mapping(tmp_path: Path) -> None:
    claims = {"sub": "1", "realm_access": {"roles": ["rutinstod-rutingrupp", "offline"]}}
    assert claim(claims, "realm_access.roles") == ["rutinstod-rutingrupp", "offline"]
    assert claim(claims, "missing.path") == [], "a missing claim is no values"
    assert claim({"groups": "one"}, "groups") == ["one"], "a single string is one value"
    roles = roles_from_claims(claims, settings(tmp_path))
    assert roles == ["handlaggare", "rutingrupp"], f"mapped case-insensitively: {roles}"
    default = roles_from_claims({"sub": "1"}, settings(tmp_path, oidc_default_role="handlaggare"))
    assert default == ["handlaggare"], "the default role applies to everyone signed in"


def test_session_keeps_only_groups_that_documents_use(tmp_path: Path) -> None:
    claims = {"sub": "abc", "name": "Eva", "groups": [f"g{i}" for i in range(300)] + ["Ekonomi"]}
    user = user_from_claims(claims, settings(tmp_path), frozenset({"ekonomi", "barn"}))
    assert user["groups"] == ["ekonomi"], "only groups some document is restricted to"
    assert user["name"] == "Eva" and user["sub"] == "abc"


def test_an_old_sign_in_no_longer_counts(tmp_path: Path) -> None:
    config = settings(tmp_path, session_max_age_minutes=60)
    fresh = {"sub": "1", "roles": ["handlaggare"], "at": time.time() - 60}
    stale = fresh | {"at": time.time() - 3700}
    for user, expected in ((fresh, True), (stale, False)):
        request = Request({"type": "http", "session": {SESSION_USER: user}, "headers": []})
        assert (session_user(request, config) is not None) is expected, user


def test_oidc_settings_must_be_complete(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="go together"):
        make_settings(tmp_path, oidc_issuer="https://idp.example")
    with pytest.raises(ValidationError, match="SESSION_SECRET"):
        make_settings(tmp_path, oidc_issuer="https://idp.example", oidc_client_id="c")
    with pytest.raises(ValidationError):
        make_settings(tmp_path, oidc_roles={"x": "superuser"})
