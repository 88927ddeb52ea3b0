import { InMemoryCopy } from '../metadata/in-memory-copy';
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
  private constructor(private readonly copy: InMemoryCopy<{ blocked: Set<string>; projects: Set<string> }>) {}

  static async open(store: ErasureStore, refreshMs: number): Promise<ReloadingDropList> {
    const read = async () => {
      const blocked = await store.blocked();
      return { blocked, projects: new Set([...blocked].map((k) => k.slice(0, k.indexOf('\u0000')))) };
    };
    return new ReloadingDropList(await InMemoryCopy.start(read, refreshMs));
  }

  drops(project: string, userId: string | null, anonymousId: string | null): boolean {
    const { blocked, projects } = this.copy.value;
    // Most projects have no erased user: no hashing on their events.
    if (!projects.has(project)) return false;
    const on = (id: string | null) => id !== null && blocked.has(`${project}\u0000${idHash(project, id)}`);
    return on(userId) || on(anonymousId);
  }

  close(): void {
    this.copy.close();
  }
}
