"""Run the whole Secretariat system on this machine, every service its own process.

``make run`` calls this. Embedded defaults: one SQLite file per service and
the embedded message transport, all under ``.data/`` (or
``SECRETARIAT_DATA_DIR``). Set ``SECRETARIAT_POSTGRES_URL`` (a server URL;
one database per service is created on it) and/or ``SECRETARIAT_AMQP_URL``
to use PostgreSQL and RabbitMQ instead. The end-to-end tests drive the same
:class:`System`.

``--replicas documents=2,facilities=2,gateway=2`` (or ``System(replicas=...)``)
runs several processes of a deployable on one database and one queue, as a
cluster would (issue 21): each replica gets its own gRPC (or HTTP) and
metrics port, and every client is given all of them as one target,
``ipv4:127.0.0.1:p1,127.0.0.1:p2``, which its channel balances with
``round_robin``. The replicas share PostgreSQL safely; several processes
writing one SQLite file do not, so use replicas with a PostgreSQL server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.settings import GatewaySettings
from secretariat_shared.identity import generate_keypair, public_key_pem

ROOT = Path(__file__).resolve().parents[1]
SERVICE_ORDER = (
    "documents",
    "infohub",
    "meetings",
    "facilities",
    "archives",
    "performance",
    "career",
)


def _found_services() -> tuple[str, ...]:
    """Every service under services/ with a ``python -m <name>`` entry point:
    the known ones in start order, then any other (a new service) by name."""
    found = {p.parents[2].name for p in ROOT.glob("services/*/src/*/__main__.py")}
    found = {name for name in found if (ROOT / "services" / name / "src" / name).is_dir()}
    known = [name for name in SERVICE_ORDER if name in found]
    return (*known, *sorted(found - set(known)))


SERVICES = _found_services()
READY_POLL_SECONDS = 0.05
_EAGER_RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 100),
]
# The workbench (issue 18): its own process beside the gateway, when the package is there.
HAS_WEB = (ROOT / "web" / "src" / "web" / "__main__.py").exists()


_HANDED_OUT: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range. A port the kernel
    picks for a bind to 0 comes from the range outgoing connections use too:
    in the seconds before the process meant to listen on it starts, a
    connection to PostgreSQL, RabbitMQ or a service could take it (a CI run
    lost its whole shared system so: "Address already in use")."""
    low, _ = _ephemeral_range()
    start, stop = (10000, low) if low > 12000 else (low, 65535)
    for _ in range(200):
        port = start + secrets.randbelow(stop - start)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ports:
    http: int = 8080
    web: int = 8000
    directory: int = 50050
    services: dict[str, int] = field(
        default_factory=lambda: {name: 50051 + i for i, name in enumerate(SERVICES)}
    )
    metrics: dict[str, int] = field(
        default_factory=lambda: {name: 9101 + i for i, name in enumerate(("directory", *SERVICES))}
    )

    @classmethod
    def random(cls) -> Ports:
        return cls(
            http=free_port(),
            web=free_port(),
            directory=free_port(),
            services={name: free_port() for name in SERVICES},
            metrics={name: free_port() for name in ("directory", *SERVICES)},
        )


def _ensure_pg_database(server_url: str, name: str) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


