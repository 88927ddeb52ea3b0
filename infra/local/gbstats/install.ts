import { ensureVenv, venvPython, type PythonTool } from '../venv';

/**
 * GrowthBook's stats engine (PyPI `gbstats`), in a virtual environment in the platform cache: the
 * reference our experiment statistics are tested against, number for number. Test-only.
 */
export const GBSTATS_VERSION = '0.8.0';

const GBSTATS: PythonTool = {
  what: `gbstats ${GBSTATS_VERSION} (GrowthBook's stats engine)`,
  name: `gbstats-${GBSTATS_VERSION}`,
  packages: [`gbstats==${GBSTATS_VERSION}`],
  installTime: 'about a minute',
};

/** The Python that has gbstats. */
export const gbstatsPython = () => venvPython(GBSTATS);

export function ensureGbstats(log: (line: string) => void = () => {}): string {
  ensureVenv(GBSTATS, log);
  return gbstatsPython();
}
