"""The `ecolife` command: a Flask CLI group with the project's own commands."""

import csv
import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from ecolife.backup import backup, restore
from ecolife.errors import AccountExists, ValidationFailed


def main() -> None:
    """Run the `ecolife` command line."""
    from config import config_from_env
    from ecolife import create_app, embedded_db

    # SIGTERM then stops the embedded PostgreSQL (if this process started it) as Ctrl-C does.
    embedded_db.stop_on_sigterm()
    FlaskGroup(
        create_app=lambda: create_app(config_from_env()), help="EcoLife administration commands."
    )(prog_name="ecolife")


def register_commands(app: Flask) -> None:
    """Attach the project's commands to `flask`/`ecolife`."""
    commands = (
        create_admin, seed_demo, import_shops, import_areas, posters, verify_ledger,
        expire_redemptions, refresh_public_figures, worker, backup, restore, erase_inactive,
    )
    commands += (expire_points,)
    for command in commands:
        app.cli.add_command(command)


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default="Admin", show_default=True)
@click.option(
    "--area",
    "area_code",
    default=None,
    help="District or sub-district code (e.g. 5104, 510401) the admin manages; "
    "the province's code makes them province-wide again. Omitted: a new admin is "
    "province-wide, an existing one keeps their area.",
)
def create_admin(email: str, password: str, display_name: str, area_code: str | None) -> None:
    """Create an admin (or reset an existing admin's password), province-wide or scoped."""
    from ecolife.identity import normalize_email
    from ecolife.services import accounts

    normalised = normalize_email(email)
    if normalised is None:
        raise click.BadParameter("not a valid email address", param_hint="--email")
    if not 8 <= len(password) <= 128:
        raise click.BadParameter("use 8 to 128 characters", param_hint="--password")
    try:
        user = accounts.create_admin(
            email=normalised, password=password, display_name=display_name, area_code=area_code
        )
    except AccountExists as exc:
        raise click.ClickException(f"{normalised} belongs to a non-admin account") from exc
    except ValidationFailed as exc:
        raise click.BadParameter(
            f"no district or sub-district has the code {area_code!r}", param_hint="--area"
        ) from exc
    area = user.admin_area_code or "the whole province"
    click.echo(f"Admin ready: {user.email} (id {user.id}), manages {area}")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--history",
    is_flag=True,
    help="Also six past months of demo residents scanning and redeeming, published, and a"
    " campaign running this month.",
)
def seed_demo(history: bool) -> None:
    """Add 13 sample partner shops in Lamphun, demo accounts and rewards (idempotent)."""
    from ecolife.services.demo import DEMO_CARD_PIN, DEMO_LOGINS, demo_cards, seed_demo_data

    created = seed_demo_data()
    click.echo(f"Demo data ready ({created} new shops).")
    for role, login, password in DEMO_LOGINS:
        click.echo(f"  {role:<10} {login:<28} password: {password}")
    for name, code in demo_cards():
        click.echo(f"  card       {code:<28} PIN: {DEMO_CARD_PIN}  ({name})")
    if history:
        from ecolife.services.demo_history import MONTHS, seed_demo_history
        from ecolife.services.public_figures_refresh import refresh_public_figures as publish

        click.echo(f"Adding {MONTHS} months of demo history (once; about half a minute)…")
        scans = seed_demo_history()
        click.echo(f"Demo history ready ({scans} new scans); {publish()} public figures published.")
        # After the history: its past scans are not this month's campaign's.
        from ecolife.services.demo import seed_demo_campaign

        if seed_demo_campaign():
            click.echo("Demo campaign added: double points in the whole province this month.")


@click.command("refresh-public-figures")
@with_appcontext
def refresh_public_figures() -> None:
    """Publish the figures of every whole month now (the worker does it every night)."""
    from ecolife.services.public_figures_refresh import refresh_public_figures as publish

    click.echo(f"{publish()} public figure cells published.")


@click.command("import-shops")
@with_appcontext
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_shops(csv_file: Path) -> None:
    """Import shops and their owners from a CSV file, all or nothing."""
    from ecolife.services import shops
    from ecolife.shop_csv import read_shop_csv

    try:
        rows, errors = read_shop_csv(csv_file.read_bytes())
        with click.progressbar(length=len(rows), label="Importing shops") as bar:
            created = shops.import_shops(rows, errors=errors, on_progress=bar.update)
    except ValidationFailed as exc:
        _refuse_import(exc.errors)
    except csv.Error as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from exc
    click.echo(f"Imported {len(created)} shops. Owner invite links:")
    for new_shop in created:
        click.echo(f"  {new_shop.shop.name}: {new_shop.invite_url}")


@click.command("import-areas")
@with_appcontext
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_areas(csv_file: Path) -> None:
    """Load a province's areas (code,parent_code,name_th,name_en,lat,lon), all or nothing."""
    from ecolife.services import areas
    from ecolife.shop_csv import decode_csv

    try:
        imported = areas.import_areas(decode_csv(csv_file.read_bytes()))
    except ValidationFailed as exc:
        _refuse_import(exc.errors)
    except csv.Error as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from exc
    levels = imported.by_level
    click.echo(
        f"Imported {imported.added + imported.updated} areas ({imported.added} new, "
        f"{imported.updated} updated): {levels['province']} provinces, "
        f"{levels['amphoe']} districts, {levels['tambon']} sub-districts."
    )


