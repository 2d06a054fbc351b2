"""A throwaway PostgreSQL server for the test session (issue #3: the suite runs on a real server).

Debian's server binaries refuse to run as root, so when the tests run as root the server runs as the
``postgres`` user through ``runuser``. The data directory is temporary, the server listens on
127.0.0.1 on a free port with fsync off (durability is not what these tests measure), and it is
stopped by the fixture that started it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


class PostgresUnavailable(RuntimeError):
    """No usable server binaries here; the message says what is missing."""


def find_bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for directory in candidates:
        if (Path(directory) / "pg_ctl").exists() and (Path(directory) / "initdb").exists():
            return Path(directory)
    env_dir = os.environ.get("TRACKER_PG_BIN")
    if env_dir and (Path(env_dir) / "pg_ctl").exists():
        return Path(env_dir)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
        "(install Debian's 'postgresql' package: `make system-deps`)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root but `runuser` is missing, so PostgreSQL cannot be started")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable("running as root but there is no 'postgres' user to run the server") from exc
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PostgresServer:
    bin_dir: Path
    port: int = 0
    base_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tracker-pg-")))
    user: str = "postgres"
    _started: bool = False

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_as_server_user(), *args], check=True, capture_output=True, text=True, timeout=timeout, cwd=self.base_dir
        )

    def start(self) -> None:
        prefix = _as_server_user()
        if prefix:
            shutil.chown(self.base_dir, user="postgres", group="postgres")
        os.chmod(self.base_dir, 0o700)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir), "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )
        last_error = ""
        for _attempt in range(5):
            self.port = free_port()
            options = (
                f"-h 127.0.0.1 -p {self.port} -k {self.base_dir} -F "
                "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
            )
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.base_dir / "server.log"),
                    "-o", options, "-w", "-t", "60", "start",
                    timeout=90,
                )
            except subprocess.CalledProcessError as exc:  # port taken between probing and binding: retry
                last_error = (exc.stdout or "") + (exc.stderr or "") + self.log_tail()
                continue
            self._started = True
            self._wait_ready()
            return
        raise PostgresUnavailable(f"PostgreSQL would not start: {last_error[-2000:]}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def log_tail(self) -> str:
        try:
            return (self.base_dir / "server.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self._started:
            try:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            finally:
                self._started = False
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start_server() -> PostgresServer:
    server = PostgresServer(bin_dir=find_bin_dir())
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
