"""A ClickHouse server from chdb-core: clickhouse-local with its HTTP and native listeners.

    python serve.py <working folder holding config.xml> <data folder>

clickhouse-local reads config.xml (listen_host, http_port, tcp_port) from its working folder;
SYSTEM START LISTEN opens the ports, and the query after it keeps the engine, and so the
listeners, running until the process is stopped (SIGTERM).
"""
import os
import sys

os.chdir(sys.argv[1])

import chdb._chdb as chdb  # noqa: E402  (after chdir: the engine reads ./config.xml when loaded)

chdb.query(
    "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; "
    "SELECT sleepEachRow(1) FROM system.numbers "
    "SETTINGS function_sleep_max_microseconds_per_block = 0, max_block_size = 1 FORMAT Null",
    "TabSeparated",
    path=sys.argv[2],
)
