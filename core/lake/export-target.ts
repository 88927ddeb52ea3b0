import { GcsStorage } from './gcs-storage';
import { LocalStorage } from './local-storage';
import type { LakeSettings } from './open-lake';
import { openLake } from './open-lake';
import { S3Storage } from './s3-storage';
import type { LakeStorage } from './storage';

/** An export's destination that cannot be used: what is wrong and what to give instead. */
export class ExportTargetError extends Error {
  override name = 'ExportTargetError';
}

/** The folder inside the lake's own store that exports go to when no URL is named. */
export const EXPORTS = 'exports';

/**
 * Where an export writes, as a store of its own: the lake's store (its `exports/` folder) when no
 * URL is given; `file:///folder` on this machine; `s3://bucket/prefix` or `gs://bucket/prefix`
 * with the lake's endpoint and credentials (so the lake must be on that kind of store: the
 * platform holds no other keys). Files are written whole, as the lake's are.
 */
export function openExportTarget(
  lake: LakeSettings,
  url: string | undefined,
): { store: LakeStorage; prefix: string; shown: string } {
  if (url === undefined || url === '') {
    const store = openLake(lake);
    return { store, prefix: EXPORTS, shown: store.uri(EXPORTS) };
  }
  const m = /^(file|s3|gs):\/\/(.+)$/.exec(url);
  if (!m)
    throw new ExportTargetError(
      `the export URL '${url}' is not file:///folder, s3://bucket/prefix or gs://bucket/prefix`,
    );
  const [, scheme, rest] = m as unknown as [string, 'file' | 's3' | 'gs', string];
  if (scheme === 'file') {
    if (!rest.startsWith('/'))
      throw new ExportTargetError(`file:// needs an absolute folder (file:///data/exports), not '${url}'`);
    return { store: new LocalStorage(rest.replace(/\/+$/, '')), prefix: '', shown: url };
  }
  const [bucket = '', ...path] = rest.split('/');
  const prefix = path.filter(Boolean).join('/');
  if (!/^[a-z0-9][a-z0-9._-]{1,62}$/.test(bucket))
    throw new ExportTargetError(`'${bucket}' is not a bucket name`);
  if (scheme === 's3') {
    if (!lake.s3)
      throw new ExportTargetError(
        "s3:// exports use the lake's S3 endpoint and credentials: set LAKE_URL=s3://... (or export to file:// or the lake's own store)",
      );
    return {
      store: new S3Storage({ ...lake.s3, bucket, prefix, httpfs: lake.httpfs }),
      prefix: '',
      shown: url,
    };
  }
  if (!lake.gcs)
    throw new ExportTargetError(
      "gs:// exports use the lake's GCS endpoint and credentials: set LAKE_URL=gs://... (or export to file:// or the lake's own store)",
    );
  return {
    store: new GcsStorage({ ...lake.gcs, bucket, prefix, httpfs: lake.httpfs }),
    prefix: '',
    shown: url,
  };
}
