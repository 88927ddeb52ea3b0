import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Config } from '../core/config/config';
import { UserFacingError } from '../core/errors';
import { localFiles } from '../core/files/local-files';
import { MetadataStore } from '../core/metadata/store';
import { ExperimentStore } from '../serving-layer/experiments/experiment-store';
import { SegmentStore } from '../serving-layer/segments/segment-store';
import { WORKFLOW_TYPES } from '../workflows/ids';
import type { BackfillInput, BackfillProgress, BackfillResult } from '../workflows/types';
import { DEMO_DASHBOARD, DEMO_PROJECT, DEMO_SEGMENT, demoExperiment, demoHistory } from './demo-data';
import { DashboardStore } from '../serving-layer/dashboards/dashboard-store';
import { NewDashboardSchema } from '../serving-layer/dashboards/definition';
import { connectTemporal } from './temporal-client';

const HOUR = 3_600_000;
const BATCH = 400;

export interface SeededHistory {
  from: string;
  to: string;
  events: number;
}

const markerFile = (config: Config) => join(config.stateDir, 'demo', 'history.json');

/** The history `up` seeded before in this state folder, if any. */
export function seededHistory(config: Config): SeededHistory | undefined {
  const text = localFiles.readTextIfExists(markerFile(config));
  return text === undefined ? undefined : (JSON.parse(text) as SeededHistory);
}

/**
 * Seeds `days` days of the demo project's history once per state folder, through the real path:
 * the calls go to the collector (as an SDK sends them, with their past timestamps), Kafka carries
 * them, the archiver writes them to the lake, and a backfill workflow (visible in the Temporal UI)
 * seals every hour's batch view. Nothing is written around the pipeline. The demo's experiment
 * (running since two thirds of the history) and segment are defined in the metadata store.
 */
export async function seedDemoHistory(
  deps: { config: Config; kafka: Kafka; ingestUrl: string; writeKey: string },
  days: number,
  progress: (line: string, done?: boolean) => void,
): Promise<SeededHistory> {
  const { config } = deps;
  const known = seededHistory(config);
  if (known) {
    // Definitions added by later versions (or deleted by hand) come back; the history stays.
    const span = Date.parse(known.to) - Date.parse(known.from);
    await defineDemoDefinitions(
      config,
      new Date(Date.parse(known.to) - Math.round((span * 0.7) / 86_400_000) * 86_400_000),
    );
    return known;
  }
  // History runs until now: the hours before this one are sealed by the batch layer, this hour's
  // events stay with the speed layer, as they would on a site that has been live for two weeks.
  const now = Date.now();
  const to = Math.floor(now / HOUR) * HOUR;
  const from = to - days * 86_400_000;
  const experimentStart = to - Math.round(days * 0.7) * 86_400_000;
  await defineDemoDefinitions(config, new Date(experimentStart));

  let sent = 0;
  let day = 0;
  for (const calls of demoHistory(from, now, { experimentStart, ids: randomUUID })) {
    day++;
    for (let i = 0; i < calls.length; i += BATCH) {
      await postBatch(deps.ingestUrl, deps.writeKey, calls.slice(i, i + BATCH));
      sent += Math.min(BATCH, calls.length - i);
    }
    progress(
      `  sending ${days} days of demo history to the collector: day ${day}/${days}, ${sent.toLocaleString('en-US')} events`,
    );
  }
  progress(`  sent ${sent.toLocaleString('en-US')} events of ${days} days to the collector`, true);
  await archived(deps.kafka, config, (line) => progress(line));
  progress('  the lake archiver has written them to the lake', true);
  await backfill(config, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, progress);
  const seeded = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: sent };
  localFiles.ensureDir(join(config.stateDir, 'demo'));
  localFiles.writeAtomically(markerFile(config), JSON.stringify(seeded));
  return seeded;
}

async function defineDemoDefinitions(config: Config, experimentStart: Date): Promise<void> {
  const db = await MetadataStore.open(config.metadata.url);
  try {
    const experiments = new ExperimentStore(db);
    if (!(await experiments.get(DEMO_PROJECT, demoExperiment(experimentStart).id)))
      await experiments.create(DEMO_PROJECT, demoExperiment(experimentStart));
    const segments = new SegmentStore(db);
    if (!(await segments.get(DEMO_PROJECT, DEMO_SEGMENT.id)))
      await segments.create(DEMO_PROJECT, DEMO_SEGMENT);
    const dashboards = new DashboardStore(db);
    if (!(await dashboards.list(DEMO_PROJECT)).some((d) => d.name === DEMO_DASHBOARD.name))
      await dashboards.create(DEMO_PROJECT, NewDashboardSchema.parse(DEMO_DASHBOARD));
  } finally {
    await db.close();
  }
}

async function postBatch(
  ingestUrl: string,
  writeKey: string,
  batch: Record<string, unknown>[],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch }),
    });
    if (res.ok) return;
    // The collector's answer to a retry is the same events (message ids dedupe): retry what may pass.
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await sleep(250 * attempt);
      continue;
    }
    throw new UserFacingError(
      `the collector refused the demo history (${res.status}: ${(await res.text()).slice(0, 200)})`,
      'read .local/logs/ingest.log, then run ./platform up again (the history is sent again)',
    );
  }
}

/** Waits until the archiver's group has committed every record of the events topic (it commits after writing). */
async function archived(kafka: Kafka, config: Config, progress: (line: string) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topic = config.kafka.topics.events;
    const ends = await admin.fetchTopicOffsets(topic);
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const [committed] = await admin.fetchOffsets({
        groupId: config.kafka.groups.archiver,
        topics: [topic],
      });
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      const left = ends.reduce((a, e) => {
        const c = at.get(e.partition) ?? -1n;
        const high = BigInt(e.high);
        return a + (c < 0n ? high - BigInt(e.low) : high > c ? high - c : 0n);
      }, 0n);
      if (left === 0n) return;
      if (Date.now() > deadline)
        throw new UserFacingError(
          `the lake archiver still has ${left} demo events to write after 10 minutes`,
          'read .local/logs/archiver.log',
        );
      progress(`  waiting for the lake archiver: ${left.toLocaleString('en-US')} events to write`);
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
  }
}

async function backfill(
  config: Config,
  range: { from: string; to: string },
  progress: (line: string, done?: boolean) => void,
): Promise<void> {
  const client = await connectTemporal(config);
  try {
    const input: BackfillInput = { ...range, projects: [DEMO_PROJECT] };
    const workflowId = `backfill-demo-history-${range.from}-${range.to}`;
    const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `Demo history: seal ${range.from} .. ${range.to}`,
    });
    const result = handle.result() as Promise<BackfillResult>;
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => {});
    while (!finished) {
      const p = await handle.query<BackfillProgress>('progress').catch(() => undefined);
      if (p)
        progress(
          `  sealing the history's hours (backfill workflow ${workflowId}): ${p.done}/${p.total} hours, ${p.percent}%`,
        );
      await sleep(500);
    }
    const r = await result;
    progress(
      `  sealed ${r.done} hours of history (${r.events.toLocaleString('en-US')} events) by the backfill workflow`,
      true,
    );
    if (r.failed > 0)
      throw new UserFacingError(
        `${r.failed} hours of the demo history failed to seal`,
        `see the workflow ${workflowId} in the Temporal UI (${config.temporal.uiUrl})`,
      );
  } finally {
    await client.connection.close();
  }
}
