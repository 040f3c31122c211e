"""The resident app's files and the /q/ links that lead into it."""

import json


def test_the_app_shell_is_served_fresh(client):
    response = client.get("/app/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    page = response.get_data(as_text=True)
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page
    assert "/static/vendor/jsqr/jsQR.js" in page
    assert client.get("/app").headers["Location"] == "/app/"


def test_the_manifest_makes_it_installable(client):
    response = client.get("/app/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.mimetype == "image/png"


def test_the_service_worker_is_scoped_to_the_app(client):
    response = client.get("/app/sw.js")
    assert response.mimetype == "text/javascript"
    source = response.get_data(as_text=True)
    assert '"/api/"' in source  # the API is left to the network
    for path in ("/static/app/app.js", "/static/app/i18n.js", "/static/app/app.css"):
        assert path in source
        with client.get(path) as asset:
            assert asset.status_code == 200


def test_a_poster_link_opens_the_app_on_its_code(client):
    token = "A" * 43
    response = client.get(f"/q/{token}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/app/#/claim/{token}"


def test_a_malformed_link_is_not_found(client):
    assert client.get("/q/short").status_code == 404
