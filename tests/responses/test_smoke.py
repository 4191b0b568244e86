from tests.conftest import page_text, response_of


def test_focal_point_sees_dashboard_and_section(client, login_as):
    login_as("focal_point", "JPN")
    r = client.get("/dashboard")
    assert r.status_code == 302
    overview = client.get(r.headers["Location"])
    assert overview.status_code == 200, overview.get_data(as_text=True)[:3000]
    resp = response_of("JPN")
    page = client.get(f"/responses/{resp.id}/sections/I")
    assert page.status_code == 200, page.get_data(as_text=True)[:5000]
    assert "Paragraph 21" in page_text(page)
