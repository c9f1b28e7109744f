"""The app boots, signs people in and shows NHS-styled pages."""

from livinglab.audit.models import AuditEvent


def test_home_page_uses_nhs_frontend(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"nhsuk-frontend.min.css" in response.data
    assert b"Dorset Living Lab" in response.data


def test_sign_in_writes_audit_event(client, world, session):
    response = client.post(
        "/login", data={"email": world.admin.email, "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.query(AuditEvent).filter_by(action="account.signed_in").count() == 1


def test_health_check_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
