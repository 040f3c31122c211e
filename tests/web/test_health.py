"""Liveness without the database, for load balancers and the benchmark's baseline."""


def test_livez_answers_without_touching_the_database(client, app, monkeypatch):
    from ecolife.extensions import db

    def no_database(*_args, **_kwargs):
        raise AssertionError("livez must not query the database")

    monkeypatch.setattr(db.session, "execute", no_database)
    response = client.get("/livez")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
