"""Bearer tokens, hashes and per-environment roles (no services)."""

from __future__ import annotations

import pytest

from topology.api.auth import (
    ROLES_IN_EVERY_ENVIRONMENT,
    AuthConfigError,
    ForbiddenError,
    Principal,
    hash_token,
    load_tokens,
)


def table():
    return load_tokens("admin-secret", [
        {"name": "viewer", "sha256": hash_token("view-prod"), "roles": {"prod": ["view"]}},
        {"name": "editor", "sha256": hash_token("edit-lab"), "roles": {"lab": "edit"}},
    ])


def test_tokens_are_found_by_hash_and_only_as_bearer():
    tokens = table()
    assert tokens.authenticate("Bearer admin-secret").admin
    assert tokens.authenticate("bearer view-prod").name == "viewer"
    assert tokens.authenticate("Bearer wrong") is None
    assert tokens.authenticate("Basic admin-secret") is None
    assert tokens.authenticate("") is None
    assert "admin-secret" not in repr(tokens.by_hash)


def test_roles_per_environment_and_edit_implies_view():
    tokens = table()
    viewer = tokens.authenticate("Bearer view-prod")
    editor = tokens.authenticate("Bearer edit-lab")
    assert viewer.can("prod", "view") and not viewer.can("prod", "edit")
    assert not viewer.can("lab", "view")
    assert editor.can("lab", "view") and editor.can("lab", "edit")
    with pytest.raises(ForbiddenError, match=r"^forbidden$"):
        viewer.require("lab", "view")


def test_view_scope_names_what_a_token_may_view():
    def roles(by_env: dict[str, list[str]]) -> dict[str, frozenset[str]]:
        return {e: frozenset(r) for e, r in by_env.items()}

    every = ROLES_IN_EVERY_ENVIRONMENT
    assert Principal("admin", admin=True).view_scope() is None
    assert Principal("all", roles=roles({every: ["view"]})).view_scope() is None
    assert Principal("all-edit", roles=roles({every: ["edit"]})).view_scope() is None
    assert Principal("some", roles=roles({"prod": ["view"], "lab": ["edit"], "qa": [],
                                          every: []})).view_scope() == ["lab", "prod"]
    assert Principal("none").view_scope() == []


@pytest.mark.parametrize("entry, message", [
    ({"sha256": "abc"}, "sha256"),
    ({"sha256": "a" * 64, "roles": {"prod": ["admin"]}}, "unknown role"),
    ({"sha256": "a" * 64, "roles": ["prod"]}, "roles must be a table"),
])
def test_bad_token_entries_are_refused_clearly(entry, message):
    with pytest.raises(AuthConfigError, match=message):
        load_tokens("", [entry])
