import type { Config } from '../config';
import { LocalStorage } from './local-storage';
import type { LakeStorage } from './storage';

/** The lake the configuration names (LAKE_ROOT: a folder on this machine). */
export function openLake(lake: Config['lake']): LakeStorage {
  return new LocalStorage(lake.root);
}
