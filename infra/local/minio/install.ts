import { ensureGoBinary, type GoBinary } from '../go-binary';

/**
 * MinIO, the local S3 stand-in: a real S3 server (SigV4 credentials checked, data on disk). It
 * is built from the Go module proxy (its releases are not published there as tags, so a commit's
 * pseudo-version), once, into the platform cache. It is a development tool only, never shipped
 * with the platform.
 */
const MINIO: GoBinary = {
  what: 'MinIO (the local S3 server)',
  module: 'github.com/minio/minio',
  version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  name: 'minio',
  pathVar: 'MINIO_PATH',
  buildTime: 'about 5 to 11 minutes',
};
export const ensureMinioInstalled = (log?: (line: string) => void) => ensureGoBinary(MINIO, log);
