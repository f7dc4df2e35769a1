"""The cameo pages over TestClient: the camera page keeps the open challenge across reloads, the settings forms
change the cameo (and name what they refuse), requests are answered, videos with you are listed and their
thumbnails shown to you only, and deleting the cameo takes it away.

    .venv/bin/python -m pytest tests/app/web/test_cameo.py -q
"""

from __future__ import annotations

import html
import re
import time
from typing import Any

from sqlalchemy import select, update

from kinora.app.cameos.models import Cameo, CameoAccess, CameoChallenge
from kinora.app.generations.models import COMPLETED, Generation
from tests.app.cameos.helpers import add_cameo
from tests.app.social.helpers import teen_birth_date
from tests.app.web.helpers import alerts, send, token
from tests.community import _tiny_media, count, execute, scalar, user_id


def field(html: str, name: str) -> str | None:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    return None if found is None else found.group(1)


def shown(response: Any) -> str:
    """The response's text as a person reads it (entities decoded)."""
    return html.unescape(response.text)


def permission_of(community: Any, handle: str) -> str:
    return str(scalar(community, select(Cameo.permission).where(Cameo.handle == handle)))


def test_signed_out_visitors_are_sent_to_sign_in(community: Any) -> None:
    response = community.client().get("/cameo", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fcameo"


def test_the_camera_page_explains_and_keeps_the_open_challenge(community: Any) -> None:
    ann = community.join("wcann")
    page = ann.get("/cameo")
    assert page.status_code == 200
    assert "Start camera" in page.text and "Who can use it" in page.text and "<video" in page.text
    assert field(page.text, "challenge-id") is None  # none asked for yet: the page asks when the camera starts
    challenge = ann.post("/api/cameos/challenges", json={"kind": "person"}).json()
    for _ in range(2):  # a reload shows the same challenge, not a new one
        again = ann.get("/cameo").text
        assert field(again, "challenge-id") == challenge["id"] and field(again, "digits") == challenge["digits"]
        assert " ".join(challenge["digits"]) in again
    assert count(community, CameoChallenge, CameoChallenge.user_id == user_id(community, "wcann")) == 1
    execute(community, update(CameoChallenge).where(CameoChallenge.id == challenge["id"])
            .values(expires_at=time.time() - 1))
    assert field(ann.get("/cameo").text, "challenge-id") is None  # an expired one is not offered
    newer = ann.post("/api/cameos/challenges", json={"kind": "person"}).json()
    execute(community, update(CameoChallenge).where(CameoChallenge.id == newer["id"]).values(used_at=time.time()))
    assert field(ann.get("/cameo").text, "challenge-id") is None  # nor a used one


def test_settings_show_and_change_who_may_use_the_cameo(community: Any) -> None:
    bea = community.join("wcbea")
    add_cameo(community, "wcbea")
    page = bea.get("/cameo?ready=1")
    assert "Your cameo is ready" in page.text and "Who can use my cameo" in page.text
    assert re.search(r'value="only_me" checked', page.text)
    again = bea.get("/cameo?rerecord=1").text  # re-recording: the camera page, with the cameo's tabs
    assert "Re-record your cameo" in again and "Start camera" in again and 'href="/cameo/uses"' in again
    saved = send(bea, "POST", "/cameo/permission", page="/cameo", data={"permission": "everyone"})
    assert saved.status_code == 200 and "Saved." in saved.text and re.search(r'value="everyone" checked', saved.text)
    assert permission_of(community, "wcbea") == "everyone"
    bad = send(bea, "POST", "/cameo/permission", page="/cameo", data={"permission": "friends"})
    assert bad.status_code == 400 and bad.headers["hx-retarget"] == "#toast"
    assert "permission for a cameo must be one of only_me, approved, mutuals, everyone; got 'friends'" in shown(bad)
    assert permission_of(community, "wcbea") == "everyone"
    plain = send(bea, "POST", "/cameo/permission", page="/cameo", htmx=False, data={"permission": "approved"},
                 follow_redirects=False)  # a form without JavaScript goes back to the page
    assert plain.status_code == 303 and plain.headers["location"] == "/cameo"
    assert permission_of(community, "wcbea") == "approved"


def test_teens_may_choose_only_me_or_approved(community: Any) -> None:
    tia = community.join("wctia", birth_date=teen_birth_date())
    add_cameo(community, "wctia")
    page = tia.get("/cameo").text
    assert re.search(r'value="mutuals"[^>]*disabled', page) and "teen account" in page
    refused = send(tia, "POST", "/cameo/permission", page="/cameo", data={"permission": "everyone"})
    assert refused.status_code == 400 and "teen accounts' cameos must be one of only_me, approved" in shown(refused)
    assert permission_of(community, "wctia") == "only_me"


def test_restrictions_are_saved_and_a_bad_one_is_named(community: Any) -> None:
    cal = community.join("wccal")
    add_cameo(community, "wccal")
    assert 'for="f-restrictions">Restrictions' in cal.get("/cameo").text
    saved = send(cal, "POST", "/cameo/restrictions", page="/cameo",
                 data={"restrictions": "no political content\n\n  never shown drinking alcohol  \n"})
    assert saved.status_code == 200 and "Saved." in saved.text
    rules = scalar(community, select(Cameo.restrictions).where(Cameo.handle == "wccal"))
    assert len(rules) == 2 and "political" in rules[0] and "alcohol" in rules[1]
    long = send(cal, "POST", "/cameo/restrictions", page="/cameo", data={"restrictions": "no " + "x" * 250})
    assert long.status_code == 400 and 'aria-invalid="true"' in long.text
    refusal = alerts(shown(long))
    assert any(text.startswith("restrictions[0]: restriction") and "at most 200" in text for text in refusal)
    assert "x" * 250 in long.text  # what was typed stays in the box
    assert scalar(community, select(Cameo.restrictions).where(Cameo.handle == "wccal")) == rules


def test_details_are_checked(community: Any) -> None:
    dee = community.join("wcdee")
    add_cameo(community, "wcdee")
    saved = send(dee, "POST", "/cameo/details", page="/cameo", data={"name": "Dee D", "appearance": "red scarf"})
    assert saved.status_code == 200 and "Saved." in saved.text
    assert scalar(community, select(Cameo.appearance).where(Cameo.handle == "wcdee")) == "red scarf"
    bad = send(dee, "POST", "/cameo/details", page="/cameo", data={"name": "   ", "appearance": ""})
    assert bad.status_code == 400 and any("name must be 1-80 characters" in text for text in alerts(shown(bad)))
    long = send(dee, "POST", "/cameo/details", page="/cameo", data={"name": "Dee", "appearance": "y" * 600})
    assert long.status_code == 400 and "appearance must be text of at most 500 characters" in shown(long)


def test_requests_are_approved_denied_and_revoked(community: Any) -> None:
    eve = community.join("wceve")
    add_cameo(community, "wceve", permission="approved")
    for asker in ("wcfin", "wcgus"):
        assert community.join(asker).post("/api/cameos/wceve/requests").status_code == 200
    page = eve.get("/cameo").text
    assert 'aria-label="Approve @wcfin"' in page and 'aria-label="Deny @wcgus"' in page
    approved = send(eve, "POST", "/cameo/access", page="/cameo", data={"handle": "wcfin", "action": "approve"})
    assert approved.status_code == 200 and 'aria-label="Revoke @wcfin"' in approved.text
    send(eve, "POST", "/cameo/access", page="/cameo", data={"handle": "wcgus", "action": "deny"})
    cameo_id = scalar(community, select(Cameo.id).where(Cameo.handle == "wceve"))

    def status(handle: str) -> str:
        return str(scalar(community, select(CameoAccess.status).where(
            CameoAccess.cameo_id == cameo_id, CameoAccess.user_id == user_id(community, handle))))

    assert (status("wcfin"), status("wcgus")) == ("approved", "denied")
    revoked = send(eve, "POST", "/cameo/access", page="/cameo", data={"handle": "@wcfin", "action": "revoke"})
    assert "@wcfin: access revoked." in revoked.text and status("wcfin") == "denied"
    unknown = send(eve, "POST", "/cameo/access", page="/cameo", data={"handle": "nobody_here", "action": "approve"})
    assert unknown.status_code == 404 and "No one else has handle 'nobody_here'" in shown(unknown)
    wrong = send(eve, "POST", "/cameo/access", page="/cameo", data={"handle": "wcgus", "action": "ban"})
    assert wrong.status_code == 400 and "action must be one of approve, deny, revoke; got 'ban'" in shown(wrong)


def test_videos_with_me_lists_uses_and_shows_their_thumbnails_to_the_owner_only(community: Any) -> None:
    hal = community.join("wchal")
    add_cameo(community, "wchal", permission="everyone")
    ivy = community.join("wcivy")
    assert "No video uses your cameo yet" in hal.get("/cameo/uses").text
    made = ivy.post("/api/generations", json={"prompt": "@wchal juggles <b>three</b> oranges"})
    assert made.status_code == 201, made.text
    gen_id = made.json()["id"]
    execute(community, update(Generation).where(Generation.id == gen_id).values(
        status=COMPLETED, progress=100, attempt=1, output_key=f"videos/{gen_id}/1", output={"seed": 1}))
    for name, data in _tiny_media().items():
        community.services.storage.put(f"videos/{gen_id}/1/{name}", data)
    page = hal.get("/cameo/uses").text
    assert f'data-use="{gen_id}"' in page and "@wcivy" in page and "draft" in page
    assert "juggles &lt;b&gt;three&lt;/b&gt; oranges" in page and "<b>three</b>" not in page  # escaped
    assert ">Remove</button>" in page and ">Report</button>" in page
    thumb = hal.get(f"/cameo/uses/{gen_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert ivy.get(f"/cameo/uses/{gen_id}/thumbnail").status_code == 404  # ivy has no cameo
    missing = hal.get("/cameo/uses/gen_nope/thumbnail")
    assert missing.status_code == 404 and "No video using @wchal has id 'gen_nope'" in shown(missing)
    assert "You have no cameo yet" in ivy.get("/cameo/uses").text


def test_the_kept_clip_and_the_cameo_can_be_deleted(community: Any) -> None:
    jay = community.join("wcjay")
    add_cameo(community, "wcjay")
    execute(community, update(Cameo).where(Cameo.handle == "wcjay").values(clip_key="cameos/x/clip.enc"))
    page = jay.get("/cameo").text
    assert "Delete the recording" in page and "Delete my cameo" in page and "<dialog" in page
    gone = jay.post("/cameo/clip/delete", data={"csrf_token": token(jay, "/cameo")}, follow_redirects=False)
    assert gone.status_code == 303
    assert scalar(community, select(Cameo.clip_key).where(Cameo.handle == "wcjay")) is None
    forged = jay.post("/cameo/delete", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and count(community, Cameo, Cameo.handle == "wcjay") == 1
    deleted = jay.post("/cameo/delete", data={"csrf_token": token(jay, "/cameo")}, follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/cameo?deleted=1"
    assert count(community, Cameo, Cameo.handle == "wcjay") == 0
    after = jay.get("/cameo?deleted=1").text
    assert "Your cameo was deleted" in after and "Start camera" in after
    again = jay.post("/cameo/delete", data={"csrf_token": token(jay, "/cameo")})
    assert again.status_code == 404 and "You have no cameo yet" in shown(again)
