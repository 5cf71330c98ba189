"""A real PostgreSQL 15 server for end-to-end tests (the Python twin of
postgres_server.hpp): initdb and pg_ctl in a temporary directory, a Unix socket there and no
TCP port; as root the cluster belongs to `nobody` (PostgreSQL refuses to run as root).

    pg = PostgresServer()          # raises Unavailable when PostgreSQL 15 is not installed
    url = pg.create_database("x")  # a libpq connection string
    pg.stop()
"""

import os
import shutil
import subprocess
import tempfile

BIN = os.environ.get("FEEDPOP_PG_BIN", "/usr/lib/postgresql/15/bin")


class Unavailable(Exception):
    pass


class PostgresServer:
    def __init__(self):
        if not os.path.exists(os.path.join(BIN, "initdb")):
            raise Unavailable(f"PostgreSQL 15 is not installed ({BIN}/initdb is missing; "
                              "scripts/bootstrap installs it)")
        self.dir = tempfile.mkdtemp(prefix="feedpop-pg-", dir="/tmp")  # short socket path
        self.owner = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self.owner:
            shutil.chown(self.dir, "nobody")
        data = os.path.join(self.dir, "data")
        self._run(self.owner + [f"{BIN}/initdb", "-D", data, "-A", "trust", "-U", "feedpop",
                                "-E", "UTF8", "--locale=C", "--no-sync"])
        self._run(self.owner + [f"{BIN}/pg_ctl", "-D", data, "-l",
                                os.path.join(self.dir, "server.log"), "-w", "-o",
                                f"-k {self.dir} -c listen_addresses='' -c fsync=off "
                                "-c max_connections=300", "start"])
        self.data = data

    def _run(self, argv):
        res = subprocess.run(argv, capture_output=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{argv[len(self.owner)]} failed: "
                               + res.stdout.decode() + res.stderr.decode())

    def url(self, database):
        return f"host={self.dir} user=feedpop dbname={database}"

    def create_database(self, name):
        self._run([f"{BIN}/psql", self.url("postgres"), "-q", "-c", f"CREATE DATABASE {name}"])
        return self.url(name)

    def stop(self):
        subprocess.run(self.owner + [f"{BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)