class System:
    """The gateway, the Directory and every service as child processes."""

    def __init__(
        self,
        data_dir: Path,
        ports: Ports | None = None,
        testing: bool = False,
        demo: bool = True,
        postgres_url: str | None = None,
        amqp_url: str | None = None,
        database_prefix: str = "secretariat",
        admin_password: str | None = None,
        gateway_workers: int = 1,
        replicas: Mapping[str, int] | None = None,
        services: Sequence[str] | None = None,
        web: bool = HAS_WEB,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports or Ports()
        self.testing = testing
        self.demo = demo
        self.postgres_url = postgres_url
        self.amqp_url = amqp_url
        self.database_prefix = database_prefix
        self.admin_password = admin_password
        self.gateway_workers = gateway_workers
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._databases: dict[str, str] = {}
        self.logs = self.data_dir / "logs"
        self.gateway_extra_env: dict[str, str] = {}
        self.services: tuple[str, ...] = tuple(services) if services is not None else SERVICES
        self.web = web
        self.replicas = {name: max(1, n) for name, n in (replicas or {}).items()}
        # Ports of the second and later replicas (the first keeps the usual ones).
        self.replica_ports: dict[str, list[int]] = {
            name: [free_port() for _ in range(n - 1)] for name, n in self.replicas.items()
        }
        self.replica_metrics: dict[str, list[int]] = {
            name: [free_port() for _ in range(n - 1)] for name, n in self.replicas.items()
        }

    # -- configuration ------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """The keys every process shares (identity key pair, internal secret)."""
        return self._secrets()

    def _service_keys(self) -> dict[str, str]:
        """Each service's own Ed25519 key signing its service tokens, made once per data dir."""
        path = self.data_dir / "service-keys.json"
        keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in SERVICES if name not in keys]
        if missing:
            keys.update({name: generate_keypair()[0] for name in missing})
            path.write_text(json.dumps(keys))
            path.chmod(0o600)
        return keys

    def _secrets(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        if "seal" in values and "web" in values:
            return values
        if "seal" in values:
            values["web"] = secrets.token_urlsafe(48)
            path.write_text(json.dumps(values))
            return values
        if not values:
            private_pem, public_pem = generate_keypair()
            values = {
                "private": private_pem,
                "public": public_pem,
                "internal": secrets.token_urlsafe(48),
            }
        values["seal"] = generate_keypair()[0]  # the documents service's seal key (SPEC D-09)
        values.setdefault("web", secrets.token_urlsafe(48))  # signs the workbench's sessions
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def database_url(self, name: str) -> str:
        if not self.postgres_url:
            return f"sqlite:///{self.data_dir / 'db' / f'{name}.db'}"
        if name not in self._databases:
            self._databases[name] = _ensure_pg_database(self.postgres_url, self.database_name(name))
        return self._databases[name]

    def database_name(self, name: str) -> str:
        """The PostgreSQL database of ``gateway`` or of a service."""
        return f"{self.database_prefix}_{name}"

    def bus_url(self) -> str:
        return self.amqp_url or f"filesystem://{self.data_dir / 'bus'}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    # -- replicas (issue 21) ------------------------------------------------

    def replica_names(self, name: str) -> list[str]:
        """Process names of a deployable's replicas: ``documents``, ``documents-2``, …"""
        return [name] + [f"{name}-{i}" for i in range(2, self.replicas.get(name, 1) + 1)]

    @staticmethod
    def _split(process: str) -> tuple[str, int]:
        base, _, index = process.rpartition("-")
        if base and index.isdigit():
            return base, int(index)
        return process, 1

    def grpc_ports(self, name: str) -> list[int]:
        return [self.ports.services[name], *self.replica_ports.get(name, [])]

    def metrics_ports(self, name: str) -> list[int]:
        """The /metrics port of each replica of a service (``directory`` included)."""
        return [self.ports.metrics[name], *self.replica_metrics.get(name, [])]

    def http_ports(self) -> list[int]:
        return [self.ports.http, *self.replica_ports.get("gateway", [])]

    @property
    def http_urls(self) -> list[str]:
        """One URL per gateway replica."""
        return [f"http://127.0.0.1:{port}" for port in self.http_ports()]

    def address(self, name: str) -> str:
        """A service's gRPC target: ``127.0.0.1:p``, or every replica as one
        ``ipv4:`` target a ``round_robin`` channel spreads calls over."""
        ports = self.grpc_ports(name)
        if len(ports) == 1:
            return f"127.0.0.1:{ports[0]}"
        return "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def _base_env(self) -> dict[str, str]:
        keys = self._secrets()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARIAT_")}
        env.update(
            {
                "SECRETARIAT_AMQP_URL": self.bus_url(),
                "SECRETARIAT_IDENTITY_PUBLIC_KEY": keys["public"],
                "SECRETARIAT_INTERNAL_TOKEN_SECRET": keys["internal"],
                "SECRETARIAT_DIRECTORY_ADDRESS": f"127.0.0.1:{self.ports.directory}",
                "SECRETARIAT_TESTING": "1" if self.testing else "0",
                "SECRETARIAT_CLOCK_FILE": str(self.data_dir / "clock-offset")
                if self.testing
                else "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        # Every service's public key (issue 19): a service token is accepted only from the
        # key of the service it names; the internal secret alone cannot mint one.
        env["SECRETARIAT_SERVICE_PUBLIC_KEYS"] = json.dumps(
            {name: public_key_pem(pem) for name, pem in self._service_keys().items()}
        )
        if "SECRETARIAT_CALENDAR_OVERRIDES" in os.environ:
            env["SECRETARIAT_CALENDAR_OVERRIDES"] = os.environ["SECRETARIAT_CALENDAR_OVERRIDES"]
        # The SMTP server notices are e-mailed through (infohub), when one is configured.
        env.update({k: v for k, v in os.environ.items() if k.startswith("SECRETARIAT_SMTP_")})
        return env

    def service_env(self, name: str, replica: int = 1) -> dict[str, str]:
        env = self._base_env()
        env.update(
            {
                "SECRETARIAT_DATABASE_URL": self.database_url(name),
                "SECRETARIAT_GRPC_PORT": str(self.grpc_ports(name)[replica - 1]),
                "SECRETARIAT_METRICS_PORT": str(self.metrics_ports(name)[replica - 1]),
            }
        )
        env["SECRETARIAT_SERVICE_PRIVATE_KEY"] = self._service_keys().get(name, "")
        if name == "documents":
            env["SECRETARIAT_SEAL_PRIVATE_KEY"] = self._secrets()["seal"]
        if "documents" in self.services:
            # The approval engine every service uses (SPEC D-06).
            env["SECRETARIAT_DOCUMENTS_ADDRESS"] = self.address("documents")
        return env

    def gateway_env(self, replica: int = 1) -> dict[str, str]:
        keys = self._secrets()
        env = self._base_env()
        env.update(
            {
                "SECRETARIAT_DATABASE_URL": self.database_url("gateway"),
                "SECRETARIAT_IDENTITY_PRIVATE_KEY": keys["private"],
                "SECRETARIAT_DEMO": "1" if self.demo else "0",
                "SECRETARIAT_DIRECTORY_GRPC_PORT": str(self.ports.directory),
                "SECRETARIAT_METRICS_PORT": str(self.ports.metrics["directory"]),
                "PROMETHEUS_MULTIPROC_DIR": str(self._gateway_metrics_dir(replica)),
                "SECRETARIAT_HTTP_BIND": f"127.0.0.1:{self.http_ports()[replica - 1]}",
                "SECRETARIAT_HTTP_WORKERS": str(self.gateway_workers),
            }
        )
        # A service the gateway names a setting for gets it; any other is
        # routed through SECRETARIAT_SERVICES (no gateway change for a new one).
        named = {f.name for f in dataclasses.fields(GatewaySettings)}
        others = []
        for name in self.services:
            address = self.address(name)
            if f"{name}_address" in named:
                env[f"SECRETARIAT_{name.upper()}_ADDRESS"] = address
            else:
                others.append(f"{name}={address}")
        if others:
            env["SECRETARIAT_SERVICES"] = ",".join(others)
        env.update(self.gateway_extra_env)
        if self.admin_password is not None:
            env["SECRETARIAT_ADMIN_PASSWORD"] = self.admin_password
        elif "SECRETARIAT_ADMIN_PASSWORD" in os.environ:
            env["SECRETARIAT_ADMIN_PASSWORD"] = os.environ["SECRETARIAT_ADMIN_PASSWORD"]
        return env

    def web_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARIAT_")}
        env.update(
            {
                "SECRETARIAT_WEB_GATEWAY_URL": self.http_url,
                "SECRETARIAT_WEB_BIND": f"127.0.0.1:{self.ports.web}",
                "SECRETARIAT_WEB_SECRET_KEY": self._secrets()["web"],
                # Plain HTTP on this machine only; behind TLS keep the default (Secure cookies).
                "SECRETARIAT_WEB_SECURE_COOKIES": "0",
                "SECRETARIAT_WEB_WORKERS": "2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    # -- processes ------------------------------------------------------------

    def _run_all(self, steps: Mapping[str, tuple[list[str], dict[str, str]]]) -> None:
        """Run one-off commands side by side (each database is its own), each logged
        to ``logs/<step>.log``; raise with the log of the first that failed."""
        running = {}
        for step, (args, env) in steps.items():
            with open(self.logs / f"{step}.log", "wb") as log:
                running[step] = subprocess.Popen(
                    args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                )
        failed = [step for step, proc in running.items() if proc.wait() != 0]
        if failed:
            tail = (self.logs / f"{failed[0]}.log").read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{' '.join(steps[failed[0]][0])} failed:\n{tail}")

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        self.processes[name] = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _gateway_metrics_dir(self, replica: int) -> Path:
        suffix = "" if replica == 1 else f"-{replica}"
        return self.data_dir / f"gateway-metrics{suffix}"

    def command(self, name: str) -> list[str]:
        name = self._split(name)[0]
        py = sys.executable
        if name == "gateway":
            return [
                py,
                "-m",
                "gunicorn",
                "-c",
                "python:gateway.gunicorn_conf",
                "gateway.wsgi:create()",
            ]
        if name == "directory":
            return [py, "-m", "directory.server"]
        if name == "web":
            return [py, "-m", "web"]
        return [py, "-m", name, "serve"]

    def env_for(self, name: str) -> dict[str, str]:
        name, replica = self._split(name)
        if name == "web":
            return self.web_env()
        if name in ("gateway", "directory"):
            return self.gateway_env(replica)
        return self.service_env(name, replica)

    def prepare(self) -> None:
        for folder in (self.data_dir, self.logs, self.data_dir / "db"):
            folder.mkdir(parents=True, exist_ok=True)
        for replica in range(1, len(self.http_ports()) + 1):
            metrics_dir = self._gateway_metrics_dir(replica)
            metrics_dir.mkdir(exist_ok=True)
            for stale in metrics_dir.glob("*.db"):
                stale.unlink()
        py = sys.executable
        steps = {"seed-gateway": ([py, "-m", "gateway.seed"], self.gateway_env())}
        for name in self.services:
            steps[f"migrate-{name}"] = ([py, "-m", name, "migrate"], self.service_env(name))
        self._run_all(steps)

    def start_process(self, name: str) -> None:
        self._spawn(name, self.command(name), self.env_for(name))

    def start(self, timeout: float = 60.0) -> System:
        self.prepare()
        # prepare() migrated and seeded: each gateway master's own check at start is a no-op.
        for name in ("directory", *self.services, "gateway", *(("web",) if self.web else ())):
            for process in self.replica_names(name):
                self.start_process(process)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        self._wait_grpc("directory", self.ports.directory, deadline)
        for name in self.services:
            for process, port in zip(self.replica_names(name), self.grpc_ports(name), strict=True):
                if process in self.processes:
                    self._wait_grpc(process, port, deadline)
        for process, url in zip(self.replica_names("gateway"), self.http_urls, strict=True):
            if process in self.processes:
                self._wait_http(url, deadline)
        while "web" in self.processes:
            self._check_alive()
            try:
                with urllib.request.urlopen(f"{self.web_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the workbench did not become ready; see " + str(self.logs))
            time.sleep(READY_POLL_SECONDS)

    def _wait_http(self, url: str, deadline: float) -> None:
        while True:
            self._check_alive()
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gateway did not become ready; see " + str(self.logs))
            time.sleep(READY_POLL_SECONDS)

    def _wait_grpc(self, name: str, port: int, deadline: float) -> None:
        # gRPC backs off reconnecting up to seconds after a refused connection; a
        # process that starts listening meanwhile would wait that long to be seen.
        with grpc.insecure_channel(f"127.0.0.1:{port}", options=_EAGER_RECONNECT) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                self._check_alive()
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready; see {self.logs / name}.log")
                time.sleep(READY_POLL_SECONDS)

    def _check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with code {proc.returncode}:\n{tail}")

    def kill_process(self, name: str) -> None:
        """SIGKILL one process, as a node failure would: no draining, nothing flushed."""
        proc = self.processes.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def stop_process(self, name: str, timeout: float = 15.0) -> None:
        self._signal(name)
        self._reap(name, timeout)

    def _signal(self, name: str) -> None:
        proc = self.processes.get(name)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    def _reap(self, name: str, timeout: float = 15.0) -> None:
        """Wait for a signalled process to exit; SIGKILL it after ``timeout``."""
        proc = self.processes.pop(name, None)
        if proc is None:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        """Tell every process to stop at once, so their drains (a second or more
        each) overlap instead of adding up."""
        names = list(self.processes)
        for name in names:
            self._signal(name)
        for name in names:
            self._reap(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("SECRETARIAT_DATA_DIR", ".data"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("SECRETARIAT_HTTP_PORT", 8080))
    )
    parser.add_argument(
        "--web-port",
        type=int,
        default=int(os.environ.get("SECRETARIAT_WEB_PORT", 8000)),
        help="the workbench's port",
    )
    parser.add_argument("--testing", action="store_true", help="enable the movable test clock")
    parser.add_argument(
        "--replicas",
        default=os.environ.get("SECRETARIAT_REPLICAS", ""),
        help="processes per deployable, e.g. documents=2,gateway=2 (needs PostgreSQL)",
    )
    args = parser.parse_args()
    replicas = {
        name.strip(): int(count)
        for name, _, count in (pair.partition("=") for pair in args.replicas.split(","))
        if name.strip() and count.strip().isdigit()
    }
    from directory.seed import DEMO_CLIENT, DEMO_CLIENT_SECRET, DEMO_LOGINS

    system = System(
        Path(args.data_dir),
        Ports(http=args.port, web=args.web_port),
        testing=args.testing or os.environ.get("SECRETARIAT_TESTING", "") in ("1", "true", "yes"),
        postgres_url=os.environ.get("SECRETARIAT_POSTGRES_URL"),
        amqp_url=os.environ.get("SECRETARIAT_AMQP_URL"),
        replicas=replicas,
    )
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        system.start()
    except RuntimeError as exc:
        system.stop()
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    admin_password = os.environ.get("SECRETARIAT_ADMIN_PASSWORD", "admin")
    from demo_content import seed_demo_content

    try:
        seed_demo_content(system.http_url, system.data_dir)
    except (OSError, RuntimeError) as exc:
        print(f"demo content not seeded: {exc}", file=sys.stderr)
    if "web" in system.processes:
        print(f"\nThe workbench is at {system.web_url}  (sign in with a login below)")
    print(f"\nSecretariat is running at {system.http_url}  (API browser: {system.http_url}/docs)")
    print(f"Data and logs: {system.data_dir}   Stop with Ctrl-C.\n")
    print(f"  {'admin':<12} password {admin_password:<8} administrator")
    for username, description in DEMO_LOGINS:
        print(f"  {username:<12} password {'demo':<8} {description}")
    print(
        f"\n  gRPC service account {DEMO_CLIENT.client_id} secret {DEMO_CLIENT_SECRET} "
        f"(token: POST {system.http_url}/api/v1/auth/token; documents gRPC on "
        f"{system.address('documents')}; see docs/grpc.md)"
    )
    sys.stdout.flush()
    try:
        while not stopping:
            time.sleep(0.5)
            for name, proc in list(system.processes.items()):
                if proc.poll() is not None:
                    print(f"{name} exited ({proc.returncode}); see {system.logs / name}.log")
                    stopping = True
    finally:
        print("stopping…")
        system.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
