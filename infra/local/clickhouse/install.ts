import { ensureVenv, venvPython, type PythonTool } from '../venv';

/**
 * A ClickHouse server for the speed layer's server mode: PyPI `chdb-core` carries the engine with
 * upstream's HTTP and native listeners (clickhouse-local's, started by serve.py). Its Python
 * dependencies serve chDB's DataFrame helpers, which the server does not use: installed without.
 */
export const CHDB_CORE_VERSION = '26.9.0';

const CHDB_CORE: PythonTool = {
  what: `a ClickHouse server (chdb-core ${CHDB_CORE_VERSION})`,
  name: `chdb-core-${CHDB_CORE_VERSION}`,
  packages: [`chdb-core==${CHDB_CORE_VERSION}`],
  pipFlags: ['--no-deps'],
  installTime: 'about 15 s (560 MB)',
};

/** The Python that runs serve.py, installed once. */
export function ensureClickHouseInstalled(log: (line: string) => void = () => {}): string {
  ensureVenv(CHDB_CORE, log);
  return venvPython(CHDB_CORE);
}
