"""/api/v1/me tells a suspended resident that they are suspended, and why."""

from ecolife.services import residents
from tests.factories import bearer


def test_me_says_a_resident_in_good_standing_is_not_suspended(client, make_resident):
    body = client.get("/api/v1/me", headers=bearer(make_resident())).get_json()
    assert (body["suspended"], body["suspended_at"], body["suspended_reason"]) == (
        False,
        None,
        None,
    )


def test_me_shows_a_suspended_resident_the_reason(client, app, make_resident, make_admin):
    resident = make_resident()
    with app.app_context():
        residents.suspend_resident(
            resident.user.id, reason="สแกนซ้ำผิดปกติ", actor_id=make_admin().user.id
        )
    response = client.get("/api/v1/me", headers=bearer(resident))
    body = response.get_json()
    assert response.status_code == 200
    assert (body["suspended"], body["suspended_reason"]) == (True, "สแกนซ้ำผิดปกติ")
    assert body["suspended_at"] is not None


def test_me_no_longer_shows_a_reinstated_resident_as_suspended(
    client, app, make_resident, make_admin
):
    resident, admin_id = make_resident(), make_admin().user.id
    with app.app_context():
        residents.suspend_resident(resident.user.id, reason="abuse", actor_id=admin_id)
        residents.unsuspend_resident(resident.user.id, reason="checked", actor_id=admin_id)
    body = client.get("/api/v1/me", headers=bearer(resident)).get_json()
    assert (body["suspended"], body["suspended_reason"]) == (False, None)
