#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 for the benchmarks (tests/support/postgres_server.py: initdb and
pg_ctl in a temporary directory, Unix socket only). Prints `URL=<libpq connection string>`
of a fresh database, then waits until stdin closes (or a line arrives) and removes it all.

usage: bench/pg_server.py [DATABASE]     e.g.  coproc PG { bench/pg_server.py bench; }
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
import postgres_server  # noqa: E402

server = postgres_server.PostgresServer()
try:
    print("URL=" + server.create_database(sys.argv[1] if len(sys.argv) > 1 else "bench"),
          flush=True)
    sys.stdin.readline()
finally:
    server.stop()
