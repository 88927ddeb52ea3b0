import type { ErasureStore } from './erasure-store';
import { idHash } from './subject';

/** Whether an event's ids are on the drop list of erased users. */
export interface DropList {
  drops(project: string, userId: string | null, anonymousId: string | null): boolean;
}

export const NOTHING_DROPPED: DropList = { drops: () => false };

/**
 * The collector's copy of the drop list: in memory (a request never waits on PostgreSQL),
 * reloaded every `refreshMs`, so an id erased anywhere is dropped everywhere within it. The
 * erasure workflow waits two periods before it reads the stores. While PostgreSQL is away the
 * last list loaded keeps applying.
 */
export class ReloadingDropList implements DropList {
  private blocked = new Set<string>();
  private projects = new Set<string>();
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;

  private constructor(private readonly store: ErasureStore) {}

  static async open(store: ErasureStore, refreshMs: number): Promise<ReloadingDropList> {
    const list = new ReloadingDropList(store);
    await list.reload();
    list.timer = setInterval(() => void list.reload().catch(() => {}), refreshMs);
    list.timer.unref();
    return list;
  }

  reload(): Promise<void> {
    this.reloading ??= this.store
      .blocked()
      .then((b) => {
        this.blocked = b;
        this.projects = new Set([...b].map((k) => k.slice(0, k.indexOf('\u0000'))));
      })
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  drops(project: string, userId: string | null, anonymousId: string | null): boolean {
    // Most projects have no erased user: no hashing on their events.
    if (!this.projects.has(project)) return false;
    const on = (id: string | null) =>
      id !== null && this.blocked.has(`${project}\u0000${idHash(project, id)}`);
    return on(userId) || on(anonymousId);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
