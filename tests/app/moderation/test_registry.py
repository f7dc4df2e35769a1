"""The instance's registry: admins add, change and delete entries (each in the audit log), the matcher reads them
as policy Entries.

Run: .venv/bin/pytest tests/app/moderation/test_registry.py -q"""

from __future__ import annotations

from typing import Any

from kinora.app.moderation.service import registry_entries
from kinora.safety.policy import Entry
from tests.app.social.helpers import make_admin
from tests.community import error

URL = "/api/admin/moderation/registry"


def _entries(community: Any) -> list[Entry]:
    async def body() -> list[Entry]:
        async with community.services.db.read() as session:
            return await registry_entries(session)

    found: list[Entry] = community.run(body())
    return found


def test_add_change_delete_recorded(community: Any) -> None:
    admin = community.join("reg_boss")
    make_admin(community, "reg_boss")
    made = admin.post(URL, json={"kind": "rights", "name": "  Captain   Comet ", "aliases": ["Comet", "Comet"],
                                 "holder": "Comet Studios"})
    assert made.status_code == 201, made.text
    entry = made.json()
    assert (entry["name"], entry["key"], entry["aliases"], entry["allowed"]) == \
        ("Captain Comet", "captain comet", ["Comet"], False)
    figure = admin.post(URL, json={"kind": "public_figure", "name": "Jane Q Mayor", "aliases": ["Mayor Jane"]}).json()
    assert _entries(community) == [Entry("rights", "Captain Comet", ("Comet",), False, "Comet Studios"),
                                   Entry("public_figure", "Jane Q Mayor", ("Mayor Jane",))]

    changed = admin.patch(f"{URL}/{entry['id']}", json={"allowed": True, "aliases": ["Comet", "The Comet"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["allowed"] is True and changed.json()["holder"] == "Comet Studios"
    assert _entries(community)[0] == Entry("rights", "Captain Comet", ("Comet", "The Comet"), True, "Comet Studios")
    listed = admin.get(URL, params={"kind": "public_figure"}).json()["items"]
    assert [row["id"] for row in listed] == [figure["id"]]

    assert admin.delete(f"{URL}/{figure['id']}").status_code == 204
    assert [row["id"] for row in admin.get(URL).json()["items"]] == [entry["id"]]
    log = admin.get("/api/admin/moderation/events", params={"stage": "registry"}).json()["items"]
    assert [e["outcome"] for e in log] == ["delete", "change", "add", "add"]
    assert all(e["reviewer"] == "reg_boss" for e in log)
    assert "Jane Q Mayor" in log[0]["note"] and "allowed" in log[1]["note"] and "aliases" in log[1]["note"]


def test_registry_validation(community: Any) -> None:
    member = community.join("reg_ann")
    admin = community.join("reg_chief")
    make_admin(community, "reg_chief")
    good = {"kind": "public_figure", "name": "Sam Senator"}
    assert member.post(URL, json=good).status_code == 404
    assert member.get(URL).status_code == 404
    assert community.anonymous.get(URL).status_code == 401
    error(admin.post(URL, json={**good, "kind": "celebrity"}), 400, "kind")
    error(admin.post(URL, json={**good, "name": "S"}), 400, "name")
    error(admin.post(URL, json={**good, "name": "S" * 121}), 400, "name")
    error(admin.post(URL, json={**good, "aliases": ["x"]}), 400, "aliases")
    error(admin.post(URL, json={**good, "aliases": [f"alias {i}" for i in range(51)]}), 400, "aliases")
    error(admin.post(URL, json={**good, "allowed": True}), 400, "allowed")
    error(admin.post(URL, json={**good, "holder": "h" * 201}), 400, "holder")
    error(admin.get(URL, params={"kind": "celebrity"}), 400, "kind")
    made = admin.post(URL, json=good).json()
    error(admin.post(URL, json={**good, "name": "SAM  senator"}), 400, "name")  # same key
    error(admin.patch(f"{URL}/{made['id']}", json={"allowed": True}), 400, "allowed")
    error(admin.patch(f"{URL}/{made['id']}", json={"kind": "rights"}), 400, "kind")  # not changeable
    error(admin.patch(f"{URL}/999999", json={"note": "x"}), 404, "entry_id")
    error(admin.delete(f"{URL}/999999"), 404, "entry_id")
    error(admin.delete(f"{URL}/0"), 400, "entry_id")
