import { mintToken } from '../../core/auth/jwt';
import { loadConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { startStack } from '../../infra/local/stack';
import { kafkaLogFile } from '../../infra/local/kafka/service';
import { startPrometheus } from '../../infra/local/prometheus/service';
import { demoWriteKey, DEMO_PROJECT } from '../local-credentials';
import { startDemoTraffic } from '../demo-traffic';
import { DEMO_REPORT, ensureDemoReport } from '../demo-report';
import { startRoles, ROLES } from '../roles';
import { DEFAULT_USER, signInLink } from './login';

/** Installs what is missing, starts the services, every role and demo traffic; runs until Ctrl-C. */
export async function upCommand(opts: { demo: boolean; monitoring?: boolean }): Promise<number> {
  const say = (l: string) => console.log(l);
  const config = loadConfig();
  const stack = await startStack(say);
  say(`starting roles: ${ROLES.join(', ')} (bundling the Temporal workflows takes a few seconds)...`);
  const log = createLogger({ process: 'platform' });
  const roles = await startRoles([...ROLES], config, log);
  const writeKey = await demoWriteKey(config);
  const token = await mintToken(config.auth.jwtSecret, {
    project: DEMO_PROJECT,
    scopes: ['read'],
    user: DEFAULT_USER,
  });
  const signIn = await signInLink(
    config,
    { project: DEMO_PROJECT, scopes: ['read'], user: DEFAULT_USER },
    roles.urls.api,
  );
  // Started after the roles, whose ops ports it scrapes (a scrape of a port not yet open just fails).
  const monitoring = opts.monitoring ? await startPrometheus(undefined, say) : undefined;
  const demo =
    opts.demo && roles.urls.ingest ? startDemoTraffic(roles.urls.ingest, writeKey, log) : undefined;
  const report = opts.demo ? await ensureDemoReport(config) : undefined;
  say('');
  say('The platform is up.');
  say(`  ingest (Segment HTTP API)  ${roles.urls.ingest}/v1/batch`);
  say(`  query API                  ${roles.urls.api}/v1/metrics/events_count`);
  say(`  Temporal Web UI            ${stack.temporal.ui}`);
  say(`  API documentation          ${roles.urls.api}/docs`);
  say(`  local mail inbox           ${stack.mail.inbox}   (SMTP ${stack.mail.where})`);
  say(`  Kafka                      ${stack.kafka.where}   (broker log: ${kafkaLogFile()})`);
  say(`  metrics (Prometheus text)  ${roles.urls.ops}/metrics   (./platform status reads them)`);
  if (monitoring) say(`  Prometheus (alerts)        ${monitoring.where}/alerts   (log: ${monitoring.log})`);
  say('');
  say(`  demo project write key     ${writeKey}`);
  say(`  demo read token            ${token}`);
  say(`  sign in (once, 15 minutes) ${signIn}`);
  say(`                             (./platform login --project ${DEMO_PROJECT} prints a new one)`);
  say('');
  say('Try:');
  say(`  curl -H "Authorization: Bearer ${token}" ${roles.urls.api}/v1/metrics/events_count`);
  say(`  ./platform backfill --from <ISO hour> --to <ISO hour>     (then watch it in the Temporal UI)`);
  say(`  ./platform token --project ${DEMO_PROJECT} --scope admin      (a token for /v1/reports)`);
  if (report) {
    say(
      `  ./platform report run ${DEMO_REPORT.id} --project ${DEMO_PROJECT}    (schedule report-${DEMO_REPORT.id} emails ${DEMO_REPORT.recipients.join(', ')} daily at ${DEMO_REPORT.sendAt} ${DEMO_REPORT.timeZone}${report === 'created' ? '; the first one is on its way to the inbox' : ''})`,
    );
  }
  say(
    demo
      ? 'Demo traffic is flowing. Ctrl-C stops the roles; ./platform down stops Kafka and Temporal.'
      : 'Ctrl-C stops the roles.',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping roles...');
  await demo?.stop();
  await roles.stop();
  return 0;
}
