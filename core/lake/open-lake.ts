import { LocalStorage } from './local-storage';
import type { LakeStorage } from './storage';

/** The lake the configuration names (`config.lake`; LAKE_ROOT: a folder on this machine). */
export function openLake(lake: { root: string }): LakeStorage {
  return new LocalStorage(lake.root);
}
