import { LocalStorage } from './local-storage';
import { S3Storage, type S3LakeSettings } from './s3-storage';
import type { HttpfsSource, LakeStorage } from './storage';

/** Where the lake lives, as the configuration says (core/config.ts reads it). */
export interface LakeSettings {
  /** The lake on this machine (LAKE_ROOT), used when no object store is named. */
  root: string;
  /** The lake on S3 or an S3-compatible store (LAKE_URL=s3://bucket/prefix). */
  s3?: Omit<S3LakeSettings, 'httpfs'>;
  /** Where DuckDB finds its httpfs extension, for object-store lakes. */
  httpfs: HttpfsSource;
}

/** The lake the configuration names: on an object store (LAKE_URL), else the folder LAKE_ROOT. */
export function openLake(lake: LakeSettings): LakeStorage {
  return lake.s3 ? new S3Storage({ ...lake.s3, httpfs: lake.httpfs }) : new LocalStorage(lake.root);
}
