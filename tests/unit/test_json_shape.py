"""The shape comparator the sandbox's API tests rely on finds each kind of difference."""

from __future__ import annotations

from tests.support.json_shape import differences

LAB = {"items": [
    {"id": "a", "size": 1, "owner": None, "tags": [], "extra": {"x": 1},
     "by_name": {"net-1": [{"addr": "10.0.0.3"}]}, "kind": "one", "one": True},
    {"id": "b", "size": 2, "owner": "p", "tags": [], "extra": {"x": 2},
     "by_name": {}, "kind": "two", "two": 1.5},
]}
MAPS = frozenset({"items[].by_name"})
GROUPS = {"items[]": lambda item: str(item["kind"])}


def _mine(**changes):
    items = [dict(item) for item in LAB["items"]]
    items[0].update(changes)
    return {"items": items}


def _diff(mine):
    return differences(LAB, mine, maps=MAPS, groups=GROUPS)


def test_the_same_shape_with_other_values_has_no_difference():
    assert _diff(_mine(id="z", size=7, tags=["t"],
                       by_name={"other": [{"addr": "10.1.0.3"}], "more": []})) == []


def test_a_missing_or_extra_key_is_a_difference():
    mine = _mine(new=1)
    del mine["items"][0]["size"]
    assert _diff(mine) == ["items[one]: keys ['new'] not in the lab, ['size'] missing"]


def test_a_value_of_another_kind_is_a_difference():
    assert _diff(_mine(size="1")) == ["items[one].size: str where the lab has int"]
    assert _diff(_mine(owner=3)) == ["items[one].owner: int where the lab has null"]


def test_nested_keys_and_map_values_are_compared():
    assert _diff(_mine(extra={"y": 1})) == [
        "items[one].extra: keys ['y'] not in the lab, ['x'] missing"]
    assert _diff(_mine(by_name={"net-9": [{"address": "x"}]})) == [
        "items[one].by_name.*[]: keys ['address'] not in the lab, ['addr'] missing"]


def test_items_are_compared_within_their_group():
    assert _diff(_mine(kind="two", owner="p")) == [
        "items[two]: keys ['one'] not in the lab, ['two'] missing"]
    assert _diff(_mine(kind="three")) == ["items[three]: not in the lab"]


def test_nothing_is_compared_where_the_lab_shows_no_value():
    assert differences({"tags": []}, {"tags": [{"anything": 1}]}) == []
