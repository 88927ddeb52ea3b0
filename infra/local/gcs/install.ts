import { ensureGoBinary, type GoBinary } from '../go-binary';

/**
 * fake-gcs-server, the local Google Cloud Storage stand-in (the JSON API the Node client speaks,
 * and the XML API DuckDB reads through), built once from the Go module proxy into the platform
 * cache. A development tool only.
 */
const FAKE_GCS: GoBinary = {
  what: 'fake-gcs-server (the local GCS)',
  module: 'github.com/fsouza/fake-gcs-server',
  version: 'v1.56.1',
  name: 'fake-gcs-server',
  pathVar: 'FAKE_GCS_PATH',
  buildTime: 'about 2 minutes',
};
export const ensureFakeGcsInstalled = (log?: (line: string) => void) => ensureGoBinary(FAKE_GCS, log);
