"""`ecolife backup` and `ecolife restore`: pg_dump archives (custom format) of the database.

The embedded server is dumped and restored with its wheel's own programs of its version;
DATABASE_URL's server with the system's (PG_DUMP / PG_RESTORE, else PATH; the wheel's when
the system has none). A trial on the
embedded server (PostgreSQL 18) must move to an older production server (Debian 12's 15),
but pg_restore 15 cannot read an archive of pg_dump 17 or later, and pg_restore 18 writing to
a 15 server sends `SET transaction_timeout`, unknown there. So a pg_restore newer than the
server writes a SQL script instead, which psql replays in one transaction without the
settings the server does not know.
"""

import contextlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from ecolife import pg_tools
from ecolife.extensions import db
from ecolife.pg_tools import Conninfo, Tool, ToolFailed

ARCHIVE_MAGIC = b"PGDMP"


def write_backup(file: Path) -> Tool:
    """Write a custom-format archive of the app's database to `file`; return the pg_dump."""
    if not file.parent.is_dir():
        raise ToolFailed(f"{file.parent} is not a folder: create it first")
    target = pg_tools.conninfo(_database_uri())
    tool = _dump_tool(_server_major())
    # Written aside, then renamed: a failed night never leaves a cut-off file under the name.
    partial = file.with_name(file.name + ".partial")
    try:
        pg_tools.run(
            [tool.path, "--format=custom", "--no-password", f"--file={partial}",
             f"--dbname={target.url}"],
            env=target.env,
        )
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
    return tool


def restore_backup(file: Path) -> Tool:
    """Restore the archive `file` into the app's database, which must be empty."""
    archive_version(file)
    target = pg_tools.conninfo(_database_uri())
    found = existing_objects()
    if found:
        raise ToolFailed(
            f"the database already holds {len(found)} objects ({', '.join(found[:4])}…): "
            "restore only into an empty database (createdb a new one, name it in DATABASE_URL)"
        )
    server_major = _server_major()
    tool = _restore_tool(file, server_major)
    if tool.major <= server_major:
        _restore_directly(tool, file, target)
    else:
        _restore_through_psql(tool, file, target, _known_settings())
    return tool


def archive_version(file: Path) -> str:
    """The archive format version of a pg_dump custom-format file ("1.16")."""
    with file.open("rb") as archive:
        header = archive.read(len(ARCHIVE_MAGIC) + 2)
    if not header.startswith(ARCHIVE_MAGIC) or len(header) < len(ARCHIVE_MAGIC) + 2:
        raise ToolFailed(f"{file} is not a backup of `ecolife backup` (pg_dump custom format)")
    return f"{header[-2]}.{header[-1]}"


def on_embedded_server() -> bool:
    """Whether the app's database lives on the embedded server (its socket is in its pgdata)."""
    socket_dir = db.engine.url.query.get("host")
    pgdata = current_app.config.get("EMBEDDED_PGDATA")
    if not isinstance(socket_dir, str) or not pgdata:
        return False
    return Path(socket_dir).resolve() == Path(pgdata).resolve()


def _database_uri() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _server_major() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT current_setting('server_version_num')::int")) // 10000


def _dump_tool(server_major: int) -> Tool:
    """The pg_dump for this server: the embedded one's own, else the system's, new enough."""
    if on_embedded_server():
        return pg_tools.wheel_tool("pg_dump", server_major)
    tool = pg_tools.system_tool("pg_dump", current_app.config.get("PG_DUMP"))
    fits = [each for each in pg_tools.wheel_tools("pg_dump") if each.major >= server_major]
    if tool is None and fits:
        return fits[-1]  # none installed (a container, say): the closest one we ship
    if tool is not None and tool.major >= server_major:
        return tool
    wanted = f"a pg_dump {server_major} or newer"
    problem = "no pg_dump on PATH" if tool is None else f"{tool.path} is pg_dump {tool.major}"
    hint = f" (this install has one: {fits[-1].path})" if fits else ""
    raise ToolFailed(
        f"{problem}, but the server runs PostgreSQL {server_major} and needs {wanted}. "
        f"Install postgresql-client-{server_major}, or set PG_DUMP to {wanted}{hint}."
    )


def _restore_tool(file: Path, server_major: int) -> Tool:
    """The first pg_restore that can read the archive: this server's, then the wheel's."""
    if on_embedded_server():
        first = pg_tools.wheel_tool("pg_restore", server_major)
    else:
        first = pg_tools.system_tool("pg_restore", current_app.config.get("PG_RESTORE"))
    complaints = {}
    for tool in [first, *pg_tools.wheel_tools("pg_restore")]:
        if tool is None:
            continue
        listing = subprocess.run(
            [tool.path, "--list", file], capture_output=True, text=True, check=False
        )
        if listing.returncode == 0:
            return tool
        complaints[tool.major] = listing.stderr.strip()
    complaint = complaints[max(complaints)] if complaints else "(no pg_restore found)"
    raise ToolFailed(
        f"no pg_restore here reads {file} (archive format {archive_version(file)}): it is "
        "damaged, or from a pg_dump newer than any pg_restore here (then set PG_RESTORE to "
        f"one as new). The newest said: {complaint}"
    )


RESTORE_OPTIONS = ("--no-owner", "--no-privileges")


def _restore_directly(tool: Tool, file: Path, target: Conninfo) -> None:
    # One transaction: a restore that fails half-way leaves the database empty, to try again.
    options = ("--exit-on-error", "--single-transaction", "--no-password")
    pg_tools.run(
        [tool.path, *RESTORE_OPTIONS, *options, f"--dbname={target.url}", file], env=target.env
    )


