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


def test_the_date_input_reads_the_box_names_the_nhs_macro_renders(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from livinglab.web.fields import DateInputField

    class F(Form):
        born = DateInputField("Date of birth")

    form = F(MultiDict({"born[day]": "3", "born[month]": "4", "born[year]": "1950"}))
    assert form.validate()
    assert form.born.data.isoformat() == "1950-04-03"
    with app.test_request_context():
        page = app.jinja_env.from_string(
            '{% from "_macros/forms.html" import date_field %}{{ date_field(form.born) }}'
        ).render(form=form)
    assert 'name="born[day]"' in page
    assert 'value="1950"' in page
