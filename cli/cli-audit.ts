import { userInfo } from 'node:os';
import { AuditLog } from '../core/auth/audit-log';
import type { MetadataStore } from '../core/metadata/store';

/**
 * The CLI changes definitions and starts erasures straight in the metadata store, as the
 * instance's operator: each change is in the project's audit log like the API's, its actor the
 * operator's login on the machine the CLI ran on.
 */
export async function cliAudit(
  db: MetadataStore,
  project: string,
  action: string,
  target: string,
): Promise<void> {
  await new AuditLog(db, Number.MAX_SAFE_INTEGER).record({
    project,
    actor: `operator ${userInfo().username} (CLI)`,
    action,
    target,
  });
}
