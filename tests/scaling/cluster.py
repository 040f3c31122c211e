"""A primary PostgreSQL, a streaming hot standby, PgBouncer and gunicorn app instances, all
on this machine in one temporary folder, for the scale-out test.

PostgreSQL and PgBouncer refuse to run as root: as root, they run as the `postgres` user
(runuser), in a folder that user owns. Every process is stopped by `Cluster.close()`.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SERVER_USER = "postgres"
POOL_SIZE = 3  # PgBouncer's server connections: fewer than the app instances' clients
PG_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def postgres_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin that has every tool (PG_BIN overrides)."""
    if os.environ.get("PG_BIN"):
        candidates = [Path(os.environ["PG_BIN"])]
    else:
        found = Path("/usr/lib/postgresql").glob("*/bin")
        candidates = sorted(found, key=lambda p: int(p.parent.name), reverse=True)
    return next((d for d in candidates if all((d / t).exists() for t in PG_TOOLS)), None)


def pgbouncer_path() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )


def missing_parts() -> str | None:
    """Say what this machine lacks to run the cluster (None when it has everything)."""
    if postgres_bindir() is None:
        return f"PostgreSQL server binaries ({', '.join(PG_TOOLS)}) not found"
    if pgbouncer_path() is None:
        return "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL"
        if shutil.which("runuser") is None:
            return "running as root without runuser to run PostgreSQL as another user"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def url(port: int, database: str = "ecolife") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


