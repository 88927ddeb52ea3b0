import { GcsStorage, type GcsLakeSettings } from './gcs-storage';
import { LocalStorage } from './local-storage';
import { S3Storage, type S3LakeSettings } from './s3-storage';
import type { HttpfsSource, LakeStorage } from './storage';

/** Where the lake lives, as the configuration says (core/config/config.ts reads it). */
export interface LakeSettings {
  /** The lake on this machine (LAKE_ROOT), used when no object store is named. */
  root: string;
  /** The lake on S3 or an S3-compatible store (LAKE_URL=s3://bucket/prefix). */
  s3?: Omit<S3LakeSettings, 'httpfs'>;
  /** The lake on Google Cloud Storage (LAKE_URL=gs://bucket/prefix). */
  gcs?: Omit<GcsLakeSettings, 'httpfs'>;
  /** Where DuckDB finds its httpfs extension, for object-store lakes. */
  httpfs: HttpfsSource;
}

/** The lake the configuration names: on an object store (LAKE_URL), else the folder LAKE_ROOT. */
export function openLake(lake: LakeSettings): LakeStorage {
  if (lake.s3) return new S3Storage({ ...lake.s3, httpfs: lake.httpfs });
  if (lake.gcs) return new GcsStorage({ ...lake.gcs, httpfs: lake.httpfs });
  return new LocalStorage(lake.root);
}
