import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../../core/auth/jwt';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { routeLogsToFiles } from '../../infra/local/logs';
import { parseWith, servicesConfigNeeds, startStack, type StackStatus } from '../../infra/local/stack';
import { startPrometheus } from '../../infra/local/prometheus/service';
import { demoWriteKey, DEMO_PROJECT } from '../local-credentials';
import { seedDemoHistory } from '../demo-history';
import { startDemoTraffic } from '../demo-traffic';
import { DEMO_REPORT, ensureDemoReport } from '../demo-report';
import { startRoles, ROLES } from '../roles';
import { DEFAULT_USER, signInLink } from './login';

/** How long Ctrl-C waits for the roles to drain before it leaves the rest to the process's exit. */
const STOP_WITHIN_MS = 5000;

export interface UpOptions {
  demo: boolean;
  monitoring?: boolean;
  /** `--with s3,gcs,bigquery,clickhouse`: optional services beyond what the configuration needs. */
  with?: string;
  /** Days of demo history seeded the first time (0: none). */
  demoDays?: number;
}

/**
 * Installs what is missing, starts the services the configuration needs, every role and the demo
 * (its history seeded once through the real pipeline, then live traffic); runs until Ctrl-C. The
 * console shows one line per step, the summary, then one line per real problem: the roles' and
 * libraries' logs go to .local/logs/ (`./platform logs [role]`).
 */
export async function upCommand(opts: UpOptions): Promise<number> {
  const began = Date.now();
  const tty = process.stdout.isTTY === true;
  let open = false; // a progress line is on screen, to be overwritten
  const say = (line: string) => {
    process.stdout.write(`${open ? '\n' : ''}${line}\n`);
    open = false;
  };
  /** A line that replaces itself on a terminal (counters), and is printed once elsewhere when done. */
  const progress = (line: string, done = false) => {
    if (tty) {
      process.stdout.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
      open = !done;
    } else if (done) say(line);
  };
  const config = loadConfig();
  const optional = [...new Set([...servicesConfigNeeds(config), ...parseWith(opts.with)])];
  const stack = await startStack(say, optional);
  const logs = routeLogsToFiles(say);
  try {
    say(`starting roles: ${ROLES.join(', ')} (bundling the Temporal workflows takes a few seconds)...`);
    const log = createLogger({ process: 'platform' });
    const roles = await startRoles([...ROLES], config, log);
    const ingest = roles.urls.ingest as string;
    const api = roles.urls.api as string;
    const writeKey = await demoWriteKey(config);
    await collectorAccepts(ingest, writeKey);
    say(`  roles running (logs: ${logs.dir}/<role>.log, or ./platform logs <role>)`);

    let history: { from: string; to: string; events: number } | undefined;
    if (opts.demo && (opts.demoDays ?? 14) > 0) {
      say(`seeding the demo project's history (once: collector -> Kafka -> lake -> backfill workflow)...`);
      const kafka = createKafka(config, log.child({ role: 'demo' }));
      history = await seedDemoHistory(
        { config, kafka, ingestUrl: ingest, writeKey },
        opts.demoDays ?? 14,
        progress,
      );
    }
    const token = await mintToken(config.auth.jwtSecret, {
      project: DEMO_PROJECT,
      scopes: ['read'],
      user: DEFAULT_USER,
    });
    const signIn = await signInLink(
      config,
      { project: DEMO_PROJECT, scopes: ['admin'], user: DEFAULT_USER },
      api,
    );
    // Started after the roles, whose ops ports it scrapes (a scrape of a port not yet open just fails).
    const monitoring = opts.monitoring ? await startPrometheus(undefined, say) : undefined;
    const demo = opts.demo
      ? startDemoTraffic(ingest, writeKey, log.child({ role: 'demo' }), {
          ...(history ? { experimentStart: Date.parse(history.from) } : {}),
        })
      : undefined;
    const report = opts.demo ? await ensureDemoReport(config) : undefined;
    summary(say, {
      stack,
      urls: { ingest, api, ops: roles.urls.ops },
      writeKey,
      token,
      signIn,
      monitoring,
      report,
      history,
    });
    say(
      `up in ${Math.round((Date.now() - began) / 1000)} s. ${demo ? 'Demo traffic is flowing. ' : ''}Ctrl-C stops the roles; ./platform down stops the services.`,
    );

    // One listener for the whole life of the command: the same Ctrl-C can arrive twice in one
    // turn of the event loop (the terminal signals the whole process group, and a wrapper may
    // relay it too), and a moment without a listener lets the second one kill the process. The
    // first asks to stop; only a press a second later leaves at once. ./platform runs this
    // process itself (node --import tsx), not under a relaying parent: tsx's own command line
    // kills its child and exits 130 when the child, busy, is slow to acknowledge a signal.
    let askedAt: number | undefined;
    let stop: () => void = () => {};
    const asked = new Promise<void>((resolve) => (stop = resolve));
    const onSignal = () => {
      if (askedAt === undefined) {
        askedAt = Date.now();
        return stop();
      }
      if (Date.now() - askedAt < 1000) return;
      say('left without waiting for the roles');
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await asked;
    say('stopping the roles (Ctrl-C again leaves at once)...');
    const stopped = (async () => {
      await demo?.stop();
      await roles.stop();
      return true;
    })();
    const inTime = await Promise.race([stopped, sleep(STOP_WITHIN_MS, false, { ref: false })]);
    if (!inTime)
      say(
        `  still waiting on ${roles.stopping() ?? 'the demo traffic'} after ${STOP_WITHIN_MS / 1000} s: leaving it to the exit`,
      );
    else say('  roles stopped');
    say(`still running: ${runningServices(stack)} (./platform down stops them)`);
    if (logs.counts.error > 0) say(`${logs.counts.error} problems were logged: ./platform logs`);
    return 0;
  } finally {
    logs.restore();
  }
}

/** The demo key is live once the collector has loaded it (it reloads keys every few seconds). */
async function collectorAccepts(ingest: string, writeKey: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${ingest}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch: [] }),
    }).catch(() => undefined);
    if (res && res.status !== 401 && res.status < 500) return;
    if (Date.now() > deadline)
      throw new UserFacingError(
        `the collector did not accept the demo write key within a minute (last answer: ${res?.status ?? 'none'})`,
        'read .local/logs/ingest.log',
      );
    await sleep(250);
  }
}

