import { setTimeout as sleep } from 'node:timers/promises';
import { Analytics } from '@segment/analytics-node';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import { distinctEventsInLake } from './lake';
import { isolatedConfig } from './test-config';

export const HOUR = 3_600_000;
export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Times for events on both sides of the watermark: the last hour (`from`, sealed by the test) and
 * this one up to now (`after(f)`: a fraction f of the way from this hour's start to now), `to` just
 * past now. Waits out the first two minutes of an hour, so this hour has room for events.
 */
export async function twoHours() {
  const MINUTE = 60_000;
  if (Date.now() % HOUR < 2 * MINUTE) await sleep(2 * MINUTE - (Date.now() % HOUR));
  const now = Date.now();
  const hourNow = Math.floor(now / HOUR) * HOUR;
  return {
    now,
    hourNow,
    from: hourNow - HOUR,
    to: Math.ceil((now + MINUTE) / MINUTE) * MINUTE,
    after: (f: number) => hourNow + Math.floor((now - 2000 - hourNow) * f),
  };
}

export interface Answer {
  value: number;
  source: string;
  parts: { source: string; from: string; to: string }[];
  pendingRepair?: { from: string; to: string }[];
  freshness?: { pendingRepair?: { workflow: string; parts: { from: string; to: string }[] } };
}

/**
 * Every role over its own topics and lake, for one project, with the Segment SDK to send through,
 * the API to ask, hourly seals on demand and the late-data-repair schedule (every 2 s unless told;
 * the worker role creates it every LATE_REPAIR_EVERY_SECONDS). For the late-data tests and bench.
 */
export async function startLateStack(name: string, env: Record<string, string> = {}) {
  const log = createLogger({ test: name }, 'warn');
  const config: Config = isolatedConfig(name, env);
  const project = name;
  const writeKey = await createWriteKey(config, project);
  const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
  const roles: RunningRoles = await startRoles(
    ['ingest', 'speed', 'archiver', 'serve', 'worker'],
    config,
    log,
  );
  const temporal = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: temporal, namespace: config.temporal.namespace });
  const analytics = new Analytics({ writeKey, host: roles.urls.ingest, flushAt: 50, flushInterval: 50 });
  const scheduleId = `${config.temporal.taskQueue}-late-data-repair`;
  let scheduled = false;
  let n = 0;
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  return {
    config,
    /** Where the collector and the API listen. */
    urls: roles.urls,
    log,
    /** Sends a track call per event time through the SDK; resolves once all are accepted. */
    send: async (times: number[]) => {
      const before = failures.length;
      for (const t of times)
        analytics.track({ userId: `u-${n++ % 40}`, event: 'page_view', timestamp: new Date(t) });
      await analytics.flush();
      if (failures.length > before) throw new Error(`the SDK failed to send: ${String(failures[before])}`);
    },
    answer: async (from: number, to: number, metric = 'events') => {
      const res = await fetch(`${roles.urls.api}/v1/metrics/${metric}?from=${iso(from)}&to=${iso(to)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as Answer & { message?: string } };
    },
    /** Distinct events of the project the lake archiver has written. */
    inLake: () => distinctEventsInLake(config.lake.root, project),
    seal: (hour: number) =>
      client.workflow.execute(WORKFLOW_TYPES.hourlyRecompute, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `${name}-seal-${iso(hour)}-${Date.now()}`,
        args: [{ hour: iso(hour), advanceWatermark: true }],
      }),
    startRepairSchedule: async (every = '2s') => {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every }] },
        action: {
          type: 'startWorkflow',
          workflowType: WORKFLOW_TYPES.lateDataRepair,
          taskQueue: config.temporal.taskQueue,
          args: [],
        },
        policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE },
      });
      scheduled = true;
    },
    stop: async () => {
      if (scheduled) await client.schedule.getHandle(scheduleId).delete();
      await analytics.closeAndFlush({ timeout: 5_000 });
      await temporal.close();
      await roles.stop();
    },
  };
}
