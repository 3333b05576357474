"""Fixtures of the desk tests: one anvil for the session (each test deploys its own
registry on it), a throwaway PostgreSQL cluster, a running ``bci-desk`` on the
demo's story. Every process is started on a free 127.0.0.1 port and stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from deskutil import DeskProcess, Story, play_story, start_desk, wait_indexed
from localchain import LocalChain

from bci_registry import devnode

WORK = devnode.PROJECT_ROOT / ".devnet" / "desk-tests"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="session")
def anvil() -> Iterator[devnode.DevNode]:
    shutil.rmtree(WORK, ignore_errors=True)
    node = devnode.start(WORK, port=devnode.free_port())
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def chain(anvil: devnode.DevNode) -> LocalChain:
    """A fresh registry (three contracts) on the session's anvil."""
    return LocalChain.deploy(anvil.url)


@pytest.fixture(scope="module")
def story(anvil: devnode.DevNode, tmp_path_factory: pytest.TempPathFactory) -> Story:
    """The demo's story on its own registry, shared by a module's tests."""
    return play_story(LocalChain.deploy(anvil.url), tmp_path_factory.mktemp("story"))


# ----------------------------------------------------------------- PostgreSQL


@dataclass
class Postgres:
    port: int
    process: subprocess.Popen[bytes]
    datadir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://desk@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "desk_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _pg_user() -> dict[str, Any]:
    """As root, PostgreSQL runs as the `postgres` system user (initdb refuses root)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    initdb = PG_BIN / "initdb"
    if not initdb.exists():
        pytest.fail(
            f"PostgreSQL 15 server binaries are missing ({initdb}): run "
            "`apt-get install -y --no-install-recommends postgresql-15`"
        )
    datadir = Path(tempfile.mkdtemp(prefix="bci-desk-pg-"))
    run_as = _pg_user()
    if run_as:
        shutil.chown(datadir, "postgres", "postgres")
    data = datadir / "data"
    subprocess.run(
        [str(initdb), "-D", str(data), "-U", "desk", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, **run_as,
    )  # fmt: skip
    port = devnode.free_port()
    log = open(datadir / "postgres.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(datadir),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=100"],
        stdout=log, stderr=subprocess.STDOUT, **run_as,
    )  # fmt: skip
    pg = Postgres(port, process, datadir)
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(pg.url(), connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"PostgreSQL did not start; see {datadir / 'postgres.log'}")
            time.sleep(0.1)
    try:
        yield pg
    finally:
        os.kill(process.pid, signal.SIGINT)  # fast shutdown, by PID
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty index database of each kind (the same tests run on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite3'}"
    pg: Postgres = request.getfixturevalue("postgres")
    return pg.new_database().replace("postgresql://", "postgresql+psycopg://")


@pytest.fixture(scope="module")
def desk(
    story: Story, anvil: devnode.DevNode, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DeskProcess]:
    """A running bci-desk (SQLite index beside the story's manifest) on the story's chain."""
    workdir = tmp_path_factory.mktemp("desk")
    process = start_desk(story.manifest, anvil.url, workdir, "--upload-timeout", "1")
    try:
        wait_indexed(process.url, story.chain.head())
        yield process
    finally:
        process.stop()