class Cluster:
    """Start the parts one by one; `close()` stops whatever was started."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ecolife-scale-"))
        self.bin = postgres_bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self.data_dirs: list[Path] = []
        self.pidfiles: list[Path] = []
        self.apps: list[subprocess.Popen] = []
        self.ports: dict[str, int] = {}
        self.bases: list[str] = []

    # PostgreSQL

    def start_primary(self) -> None:
        data = self.dir / "primary"
        self._server(
            [str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-N"]
            + ["-E", "UTF8", "--no-locale"]
        )
        self._start_postgres("primary", data)
        with psycopg.connect(url(self.ports["primary"], "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE ecolife")

    def start_standby(self) -> None:
        """A hot standby of the primary: pg_basebackup -R, streaming from then on."""
        data = self.dir / "standby"
        self._server(
            [str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"])]
            + ["-U", "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast", "-N"]
        )
        self._start_postgres("standby", data)

    def _start_postgres(self, name: str, data: Path) -> None:
        port = self.ports[name] = free_port()
        options = {
            "port": port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.dir),
            "wal_level": "replica",
            "max_wal_senders": 4,
            "hot_standby": "on",
            "fsync": "off",  # a test's data: nothing to keep across a crash
            # Every statement in the log: the test reads where reports ran, and that no
            # statement was prepared on the server.
            "log_statement": "all",
            "log_line_prefix": "%m [%p] %d ",
        }
        # pg_ctl hands these to a shell: quote each value.
        flags = " ".join(f"-c {key}='{value}'" for key, value in options.items())
        self.data_dirs.append(data)
        try:
            self._server(
                [str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.log(name))]
                + ["-o", flags, "-w", "-t", "30", "start"]
            )
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{name}.log:\n{self.log_tail(name)}") from None

    def log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    def wait_for_replay(self, timeout: float = 10) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        with psycopg.connect(url(self.ports["primary"]), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        with psycopg.connect(url(self.ports["standby"]), autocommit=True) as standby:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                lag = standby.execute(
                    "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [target]
                ).fetchone()[0]
                if lag <= 0:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the standby did not replay up to {target} in {timeout} s")

    # PgBouncer

    def start_pgbouncer(self) -> None:
        port = self.ports["pgbouncer"] = free_port()
        pidfile = self.dir / "pgbouncer.pid"
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        config = self.dir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"ecolife = host=127.0.0.1 port={self.ports['primary']} dbname=ecolife\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.dir / 'users.txt'}\n"
            "admin_users = postgres\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {POOL_SIZE}\n"
            "max_client_conn = 200\n"
            f"logfile = {self.log('pgbouncer')}\n"
            f"pidfile = {pidfile}\n"
        )
        self.pidfiles.append(pidfile)
        self._server([pgbouncer_path(), "-d", str(config)])
        _wait_for_port(port)

    def pgbouncer_admin(self, command: str) -> list[dict]:
        """Run SHOW … on PgBouncer's admin console (simple query protocol)."""
        admin = url(self.ports["pgbouncer"], "pgbouncer")
        with psycopg.connect(admin, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
            cursor = conn.execute(command)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # The app

    def app_env(self) -> dict:
        """Production settings of an app instance: through PgBouncer, reports on the standby."""
        return {
            **os.environ,
            "ECOLIFE_ENV": "production",
            "DATABASE_URL": url(self.ports["pgbouncer"]),
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": url(self.ports["standby"]),
            # The job queue's LISTEN needs a session of its own: straight to the primary.
            "JOBS_DATABASE_URL": url(self.ports["primary"]),
            "SECRET_KEY": "scale-out-test-secret-key-that-is-long-enough-0123456789",
            "PUBLIC_BASE_URL": "https://ecolife.example.org",
            "SMTP_HOST": "smtp.example.org",
            "SMS_GATEWAY_URL": "https://sms.example.org/send",
            # Nothing listens there: the app counts sign-in limits in process, as it does
            # when Redis goes away, and this test shares no Redis with another run.
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }

    def ecolife(self, *args: str, database: str = "pgbouncer") -> subprocess.CompletedProcess:
        """Run an `ecolife` command with the app's settings, its DATABASE_URL on `database`."""
        env = {**self.app_env(), "DATABASE_URL": url(self.ports[database])}
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start_apps(self, count: int = 2) -> list[str]:
        """Start `count` gunicorn instances (2 workers × 4 threads each); return their URLs
        (they answer once `wait_for_apps()` returns)."""
        ports = [free_port() for _ in range(count)]
        for n, port in enumerate(ports):
            with open(self.log(f"app{n}"), "wb") as log:
                self.apps.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4"]
                        + ["--worker-class", "gthread", "--bind", f"127.0.0.1:{port}"]
                        + ["--log-level", "warning", "wsgi:app"],
                        env=self.app_env(),
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        self.bases = [f"http://127.0.0.1:{port}" for port in ports]
        return self.bases

    def wait_for_apps(self) -> None:
        for n, (base, app) in enumerate(zip(self.bases, self.apps, strict=True)):
            try:
                _wait_for_http(f"{base}/livez", app)
            except (RuntimeError, TimeoutError) as error:
                raise RuntimeError(f"{error}; its log:\n{self.log_tail(f'app{n}')}") from None

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The end of a part's log (the folder goes when the cluster closes)."""
        log = self.log(name)
        text = log.read_text(errors="replace") if log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # Stopping

    def close(self) -> None:
        """Stop the apps, PgBouncer and both servers, then remove the folder."""
        for app in self.apps:  # all at once: each takes a moment to wind down
            if app.poll() is None:
                app.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for app in self.apps:
            _wait_or_kill(app)
        for pidfile in self.pidfiles:
            _kill_from_pidfile(pidfile, signal.SIGTERM)
        for data in reversed(self.data_dirs):
            done = subprocess.run(
                self._as_server_user([str(self.bin / "pg_ctl"), "-D", str(data)])
                + ["-m", "immediate", "-w", "-t", "20", "stop"],
                capture_output=True,
            )
            if done.returncode != 0:
                _kill_from_pidfile(data / "postmaster.pid", signal.SIGQUIT)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _server(self, command: list[str]) -> None:
        """Run a PostgreSQL or PgBouncer command as the server user; fail with its output."""
        done = subprocess.run(
            self._as_server_user(command),
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def _as_server_user(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", SERVER_USER, "--", *command] if self.as_root else command


def _wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def _wait_for_http(address: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(address, timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{address} did not answer in {timeout} s")


def _wait_or_kill(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _kill_from_pidfile(pidfile: Path, signum: int) -> None:
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError, IndexError):
        os.kill(int(pidfile.read_text().split()[0]), signum)
