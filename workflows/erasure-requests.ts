import type { Client } from '@temporalio/client';
import type { Config } from '../core/config/config';
import type { ErasureRecord, ErasureStore } from '../core/erasure/erasure-store';
import type { EraseUserInput } from './erase-user.workflow';
import { WORKFLOW_TYPES } from './ids';

/** A user id the platform can erase: what ingest accepts as one. */
export function checkUserId(user: unknown): string | undefined {
  if (typeof user !== 'string' || user.trim() === '') return 'the user id is empty';
  if (user.length > 512) return 'the user id is longer than 512 characters';
  return undefined;
}

/**
 * Starts erasures (the API's DELETE /v1/users/:id, `./platform user erase`): the request is
 * recorded, then the `eraseUser` workflow started under a name made of the request's id only.
 */
export class ErasureRequests {
  constructor(
    readonly store: ErasureStore,
    private readonly temporal: Client,
    private readonly config: Pick<Config, 'temporal' | 'speed' | 'erasure'>,
  ) {}

  async request(project: string, user: string, requestedBy: string): Promise<ErasureRecord> {
    const rec = await this.store.create(project, user, requestedBy);
    const input: EraseUserInput = {
      erasureId: rec.id,
      speedTaskQueue: this.config.speed.taskQueue,
      dropListRefreshMs: this.config.erasure.dropListRefreshMs,
    };
    try {
      await this.temporal.workflow.start(WORKFLOW_TYPES.eraseUser, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: rec.workflowId,
        args: [input],
        memo: { project },
      });
    } catch (e) {
      // Not started: no request is left pretending to run (the caller is told to try again).
      await this.store.forget(rec.id);
      throw e;
    }
    return rec;
  }
}
