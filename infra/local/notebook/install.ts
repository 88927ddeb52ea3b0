import { ensureVenv, venvPython, type PythonTool } from '../venv';

/**
 * What an analyst's notebook reads our answers with (PyPI pyarrow, polars and DuckDB's Python
 * package), in a virtual environment in the platform cache: the tests read the SQL and metric
 * routes' Arrow and Parquet answers and the exports with them, as docs/notebooks.md shows.
 * Test-only.
 */
const NOTEBOOK: PythonTool = {
  what: 'pyarrow, polars and duckdb (a notebook, for the Arrow and Parquet tests)',
  name: 'notebook-pyarrow-26.0.1',
  packages: ['pyarrow==26.0.1', 'polars==2.1.0', 'duckdb==2.0.1'],
  installTime: 'about a minute',
};

/** The Python that has pyarrow, polars and duckdb. */
export const notebookPython = () => venvPython(NOTEBOOK);

export function ensureNotebook(log: (line: string) => void = () => {}): string {
  ensureVenv(NOTEBOOK, log);
  return notebookPython();
}
