"""Migration 0006 gives the launch actions the source and date of their grams per item."""

from datetime import date

from flask_migrate import upgrade

from tests.operations.support import app_on, query, scratch_database


def test_launch_figures_get_their_source_and_changed_ones_are_left_alone():
    with scratch_database("grams_migration") as url, app_on(url) as app:
        with app.app_context():
            upgrade(revision="0005")
        # An operator who already changed the bag's grams: that figure is theirs, not ours.
        query(url, "UPDATE actions SET milligrams = 6100 WHERE code = 'bag'")
        with app.app_context():
            upgrade(revision="0006")
        rows = query(
            url,
            "SELECT code, milligrams_set_on, milligrams_source FROM actions ORDER BY position",
        )
    by_code = {code: (set_on, source) for code, set_on, source in rows}
    assert by_code["bag"] == (None, None)
    for code in ("straw", "foam_box", "own_cup"):
        set_on, source = by_code[code]
        assert set_on == date(2026, 11, 29)
        assert "EcoLife's launch estimate" in source and "not yet weighed" in source
