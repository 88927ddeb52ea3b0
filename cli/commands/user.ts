import { userInfo } from 'node:os';
import { loadConfig } from '../../core/config/config';
import { ErasureStore, type ErasureRecord } from '../../core/erasure/erasure-store';
import { UserFacingError } from '../../core/errors';
import { MetadataStore } from '../../core/metadata/store';
import { cliAudit } from '../cli-audit';
import { checkUserId, ErasureRequests } from '../../workflows/erasure-requests';
import type { ErasureRemoved } from '../../core/erasure/erasure-store';
import { requireOption, type ParsedArgs } from '../args';
import { connectTemporal } from '../temporal-client';

const summary = (r: ErasureRemoved) =>
  `${r.lakeRows} lake rows (${r.lakeFiles} files rewritten), ${r.quarantineRows} quarantined, ` +
  `${r.speedRows} speed rows, ${r.hoursRecomputed.length} sealed hours recomputed`;

const line = (r: ErasureRecord) =>
  `${r.id}  ${r.status.padEnd(7)}  requested ${r.requestedAt} by ${r.requestedBy}` +
  (r.removed ? `  removed: ${summary(r.removed)}` : '');

/**
 * `user erase --project P --user U [--no-wait]`: starts the `eraseUser` workflow (GDPR) and waits
 * for it, showing where to watch it; `user erasures --project P`: the audit trail.
 */
export async function userCommand(args: ParsedArgs): Promise<number> {
  const [sub] = args.positional;
  const project = requireOption(args, 'project', `./platform user ${sub ?? 'erase'} --project demo ...`);
  const config = loadConfig();
  const metadata = await MetadataStore.open(config.metadata.url);
  try {
    const store = new ErasureStore(metadata);
    if (sub === 'erasures') {
      const all = await store.list(project);
      if (all.length === 0) console.log(`no erasures in project ${project}`);
      for (const r of all) console.log(line(r));
      return 0;
    }
    if (sub !== 'erase')
      throw new UserFacingError(
        `unknown 'user ${sub ?? ''}'`,
        'use: ./platform user erase|erasures --project P',
      );
    const user = requireOption(args, 'user', './platform user erase --project demo --user u-123');
    const bad = checkUserId(user);
    if (bad) throw new UserFacingError(bad, 'pass the user id as the SDK sent it: --user u-123');
    const client = await connectTemporal(config);
    try {
      const rec = await new ErasureRequests(store, client, config).request(
        project,
        user,
        `cli:${userInfo().username}`,
      );
      await cliAudit(metadata, project, 'erasure.requested', rec.id);
      console.log(`erasure ${rec.id} started (workflow ${rec.workflowId})`);
      console.log(
        `  watch it in the Temporal UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(rec.workflowId)}`,
      );
      if (args.options['no-wait'] === true) return 0;
      const removed = (await client.workflow.getHandle(rec.workflowId).result()) as ErasureRemoved;
      console.log(`erased: ${summary(removed)}`);
      return 0;
    } finally {
      await client.connection.close();
    }
  } finally {
    await metadata.close();
  }
}
