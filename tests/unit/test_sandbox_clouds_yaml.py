"""The sandbox's clouds.yaml entry: merged into an existing file, owner-only, the same
entry as text to print, and taken out again at stop."""

from __future__ import annotations

import stat

import yaml

from topology.sandbox.api.clouds_yaml import clouds_yaml_text, remove_cloud, write_clouds_yaml

AUTH_URL = "http://127.0.0.1:8900/v3"


def test_a_new_file_holds_the_entry_and_only_its_owner_reads_it(tmp_path):
    path = write_clouds_yaml(tmp_path / "sub" / "clouds.yaml", "sandbox", AUTH_URL, "pw",
                             region_name="RegionOne")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entry = yaml.safe_load(path.read_text())["clouds"]["sandbox"]
    assert entry == {
        "auth": {"auth_url": AUTH_URL, "username": "admin", "password": "pw",
                 "project_name": "admin", "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "identity_api_version": 3, "region_name": "RegionOne"}


def test_other_clouds_and_settings_are_kept_and_the_entry_replaced(tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({
        "clouds": {"lab": {"auth": {"auth_url": "http://lab/v3"}},
                   "sandbox": {"auth": {"auth_url": "http://old/v3"}}},
        "cache": {"expiration_time": 3}}))
    path.chmod(0o644)
    write_clouds_yaml(path, "sandbox", AUTH_URL, "new")
    document = yaml.safe_load(path.read_text())
    assert document["cache"] == {"expiration_time": 3}
    assert document["clouds"]["lab"] == {"auth": {"auth_url": "http://lab/v3"}}
    assert document["clouds"]["sandbox"]["auth"]["password"] == "new"
    assert "region_name" not in document["clouds"]["sandbox"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["clouds.yaml"]  # no temporary left


def test_the_text_is_the_file_of_one_cloud(tmp_path):
    text = clouds_yaml_text("sandbox", AUTH_URL, "pw", region_name="RegionTwo")
    written = write_clouds_yaml(tmp_path / "clouds.yaml", "sandbox", AUTH_URL, "pw",
                                region_name="RegionTwo")
    assert yaml.safe_load(text) == yaml.safe_load(written.read_text())


def test_removing_the_cloud_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"lab": {"auth": {"auth_url": "http://lab/v3"}}},
                                    "cache": {"expiration_time": 3}}))
    write_clouds_yaml(path, "sandbox", AUTH_URL, "pw")
    assert remove_cloud(path, "sandbox", AUTH_URL)
    assert yaml.safe_load(path.read_text()) == {
        "clouds": {"lab": {"auth": {"auth_url": "http://lab/v3"}}},
        "cache": {"expiration_time": 3}}
    assert not remove_cloud(path, "sandbox", AUTH_URL)  # gone already: nothing to do


def test_a_file_left_empty_goes_and_an_entry_rewritten_since_stays(tmp_path):
    path = write_clouds_yaml(tmp_path / "clouds.yaml", "sandbox", AUTH_URL, "pw")
    assert remove_cloud(path, "sandbox", AUTH_URL) and not path.exists()
    assert not remove_cloud(path, "sandbox", AUTH_URL)  # no file: nothing to do
    # Someone pointed the entry elsewhere meanwhile (another sandbox): theirs now.
    write_clouds_yaml(path, "sandbox", "http://127.0.0.1:9999/v3", "other")
    assert not remove_cloud(path, "sandbox", AUTH_URL)
    assert yaml.safe_load(path.read_text())["clouds"]["sandbox"]["auth"]["password"] == "other"