def _refuse_import(errors: dict) -> NoReturn:
    """Say every problem of a refused import (nothing was imported) and exit with 1."""
    click.echo("Nothing was imported. Fix these rows and try again:", err=True)
    for where, problems in _import_problems(errors):
        click.echo(f"  {where}: {problems}", err=True)
    sys.exit(1)


def _import_problems(errors: dict) -> list[tuple[str, str]]:
    """Each place's problems on one line, by CSV column, as the web console says them."""
    from flask_babel import force_locale

    from ecolife.web.admin_shops import problems_by_line

    with force_locale("en"):
        grouped = problems_by_line(errors)
    return [
        (where, "; ".join(f"{column}: {m}" if column else m for column, m in found))
        for where, found in grouped.items()
    ]


@click.command("posters")
@with_appcontext
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "png", "both"]),
    default="pdf",
    show_default=True,
    help="PDF to print, PNG to share, or both.",
)
def posters(out_dir: Path, fmt: str) -> None:
    """Write the printable poster of every active shop into OUT_DIR."""
    from ecolife.services import shop_qr

    _prepare_out_dir(out_dir)
    formats = ["pdf", "png"] if fmt == "both" else [fmt]
    shops = shop_qr.active_shops_for_posters()
    written = 0
    with click.progressbar(shops, label="Rendering posters") as bar:
        for shop in bar:
            for each in formats:
                path = out_dir / shop_qr.poster_filename(shop, each)
                _write_file(path, shop_qr.render_poster(shop, each))
                written += 1
    click.echo(f"Wrote {written} posters for {len(shops)} active shops to {out_dir}.")


def _prepare_out_dir(out_dir: Path) -> None:
    """Create out_dir if needed; fail before rendering anything if it cannot take files."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create {out_dir}: {exc.strerror}") from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise click.ClickException(f"cannot write into {out_dir}: permission denied")


def _write_file(path: Path, data: bytes) -> None:
    """Write data to path, turning a disk error into a clear message."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc


@click.command("verify-ledger")
@with_appcontext
def verify_ledger() -> None:
    """Check every balance equals the sum of its ledger entries; exit 1 with a report if not."""
    from ecolife.services.ledger import verify_ledger as find_mismatches

    mismatches = find_mismatches()
    if not mismatches:
        click.echo("Ledger verified: every balance equals the sum of its entries.")
        return
    click.echo(f"Ledger check FAILED: {len(mismatches)} problems.", err=True)
    for mismatch in mismatches:
        click.echo(f"  user {mismatch.user_id}: {mismatch.problem}", err=True)
    sys.exit(1)


@click.command("worker")
@with_appcontext
@click.option(
    "--concurrency", type=click.IntRange(1, 32), default=2, show_default=True,
    help="Jobs run at once by this worker (each in a thread).",
)
@click.option(
    "--queue", "queues", multiple=True, type=click.Choice(["jobs", "upkeep", "outbox"]),
    help="Only these queues (default: all). Repeat for several.",
)
@click.option("--once", is_flag=True, help="Stop when the queues are empty (for scripts).")
def worker(concurrency: int, queues: tuple[str, ...], once: bool) -> None:
    """Run background jobs and the periodic upkeep; run it on one host or many."""
    from flask import current_app

    from ecolife.jobs import run_worker
    from ecolife.metrics import serve_worker_metrics

    app = current_app._get_current_object()
    click.echo(f"EcoLife worker: concurrency {concurrency}, queues {', '.join(queues) or 'all'}")
    # This process's counters (redemptions the upkeep expires, say) for Prometheus to scrape.
    serve_worker_metrics(app.config.get("WORKER_METRICS_ADDRESS"))
    run_worker(
        app,
        wait=not once,
        concurrency=concurrency,
        queues=list(queues) or None,
    )


@click.command("erase-inactive")
@with_appcontext
def erase_inactive() -> None:
    """Erase residents idle for ANONYMISE_INACTIVE_AFTER_YEARS (the worker does it daily)."""
    from ecolife.services.personal_data import erase_inactive as erase

    years = current_app.config["ANONYMISE_INACTIVE_AFTER_YEARS"]
    if not years:
        click.echo("ANONYMISE_INACTIVE_AFTER_YEARS is 0: no account is erased.")
        return
    click.echo(f"Erased {erase()} residents idle for {years} years or more.")


@click.command("expire-redemptions")
@with_appcontext
def expire_redemptions() -> None:
    """Expire overdue pending redemptions and refund their points (run it every minute)."""
    from ecolife.services.redemptions import expire_overdue

    click.echo(f"Expired {expire_overdue()} overdue redemptions.")


@click.command("expire-points")
@with_appcontext
def expire_points() -> None:
    """Expire the points past their date that residents have not spent (the worker does it
    every 15 minutes)."""
    from ecolife.services.expiry import expire_points as expire

    click.echo(f"Expired the points of {expire()} residents.")
