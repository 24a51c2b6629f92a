"""Bearer tokens, hashes and per-environment roles (no services)."""

from __future__ import annotations

import pytest

from topology.api.auth import AuthConfigError, ForbiddenError, hash_token, load_tokens


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
    from topology.api.auth import Principal

    def roles(**by_env: list[str]) -> dict[str, frozenset[str]]:
        return {("*" if e == "ANY" else e): frozenset(r) for e, r in by_env.items()}

    assert Principal("admin", admin=True).view_scope() is None
    assert Principal("all", roles=roles(ANY=["view"])).view_scope() is None
    assert Principal("all-edit", roles=roles(ANY=["edit"])).view_scope() is None
    assert Principal("some", roles=roles(prod=["view"], lab=["edit"], qa=[],
                                          ANY=[])).view_scope() == ["lab", "prod"]
    assert Principal("none").view_scope() == []


@pytest.mark.parametrize("entry, message", [
    ({"sha256": "abc"}, "sha256"),
    ({"sha256": "a" * 64, "roles": {"prod": ["admin"]}}, "unknown role"),
    ({"sha256": "a" * 64, "roles": ["prod"]}, "roles must be a table"),
])
def test_bad_token_entries_are_refused_clearly(entry, message):
    with pytest.raises(AuthConfigError, match=message):
        load_tokens("", [entry])
