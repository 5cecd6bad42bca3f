"""A real PostgreSQL server on loopback for the shared-store (DuckLake) tests: a cluster made by Debian's
``initdb`` in a temporary directory, started on a free port, stopped and removed at the end of the session.

PostgreSQL refuses to run as root: under root the cluster belongs to the ``postgres`` user the Debian package
creates, and its commands run through ``runuser``. ``scripts/test.sh`` installs the package.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from civdash.store.ducklake import Lake


def binaries() -> Path:
    """The newest installed server's bin directory (``/usr/lib/postgresql/<version>/bin``)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql; scripts/test.sh installs it)")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Postgres:
    directory: Path
    port: int
    bin: Path

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def catalog(self, dbname: str) -> str:
        """A libpq connection string for ``dbname`` (trust authentication on loopback)."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def create_database(self, name: str | None = None) -> str:
        name = name or f"lake_{uuid.uuid4().hex[:12]}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return name

    def new_lake(self, data_path: Path) -> Lake:
        """An empty lake: a new catalog database and the given data directory."""
        return Lake(self.catalog(self.create_database()), str(data_path))

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start() -> Postgres:
    """initdb into a new directory under /tmp and start the server on a free loopback port."""
    bin_dir = binaries()
    directory = Path(tempfile.mkdtemp(prefix="civdash-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    server = Postgres(directory, _free_port(), bin_dir)
    server._run("initdb", "-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-sync")
    options = f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    try:
        server._run("pg_ctl", "-D", str(directory / "data"), "-o", options, "-l", str(directory / "server.log"),
                    "-w", "start")
    except subprocess.CalledProcessError:
        log = (directory / "server.log").read_text(errors="replace") if (directory / "server.log").exists() else ""
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
    return server
