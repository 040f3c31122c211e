"""Load benchmark of the hot paths: gunicorn + PostgreSQL on this machine, one command.

    .venv/bin/python bench/run.py                 # full run, results in bench/results/
    .venv/bin/python bench/run.py --smoke         # a few seconds: it runs and the ledger adds up

It recreates the database named in --database-url, migrates and seeds it (bench/seed.py),
starts gunicorn, and drives each scenario from a separate load generator process
(bench/loadgen.py). CPU time per request is read from /proc (gunicorn workers and every
PostgreSQL process) before and after each scenario.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from ecolife import embedded_db

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    args = parse_args()
    url = args.database_url
    recreate_database(url)
    env = {
        **os.environ,
        "ECOLIFE_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
        "ACCESS_TOKEN_MINUTES": "600",
        "PUBLIC_BASE_URL": "https://bench.ecolife.test",
        # Production refuses to start without Redis (sign-in limits); the bench signs no one in.
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15",
        # Nor without mail and SMS gateways; the bench sends no message.
        "OUTBOX_DIR_IN_PRODUCTION": "on",
    }
    data = Path(args.out) / "requests"
    step("migrating", [PY, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
    seed = [
        PY,
        "bench/seed.py",
        str(data),
        "--residents",
        str(args.residents),
        "--extra-shops",
        str(args.extra_shops),
        "--history",
        str(args.history),
    ]
    if args.smoke:
        seed += ["--scans", "2000", "--pairs", "500"]
    step("seeding", seed, env)
    port = free_port()
    server = start_gunicorn(args, env, port)
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "threads": args.threads,
        "residents": args.residents,
        "scenarios": {},
    }
    try:
        chosen = set(filter(None, args.only.split(",")))
        for name, file, extra in scenarios(args):
            if chosen and name not in chosen and name != "baseline":
                continue
            if name.startswith(("me_heavy", "scans_heavy")):
                relax_limits(env)
            adjacent = None
            if name != "baseline":
                # The machine's speed drifts on a shared host: each scenario is also compared
                # with a short baseline run right before it.
                adjacent = measure(server, port, data / "baseline.jsonl", baseline_args(args), args)
            report = measure(server, port, data / file, extra, args)
            if adjacent:
                report["adjacent_baseline_rps"] = adjacent["rps"]
            results["scenarios"][name] = report
            print(
                f"{name:16} {report['rps']:8.1f} req/s "
                f"(baseline before {report.get('adjacent_baseline_rps', report['rps']):6.0f})  "
                f"p50 {report['p50_ms']:6.2f}  "
                f"p99 {report['p99_ms']:7.2f} ms  cpu {report['cpu_ms_per_request']:5.2f} ms/req  "
                f"{report['statuses']}",
                flush=True,
            )
        results["worker_peak_rss_mb"] = peak_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    add_ratios(results)
    verify = subprocess.run(
        [PY, "-m", "flask", "--app", "wsgi", "verify-ledger"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    results["verify_ledger"] = {"exit": verify.returncode, "output": verify.stdout.strip()[-500:]}
    out = Path(args.out) / ("smoke.json" if args.smoke else "results.json")
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"verify-ledger exit {verify.returncode}; results in {out}")
    failures = check(results, smoke=args.smoke)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ecolife_bench"
        ),
    )
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--extra-shops", type=int, default=100)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--only", default="", help="comma-separated scenarios to run (default: all), e.g. scans,me"
    )
    args = parser.parse_args()
    if args.smoke:
        args.residents, args.extra_shops, args.history = 300, 5, 300
        args.duration, args.connections, args.workers, args.threads = 1.5, 4, 1, 4
    return args


def scenarios(args):
    duration = ["--duration", str(args.duration), "--connections", str(args.connections)]
    short = ["--duration", str(max(1.0, args.duration / 2)), "--connections", str(args.connections)]
    return [
        ("baseline", "baseline.jsonl", [*duration, "--cycle"]),
        ("me", "me.jsonl", [*duration, "--cycle"]),
        ("scans", "scans.jsonl", duration),
        (
            "scans_200rps",
            "scans_rate.jsonl",
            [
                "--duration",
                str(args.duration),
                "--connections",
                str(args.connections),
                "--rate",
                "200",
            ],
        ),
        ("redeem_pairs", "redeem.jsonl", duration),
        ("me_heavy", "me_heavy.jsonl", [*short, "--cycle"]),
        ("me_new", "me_new.jsonl", [*short, "--cycle"]),
        ("scans_heavy", "scans_heavy.jsonl", ["--duration", "3", "--connections", "1"]),
        ("scans_new", "scans_new.jsonl", ["--duration", "3", "--connections", "1"]),
    ]


def baseline_args(args) -> list:
    seconds = max(0.5, min(3.0, args.duration / 3))
    return ["--duration", str(seconds), "--connections", str(args.connections), "--cycle"]


def measure(server, port: int, file: Path, extra: list, args) -> dict:
    before = cpu_seconds(server.pid)
    loadgen_before = _children_cpu()
    load = subprocess.run(
        [
            PY,
            str(ROOT / "bench" / "loadgen.py"),
            "--port",
            str(port),
            "--requests",
            str(file),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    after = cpu_seconds(server.pid)
    loadgen_ms = (_children_cpu() - loadgen_before) * 1000
    report = json.loads(load.stdout)
    calls = max(1, report["requests"])
    # The load generator runs on the same two cores; its share shows how much it holds back.
    report["cpu_loadgen_ms"] = round(loadgen_ms / calls, 3)
    app_ms = (after["app"] - before["app"]) / calls * 1000
    db_ms = (after["db"] - before["db"]) / calls * 1000
    report.update(
        cpu_ms_per_request=round(app_ms + db_ms, 3),
        cpu_app_ms=round(app_ms, 3),
        cpu_db_ms=round(db_ms, 3),
    )
    return report


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished, waited-for children
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(master: int) -> dict:
    """CPU seconds so far of the gunicorn processes and of every PostgreSQL process."""
    app = sum(_ticks(pid) for pid in [master, *_children(master)])
    db = sum(_ticks(pid) for pid in _pids_named("postgres"))
    return {"app": app / TICK, "db": db / TICK}


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):  # the process ended meanwhile
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


def peak_rss_mb(master: int) -> float:
    peaks = []
    for pid in _children(master):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks, default=0), 1)


def add_ratios(results: dict) -> None:
    scenarios = results["scenarios"]
    base = scenarios.get("baseline", {}).get("rps") or 1
    for report in scenarios.values():
        report["ratio_to_baseline"] = round(report["rps"] / base, 3)
        adjacent = report.get("adjacent_baseline_rps")
        if adjacent:
            report["ratio_to_adjacent_baseline"] = round(report["rps"] / adjacent, 3)
    if "redeem_pairs" in scenarios:
        pairs = scenarios["redeem_pairs"]
        pairs["pairs_per_s"] = round(pairs["statuses"].get("200", 0) / pairs["seconds"], 1)


def check(results: dict, *, smoke: bool) -> list[str]:
    """Fail on errors the scenarios do not expect, and on a ledger that does not add up."""
    problems = []
    if results["verify_ledger"]["exit"] != 0:
        problems.append("verify-ledger failed: " + results["verify_ledger"]["output"])
    expected = {
        "baseline": {"200"},
        "me": {"200"},
        "me_heavy": {"200"},
        "me_new": {"200"},
        "scans": {"201"},
        "scans_200rps": {"201"},
        "scans_heavy": {"201"},
        "scans_new": {"201"},
        "redeem_pairs": {"200", "201"},
    }
    for name, report in results["scenarios"].items():
        unexpected = set(report["statuses"]) - expected[name]
        if unexpected or report["connection_errors"]:
            problems.append(
                f"{name}: unexpected answers {report['statuses']}, "
                f"{report['connection_errors']} connection errors"
            )
        if report["requests"] == 0:
            problems.append(f"{name}: no request completed")
    return problems


def recreate_database(url: str) -> None:
    name = url.partition("?")[0].rsplit("/", 1)[1]
    embedded_db.ensure_database(embedded_db.with_database(url, "postgres"), name, fresh=True)


# The heavy/new comparison scans one resident many times: lift the caps (the rule queries
# still run), as an admin could.
RELAX_LIMITS = (
    "from wsgi import app\n"
    "from ecolife.services.settings import update_limits\n"
    "with app.app_context():\n"
    "    update_limits({'scan_cooldown_seconds': 0, 'daily_scans': 10000,"
    " 'daily_scans_per_shop': 1000})\n"
)


def relax_limits(env: dict) -> None:
    step("lifting the caps", [PY, "-c", RELAX_LIMITS], env)


def step(label: str, command: list, env: dict) -> None:
    started = time.perf_counter()
    print(f"{label}…", end=" ", flush=True)
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stdout}\n{done.stderr}")
    print(f"{time.perf_counter() - started:.1f} s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, env: dict, port: int) -> subprocess.Popen:
    command = [
        PY,
        "-m",
        "gunicorn",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
        "wsgi:app",
    ]
    # As in production (deploy/gunicorn.conf.py): the workers' metrics summed through files,
    # one JSON log line per request (written, then dropped: the bench reads no logs).
    metrics_dir = Path(args.out) / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "LOG_FORMAT": "json"}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        sys.exit("gunicorn did not start")
    while len(_children(server.pid)) < args.workers:
        time.sleep(0.1)
    time.sleep(1)  # let every worker finish importing
    return server


if __name__ == "__main__":
    main()