def _restore_through_psql(tool: Tool, file: Path, target: Conninfo, known: set[str]) -> None:
    """Have a newer pg_restore write the script and psql replay it on the older server.

    The script is one transaction (BEGIN … COMMIT): if pg_restore dies half-way, no COMMIT
    reaches psql, and the server rolls back when psql disconnects at the end of its input.
    """
    psql = [tool.sibling("psql"), "--no-psqlrc", "--quiet", "--no-password"]
    psql += ["--set=ON_ERROR_STOP=1", f"--dbname={target.url}"]
    pipe = subprocess.PIPE
    with tempfile.TemporaryFile() as errors:
        script = subprocess.Popen(
            [tool.path, *RESTORE_OPTIONS, "--single-transaction", "--file=-", file],
            stdout=pipe,
            stderr=errors,
        )
        replay = subprocess.Popen(
            psql, stdin=pipe, stdout=subprocess.DEVNULL, stderr=errors, env=target.env
        )
        # A broken pipe: psql stopped at an error, which it wrote to `errors`.
        with contextlib.suppress(BrokenPipeError), replay.stdin:
            replay.stdin.writelines(pg_tools.without_unknown_settings(script.stdout, known))
        script.stdout.close()
        if [program.wait() for program in (script, replay)] != [0, 0]:
            errors.seek(0)
            raise ToolFailed(f"restore failed: {errors.read().decode(errors='replace').strip()}")


def _known_settings() -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.scalars(text("SELECT name FROM pg_settings")))


USER_OBJECTS = text(
    """
    WITH spaces AS (
        SELECT oid, nspname FROM pg_namespace
        WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'
    ), found AS (
        SELECT 1 AS rank, 'table ' || relname AS name FROM pg_class
            JOIN spaces s ON s.oid = relnamespace WHERE relkind IN ('r', 'p', 'v', 'm', 'f')
        UNION ALL SELECT 2, 'schema ' || nspname FROM spaces WHERE nspname <> 'public'
        UNION ALL SELECT 3, 'function ' || proname FROM pg_proc
            JOIN spaces s ON s.oid = pronamespace
        UNION ALL SELECT 4, 'type ' || typname FROM pg_type
            JOIN spaces s ON s.oid = typnamespace WHERE typtype IN ('e', 'd', 'r', 'm')
        UNION ALL SELECT 5, 'relation ' || relname FROM pg_class
            JOIN spaces s ON s.oid = relnamespace WHERE relkind NOT IN ('r', 'p', 'v', 'm', 'f')
    )
    SELECT name FROM found ORDER BY rank, name
    """
)


def existing_objects() -> list[str]:
    """What the database holds besides PostgreSQL's own catalogues (tables first)."""
    with db.engine.connect() as conn:
        return list(conn.scalars(USER_OBJECTS))


@dataclass(frozen=True)
class RevisionCheck:
    usable: bool
    message: str


def check_revision(script: ScriptDirectory, revision: str | None) -> RevisionCheck:
    """Say whether this code can run on a database at migration `revision`, and what to do."""
    heads = script.get_heads()
    if revision is None:
        return RevisionCheck(False, "The database has no alembic_version: not an EcoLife backup.")
    if revision in heads:
        return RevisionCheck(True, f"Schema at migration {revision}, this code's newest.")
    if revision in {each.revision for each in script.walk_revisions()}:
        return RevisionCheck(
            True,
            f"Schema at migration {revision}, behind this code's {', '.join(heads)}: "
            "run `ecolife db upgrade` before starting the app.",
        )
    return RevisionCheck(
        False,
        f"Schema at migration {revision}, which this code does not know: the backup comes from "
        "a newer EcoLife. Upgrade the code first, then run `ecolife db upgrade`.",
    )


def restored_revision() -> str | None:
    """The migration the database is at (None: no alembic_version table)."""
    with db.engine.connect() as conn:
        if conn.scalar(text("SELECT to_regclass('public.alembic_version')")) is None:
            return None
        return conn.scalar(text("SELECT max(version_num) FROM alembic_version"))


COUNTS = text(
    """
    SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM shops) AS shops,
           (SELECT count(*) FROM ledger_entries) AS entries,
           (SELECT coalesce(sum(balance), 0) FROM users) AS points
    """
)


def restored_counts() -> str:
    """A line to compare with the source: users, shops, ledger entries, points held."""
    with db.engine.connect() as conn:
        row = conn.execute(COUNTS).one()
    return (
        f"{row.users} users, {row.shops} shops, {row.entries} ledger entries, "
        f"{row.points} points"
    )


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a backup of the database to FILE (pg_dump custom format)."""
    try:
        tool = write_backup(file)
    except ToolFailed as exc:
        raise click.ClickException(str(exc)) from exc
    size = file.stat().st_size
    click.echo(f"Backup written to {file} ({size:,} bytes, pg_dump {tool.major}).")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, file: Path) -> None:
    """Restore FILE into the database, which must be empty; then check the ledger."""
    from ecolife.cli import verify_ledger

    try:
        tool = restore_backup(file)
    except ToolFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {file} with pg_restore {tool.major}.")
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    revision = check_revision(script, restored_revision())
    if not revision.usable:
        click.echo(f"{revision.message} The ledger was not checked.", err=True)
        sys.exit(1)
    click.echo(revision.message)
    click.echo(f"It holds {restored_counts()}.")
    ctx.invoke(verify_ledger)
