"""Run a real CKAN 2.11 on loopback: PostgreSQL 15 and Redis from Debian, a Solr stand-in.

CKAN lives in a venv of its own under ``.cache/ckan/`` (it pins many packages exactly, so
it never shares the project venv). The first start builds a template (an initialised
database cluster, a config and a sysadmin API token) that later starts copy, so each run
begins from fresh, empty state in a few seconds. Every process started is recorded by PID
in ``<run dir>/state.json`` and only those are stopped.

The harvest test (issue 12) starts one with ``plugins=HARVEST_PLUGINS``: ckanext-harvest and
ckanext-dcat, pinned below, are installed into the same venv once, and the harvest tables are
added to that run's copy of the database before CKAN starts.

    python tests/ckan/ckan_harness.py venv            # build the cached CKAN venv (harvest extensions too)
    python tests/ckan/ckan_harness.py up [--dir D]    # start; prints CKAN_URL and a token
    python tests/ckan/ckan_harness.py down [--dir D]  # stop what `up` started
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from ckan_procs import alive, free_port, run, spawn, terminate, wait_http

ROOT = Path(__file__).resolve().parents[2]
CKAN_VERSION = "2.11.6"
CACHE = ROOT / ".cache" / "ckan"
VENV = CACHE / "venv"
TEMPLATE = CACHE / f"template-{CKAN_VERSION}"
DEV_DIR = CACHE / "dev"
PGBIN = Path("/usr/lib/postgresql/15/bin")
SOLR_STANDIN = Path(__file__).with_name("solr_standin.py")
ADMIN = "ckan_admin"
# The harvest test's extensions (issue 12), pinned; added to the same venv (they add packages:
# ckantoolkit, rdflib, PyLD, geomet...; pip changes none of CKAN's own pins).
# `ckan harvester run-test` imports ckanext-harvest's test factories (and they CKAN's
# test helpers), hence factory-boy, Faker and pytest.
HARVEST_PACKAGES = ("ckanext-harvest==1.6.3", "ckanext-dcat==2.4.4", "factory-boy==3.3.1", "Faker==40.63.0",
                    "pytest==9.2.0")
HARVEST_PLUGINS = "activity harvest dcat dcat_rdf_harvester"


def log(message: str) -> None:
    """Progress on stderr, so stdout stays machine-readable."""
    print(f"[ckan-harness {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def as_postgres(command: str) -> str:
    """PostgreSQL refuses to run as root: run its tools as the postgres user."""
    return run(["su", "postgres", "-s", "/bin/sh", "-c", command])


def ensure_venv() -> Path:
    """Create the CKAN venv once (``ckan[requirements]`` carries CKAN's exact pins)."""
    stamp = VENV / f".ckan-{CKAN_VERSION}"
    if stamp.exists():
        return VENV
    log(f"building CKAN {CKAN_VERSION} venv in {VENV} (once; about a minute)")
    shutil.rmtree(VENV, ignore_errors=True)
    # the base interpreter, not the project venv's (a venv made from a venv still works,
    # but would silently depend on the project venv's folder staying put)
    run([str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", str(VENV)])
    pip = [str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    run(pip + ["--upgrade", "pip", "setuptools", "wheel"])
    run(pip + [f"ckan[requirements]=={CKAN_VERSION}"])
    stamp.touch()
    return VENV


def ensure_harvest() -> Path:
    """Add ckanext-harvest and ckanext-dcat to the CKAN venv once (a stamp names the pins)."""
    ensure_venv()
    stamp = VENV / (".harvest-" + "-".join(p.replace("==", "-") for p in HARVEST_PACKAGES))
    if stamp.exists():
        return VENV
    log(f"installing {' '.join(HARVEST_PACKAGES)} into {VENV} (once)")
    run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *HARVEST_PACKAGES])
    stamp.touch()
    return VENV


def ckan(ini: Path, *args: str) -> str:
    """Run one ``ckan`` CLI command against ``ini`` (each loads the app: ~2 s)."""
    return run([str(VENV / "bin" / "ckan"), "-c", str(ini), *args])


def pg_start(pgdata: Path, sockdir: Path, port: int, logfile: Path) -> None:
    """Start a throwaway cluster on 127.0.0.1:port; durability off, it is thrown away."""
    opts = (f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off")
    as_postgres(f"{PGBIN}/pg_ctl -D {pgdata} -l {logfile} -w -t 60 start -o '{opts}'")


def pg_stop(pgdata: Path) -> None:
    """Stop the cluster of this data folder only."""
    if (pgdata / "postmaster.pid").exists():
        as_postgres(f"{PGBIN}/pg_ctl -D {pgdata} -m fast -w stop")


def write_ini(template_ini: str, ini: Path, values: dict[str, str]) -> None:
    """Copy the template config, setting ``key = value`` lines in [app:main]."""
    text = template_ini
    for key, value in values.items():
        line = f"{key} = {value}"
        pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M)  # active lines, not comments
        text = pattern.sub(line.replace("\\", "\\\\"), text, count=1) if pattern.search(text) else \
            text.replace("[app:main]\n", f"[app:main]\n{line}\n", 1)
    ini.write_text(text)


def _settings(base: Path, pg_port: int, redis_port: int, solr_port: int, ckan_port: int) -> dict[str, str]:
    return {
        "sqlalchemy.url": f"postgresql://ckan_default:ckanpass@127.0.0.1:{pg_port}/ckan_default",
        "solr_url": f"http://127.0.0.1:{solr_port}/solr/ckan",
        "ckan.redis.url": f"redis://127.0.0.1:{redis_port}/0",
        "ckan.site_url": f"http://127.0.0.1:{ckan_port}",
        "ckan.storage_path": str(base / "storage"),
        "ckan.max_resource_size": "100",
        "ckan.plugins": "activity",
        "ckan.devserver.threaded": "true",
    }


def reachable_by_postgres(folder: Path) -> None:
    """Let the postgres user traverse every folder above ``folder`` (a clone may sit in a 0700 dir).

    Only the search bit (o+x) is added, and only where it is missing: nothing becomes listable.
    """
    for parent in reversed(folder.resolve().parents):
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)
            log(f"added o+x to {parent} so PostgreSQL (user postgres) can reach its data folder")
    os.chmod(folder, 0o755)


def build_template() -> None:
    """Initialise a database, config, sysadmin and token once, for runs to copy."""
    if (TEMPLATE / "token.txt").exists():
        return
    ensure_venv()
    log("building the CKAN template (database schema, sysadmin, token; once)")
    work = TEMPLATE.with_name(TEMPLATE.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    (work / "pgrun").mkdir(parents=True)
    (work / "pgdata").mkdir()
    reachable_by_postgres(work)
    shutil.chown(work / "pgdata", "postgres", "postgres")
    shutil.chown(work / "pgrun", "postgres", "postgres")
    as_postgres(f"{PGBIN}/initdb -D {work}/pgdata -U postgres --auth=trust -E UTF8 --locale=C.UTF-8")
    port, solr_port = free_port(), free_port()
    pg_start(work / "pgdata", work / "pgrun", port, work / "pgrun" / "pg.log")
    solr = subprocess.Popen([sys.executable, str(SOLR_STANDIN), "--port", str(solr_port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        run(["psql", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "-c", "CREATE USER ckan_default WITH PASSWORD 'ckanpass';",
             "-c", "CREATE DATABASE ckan_default OWNER ckan_default ENCODING 'utf-8';"])
        ini = work / "ckan.ini"
        run([str(VENV / "bin" / "ckan"), "generate", "config", str(ini)])
        write_ini(ini.read_text(), ini, _settings(work, port, 1, solr_port, 5000))
        ckan(ini, "db", "init")
        ckan(ini, "db", "pending-migrations", "--apply")
        ckan(ini, "user", "add", ADMIN, "email=admin@example.org", "password=Admin-Pass-1234")
        ckan(ini, "sysadmin", "add", ADMIN)
        token = ckan(ini, "user", "token", "add", ADMIN, "harness").strip().splitlines()[-1].strip()
        (work / "token.txt").write_text(token)
    finally:
        solr.terminate()
        solr.wait(10)
        pg_stop(work / "pgdata")
    shutil.rmtree(work / "pgrun")
    shutil.rmtree(TEMPLATE, ignore_errors=True)
    os.replace(work, TEMPLATE)


@dataclass
class Server:
    """A running CKAN and the PIDs/folders of everything started for it."""

    base: str
    url: str
    token: str
    ini: str
    pids: dict[str, int]

    def save(self) -> None:
        """Record the PIDs so another process (``make ckan-down``) can stop them."""
        Path(self.base, "state.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, base: Path) -> "Server | None":
        """The server recorded in ``base``, if any."""
        state = base / "state.json"
        return cls(**json.loads(state.read_text())) if state.exists() else None


def start(base: Path, ckan_port: int | None = None, plugins: str = "activity",
          extra: dict[str, str] | None = None) -> Server:
    """Start PostgreSQL, Redis, the Solr stand-in and CKAN with fresh state in ``base``.

    ``plugins`` with ``harvest`` in it: the harvest extensions are installed (once) and their
    tables added to this run's copy of the database before CKAN starts.
    """
    build_template()
    harvest = "harvest" in plugins.split()
    if harvest:
        ensure_harvest()
    stop(base)
    shutil.rmtree(base, ignore_errors=True)
    (base / "storage").mkdir(parents=True)
    reachable_by_postgres(base)
    shutil.copytree(TEMPLATE / "pgdata", base / "pgdata", symlinks=True)
    (base / "pgrun").mkdir()
    for sub in ("pgdata", "pgrun"):
        run(["chown", "-R", "postgres:postgres", str(base / sub)])
    os.chmod(base / "pgdata", 0o700)
    pg_port, redis_port, solr_port = free_port(), free_port(), free_port()
    ckan_port = ckan_port or free_port()
    server = Server(str(base), f"http://127.0.0.1:{ckan_port}", (TEMPLATE / "token.txt").read_text().strip(),
                    str(base / "ckan.ini"), {})
    try:
        pg_start(base / "pgdata", base / "pgrun", pg_port, base / "pgrun" / "pg.log")
        server.pids["postgres"] = int((base / "pgdata" / "postmaster.pid").read_text().split()[0])
        server.save()
        redis = spawn(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                        "--appendonly", "no", "--dir", str(base)], base / "redis.log")
        solr = spawn([sys.executable, str(SOLR_STANDIN), "--port", str(solr_port)], base / "solr.log")
        server.pids.update(redis=redis.pid, solr=solr.pid)
        server.save()
        settings = _settings(base, pg_port, redis_port, solr_port, ckan_port)
        settings["ckan.plugins"] = plugins
        if harvest:  # the harvest queues in this run's Redis, not on the default port
            settings.update({"ckan.harvest.mq.type": "redis", "ckan.harvest.mq.hostname": "127.0.0.1",
                             "ckan.harvest.mq.port": str(redis_port), "ckan.harvest.mq.redis_db": "1"})
        settings.update(extra or {})
        write_ini((TEMPLATE / "ckan.ini").read_text(), Path(server.ini), settings)
        if harvest:
            ckan(Path(server.ini), "db", "upgrade", "-p", "harvest")
        wait_http(f"http://127.0.0.1:{solr_port}/solr/ckan/admin/ping", 10, solr, base / "solr.log")
        proc = spawn([str(VENV / "bin" / "ckan"), "-c", server.ini, "run", "--host", "127.0.0.1",
                       "--port", str(ckan_port), "--disable-reloader"], base / "ckan.log")
        server.pids["ckan"] = proc.pid
        server.save()
        wait_http(f"{server.url}/api/3/action/status_show", 90, proc, base / "ckan.log")
    except BaseException:
        stop(base)
        raise
    return server


def stop(base: Path) -> None:
    """Stop what ``start`` recorded in ``base`` (by PID; PostgreSQL by its data folder)."""
    server = Server.load(base)
    if server is None:
        return
    for name in ("ckan", "solr", "redis"):
        if name in server.pids:
            terminate(server.pids[name])
    try:
        pg_stop(base / "pgdata")
    except RuntimeError as exc:  # already gone: nothing of ours is left to stop
        log(f"postgres stop: {exc}")
    (base / "state.json").unlink(missing_ok=True)


def running(base: Path) -> Server | None:
    """The server recorded in ``base`` if its CKAN still answers."""
    server = Server.load(base)
    if server is None or not alive(server.pids.get("ckan", 0)):
        return None
    try:
        with urllib.request.urlopen(f"{server.url}/api/3/action/status_show", timeout=5):
            return server
    except OSError:
        return None


def main() -> None:
    """Command line for the Makefile: venv | up | down."""
    parser = argparse.ArgumentParser(description="Local CKAN for trying and testing the push.")
    parser.add_argument("command", choices=["venv", "up", "down"])
    parser.add_argument("--dir", type=Path, default=DEV_DIR, help="run folder (default: .cache/ckan/dev)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CKAN_DEV_PORT", "5000")))
    args = parser.parse_args()
    if args.command == "venv":
        ensure_venv()
        ensure_harvest()
        build_template()
    elif args.command == "up":
        base = args.dir.resolve()
        t0 = time.monotonic()
        server = running(base)
        if server:
            log(f"CKAN is already running (pid {server.pids['ckan']}); its data is kept")
        else:
            server = start(base, args.port)
            log(f"CKAN is up in {time.monotonic() - t0:.1f} s; stop it with: make ckan-down")
        env = f"export CKAN_URL={server.url}\nexport CKAN_API_TOKEN={server.token}\n"
        (base / "ckan.env").write_text(env)
        print(env, end="")
        log(f"then: source {base / 'ckan.env'} && make publish   (CKAN pages: {server.url}/dataset/)")
    else:
        stop(args.dir.resolve())
        log("stopped")


if __name__ == "__main__":
    main()