function runningServices(stack: StackStatus): string {
  const names: [keyof StackStatus, string][] = [
    ['kafka', 'Kafka'],
    ['temporal', 'Temporal'],
    ['postgres', 'PostgreSQL'],
    ['mail', 'the mail server'],
    ['minio', 'MinIO'],
    ['gcs', 'fake-gcs-server'],
    ['bigquery', 'the BigQuery emulator'],
    ['clickhouse', 'ClickHouse'],
  ];
  return names
    .filter(([k]) => stack[k] !== undefined)
    .map(([, n]) => n)
    .join(', ');
}

function summary(
  say: (l: string) => void,
  s: {
    stack: StackStatus;
    urls: { ingest: string; api: string; ops?: string | undefined };
    writeKey: string;
    token: string;
    signIn: string;
    monitoring: { where: string; log: string } | undefined;
    report: 'created' | 'kept' | undefined;
    history: { from: string; to: string; events: number } | undefined;
  },
): void {
  const { stack, urls } = s;
  say('');
  say('The platform is up.');
  say(`  web app (sign in once)     ${s.signIn}`);
  say(
    `                             (15 minutes; ./platform login --project ${DEMO_PROJECT} --scope admin prints a new one)`,
  );
  say(`  Temporal Web UI            ${stack.temporal.ui}`);
  say(`  query API                  ${urls.api}/v1/metrics/events   (documentation: ${urls.api}/docs)`);
  say(`  ingest (Segment HTTP API)  ${urls.ingest}/v1/batch`);
  say(`  local mail inbox           ${stack.mail.inbox}`);
  if (urls.ops) say(`  metrics (Prometheus text)  ${urls.ops}/metrics   (./platform status reads them)`);
  if (s.monitoring) say(`  Prometheus (alerts)        ${s.monitoring.where}/alerts`);
  const extra = [
    stack.minio && `MinIO ${stack.minio.where}`,
    stack.gcs && `GCS ${stack.gcs.where}`,
    stack.bigquery && `BigQuery emulator ${stack.bigquery.where}`,
  ].filter(Boolean);
  say(
    `  services                   Kafka ${stack.kafka.where}, Temporal ${stack.temporal.where}, PostgreSQL ${stack.postgres.where}${extra.length ? `, ${extra.join(', ')}` : ''}`,
  );
  if (s.history)
    say(
      `  demo history               ${s.history.events.toLocaleString('en-US')} events from ${s.history.from.slice(0, 10)} to ${s.history.to.slice(0, 13)}h, sealed by the batch layer`,
    );
  say('');
  say(`  demo project write key     ${s.writeKey}`);
  say(`  demo read token            ${s.token}`);
  say('');
  say('Try:');
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  say(
    `  curl -H "Authorization: Bearer ${s.token}" '${urls.api}/v1/metrics/events?from=${weekAgo}T00:00:00Z&granularity=day'`,
  );
  say('  ./platform backfill --from <ISO hour> --to <ISO hour>     (then watch it in the Temporal UI)');
  say("  ./platform logs ingest                                     (a role's log)");
  if (s.report)
    say(
      `  ./platform report run ${DEMO_REPORT.id} --project ${DEMO_PROJECT}    (emails ${DEMO_REPORT.recipients.join(', ')} daily at ${DEMO_REPORT.sendAt} ${DEMO_REPORT.timeZone}${s.report === 'created' ? '; the first one is in the inbox' : ''})`,
    );
  say('');
}
