import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../core/config/config';
import { parsePromText, type PromSample } from '../../core/ops/prometheus-text';
import type { ParsedArgs } from '../args';
import { temporalConnectionOptions } from '../../core/temporal/connection';

const SCAN = 32;

/** The ops endpoints to read: --ops host:port[,...], else every port from OPS_PORT on that answers. */
async function opsTargets(args: ParsedArgs, host: string, port: number): Promise<string[]> {
  const given = args.options.ops;
  if (typeof given === 'string' && given !== '')
    return given.split(',').map((t) => (t.startsWith('http') ? t : `http://${t}`));
  const found = await Promise.all(
    Array.from({ length: SCAN }, async (_, i) => {
      const url = `http://${host}:${port + i}`;
      try {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
        return r.ok ? url : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((u): u is string => u !== undefined);
}

const sum = (
  samples: PromSample[],
  name: string,
  where: (l: Record<string, string>) => boolean = () => true,
) => samples.filter((s) => s.name === name && where(s.labels)).reduce((n, s) => n + s.value, 0);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * `./platform status`: one screen of the running platform, from the processes' ops ports (the
 * same metrics Prometheus scrapes) and Temporal: what each process runs, ingest volumes, consumer
 * lag and dead letters per group, the watermark's lag, and the next scheduled runs.
 */
export async function statusCommand(args: ParsedArgs): Promise<number> {
  const config = loadConfig();
  const say = (l: string) => console.log(l);
  const targets = await opsTargets(args, config.ops.host, config.ops.port);
  const samples: PromSample[] = [];
  for (const t of targets) {
    const text = await (await fetch(`${t}/metrics`)).text();
    samples.push(...parsePromText(text));
  }
  say(
    `processes   ${targets.length === 0 ? `none answering on ${config.ops.host}:${config.ops.port}-${config.ops.port + SCAN - 1} (start one: ./platform up)` : targets.join(' ')}`,
  );
  const projects = [
    ...new Set(
      samples.filter((s) => s.name === 'ingest_events_total').map((s) => s.labels.project as string),
    ),
  ].sort();
  for (const p of projects) {
    const accepted = sum(samples, 'ingest_events_total', (l) => l.project === p && l.outcome === 'accepted');
    const quarantined = sum(
      samples,
      'ingest_events_total',
      (l) => l.project === p && l.outcome === 'quarantined',
    );
    const causes = samples
      .filter((s) => s.name === 'ingest_quarantined_events_total' && s.labels.project === p && s.value > 0)
      .map((s) => `${s.labels.cause} ${fmt(s.value)}`);
    say(
      `ingest      ${p}: ${fmt(accepted)} accepted, ${fmt(quarantined)} quarantined${causes.length ? ` (${causes.join(', ')})` : ''}`,
    );
  }
  const errors5xx = sum(samples, 'ingest_requests_total', (l) => l.status?.startsWith('5') ?? false);
  if (samples.some((s) => s.name === 'ingest_requests_total'))
    say(`ingest      5xx answers: ${fmt(errors5xx)}`);
  const groups = [
    ...new Set(samples.filter((s) => s.name.startsWith('consumer_')).map((s) => s.labels.group as string)),
  ].sort();
  for (const g of groups) {
    const lag = sum(samples, 'consumer_lag_records', (l) => l.group === g);
    const partitions = samples.filter(
      (s) => s.name === 'consumer_lag_records' && s.labels.group === g,
    ).length;
    // No lag samples: the broker did not answer the scrape, which is not a lag of 0.
    const lagText =
      partitions === 0
        ? 'lag unknown (the broker did not answer)'
        : `lag ${fmt(lag)} over ${partitions} partitions`;
    say(
      `consumer    ${g}: ${lagText}, ${fmt(sum(samples, 'consumer_records_total', (l) => l.group === g))} records, ${fmt(sum(samples, 'consumer_dead_letters_total', (l) => l.group === g))} dead letters`,
    );
  }
  const watermark = samples.find((s) => s.name === 'batch_watermark_lag_seconds');
  say(
    `watermark   ${watermark ? `${(watermark.value / 3600).toFixed(1)} h behind now` : 'none sealed yet (or no serving process)'}`,
  );
  try {
    const connection = await Connection.connect({
      ...temporalConnectionOptions(config.temporal),
      connectTimeout: 2000,
    });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const lines: string[] = [];
      for await (const s of client.schedule.list()) {
        const next = s.info.nextActionTimes[0];
        lines.push(
          `${s.scheduleId}${next ? ` next ${next.toISOString()}` : ''}${s.state.paused ? ' (paused)' : ''}`,
        );
        if (lines.length >= 50) break;
      }
      say(`schedules   ${lines.length === 0 ? 'none' : lines.sort().join('\n            ')}`);
    } finally {
      await connection.close();
    }
  } catch (e) {
    say(
      `schedules   Temporal at ${config.temporal.address} does not answer (${(e as Error).message}): ./platform services start`,
    );
  }
  return targets.length > 0 ? 0 : 1;
}
