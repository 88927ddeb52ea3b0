// The AWS SDK (the S3 lake) warns at start that its 2027 releases will need Node 22: noise here.
import '../core/quiet-aws-sdk';
import { UserFacingError } from '../core/errors';
import { parseArgs } from './args';
import { backfillCommand } from './commands/backfill';
import { exportCommand } from './commands/export';
import { deadletterCommand } from './commands/deadletter';
import { reportCommand } from './commands/report';
import { keyCommand, tokenCommand } from './commands/credentials';
import { experimentCommand } from './commands/experiment';
import { segmentCommand } from './commands/segment';
import { insightCommand } from './commands/insight';
import { statusCommand } from './commands/status';
import { loginCommand } from './commands/login';
import { runCommand } from './commands/run';
import { schemaCommand } from './commands/schema';
import { servicesCommand } from './commands/services';
import { upCommand } from './commands/up';
import { logsCommand } from './commands/logs';
import { configCommand } from './commands/config';
import { userCommand } from './commands/user';
import { geoipCommand } from './commands/geoip';
import { memberCommand } from './commands/member';

const USAGE = `usage: ./platform <command>

  up [--no-demo] [--demo-days N] [--with s3,gcs,bigquery,clickhouse] [--with-monitoring] [--brokers 1|3]
                            install what is missing, start the services the configuration needs
                            (Kafka, Temporal, PostgreSQL, mail; MinIO, fake GCS, the BigQuery emulator
                            when LAKE_URL/BATCH_ENGINE or --with ask), every role, seed N days of demo
                            history once (14) and send live demo traffic; with Prometheus (9090)
  logs [role] [--follow]    the logs up wrote under .local/logs/ (every role's when none is named)
  config [--write]          every setting the platform reads, with defaults (--write: docs/configuration.md)
  test [vitest args]        install what is missing, start the services, run the whole test suite
  run <role>[,<role>...]    run roles in this process: ingest, speed, archiver, worker, serve, all
                            (ingest --workers N: N processes sharing the port)
  services start|stop|status [--with s3,gcs,bigquery,clickhouse] [--brokers 1|3]
                            the local services (the optional ones when the configuration or --with asks;
                            --brokers 3: Kafka as three replicating brokers, as KAFKA_LOCAL_BROKERS=3)
  status [--ops host:port,...]  the running platform: ingest, consumer lag, dead letters,
                                    watermark, next scheduled runs (from the ops ports and Temporal)
  down                      stop the local Kafka broker, Temporal dev server and mail server
  token --project P [--role viewer|analyst|admin|owner] [--ttl 30d] | --revoke TOKEN
                                          mint a query-API token, or revoke one
  login --project P [--role R] [--email E | --user NAME]
                                          print a one-time sign-in link for the web app
  member add --project P --email E --role R [--instance-admin] | member list --project P
                                          a project's members (bootstrap; admins use the web app)
  key --project P | --revoke KEY   create or revoke a write key for ingest
  schema check [--event E --file F]   check event schema versions are backward compatible
  backfill --from ISO --to ISO [--concurrency N] [--projects a,b] [--force] [--retry-failed]
                                    recompute a range of hours (Temporal workflow), with progress
  export --project P --from DAY --to DAY [--format parquet] [--to-url file:///dir|s3://b/p|gs://b/p]
                                    a project's events as Parquet, a file per day (Temporal workflow)
  deadletter list [--group G] | replay --offset topic:partition:offset | --all
                                    records consumers could not process (events.deadletter)
  experiment list|show|create|delete|assign --project P [--id X] [--file F] [--user U]
                                    A/B experiments: definitions, and a user's variation
  segment list|show|create|delete --project P [--id X] [--file F]
                                    user segments: trait and behaviour conditions
  insight list|show|create|delete --project P [--id X] [--file F]
                                    metrics defined without code: events, measure, filters, split
  user erase --project P --user U [--no-wait] | user erasures --project P
                                    GDPR: erase every event of a user (Temporal workflow), the audit trail
  report create --project P --name N --metrics a,b --period daily|weekly|monthly --to x@y,z@w
         [--tz Europe/Paris] [--at 08:00] [--id ID] [--quality]
                                    schedule an emailed report (--quality: a data-quality section)
  report list --project P | report show|pause|resume|run|delete ID --project P
  geoip update [--version V]        a newer address-to-place database (DB-IP City Lite) into GEOIP_DIR
  infra render | infra check        the Terraform deployment (infra/terraform): write its contracts
                                    file from the code; check it (fmt, loader, tflint, contracts)`;

function demoDays(v: string | true | undefined): number {
  if (v === undefined) return 14;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 90)
    throw new UserFacingError(
      `--demo-days must be a whole number of days from 0 to 90 (got '${String(v)}')`,
      'for example --demo-days 14',
    );
  return n;
}

/**
 * `--brokers 3` is KAFKA_LOCAL_BROKERS=3 for this command: the local Kafka and the default of
 * KAFKA_BROKERS read it, so the roles `up` starts list the three brokers.
 */
function brokersOption(v: string | true | undefined): void {
  if (v === undefined) return;
  if (v !== '1' && v !== '3')
    throw new UserFacingError(
      `--brokers must be 1 or 3 (got '${String(v)}')`,
      'three brokers replicate every partition as a managed cluster does: --brokers 3',
    );
  process.env.KAFKA_LOCAL_BROKERS = v;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  if (command === 'up' || command === 'services') brokersOption(args.options.brokers);
  switch (command) {
    case 'up':
      return upCommand({
        demo: args.options['no-demo'] === undefined,
        monitoring: args.options['with-monitoring'] !== undefined,
        ...(typeof args.options.with === 'string' ? { with: args.options.with } : {}),
        demoDays: demoDays(args.options['demo-days']),
      });
    case 'config':
      return configCommand(args.options.write !== undefined);
    case 'logs':
      return logsCommand(args.positional[0], args.options.follow !== undefined);
    case 'test':
      // Development commands load their tools (vitest, the Terraform checks) only when run: the
      // production image has none of them.
      return (await import('./commands/test.js')).testCommand(rest);
    case 'run':
      return runCommand(args.positional, Number(args.options.workers ?? 1));
    case 'services':
      return servicesCommand(
        args.positional[0],
        typeof args.options.with === 'string' ? args.options.with : undefined,
      );
    case 'status':
      return statusCommand(args);
    case 'down':
      return servicesCommand('stop');
    case 'token':
      return tokenCommand(args);
    case 'login':
      return loginCommand(args);
    case 'key':
      return keyCommand(args);
    case 'member':
      return memberCommand(args);
    case 'schema':
      return schemaCommand(args);
    case 'backfill':
      return backfillCommand(args);
    case 'export':
      return exportCommand(args);
    case 'report':
      return reportCommand(args);
    case 'deadletter':
      return deadletterCommand(args);
    case 'experiment':
      return experimentCommand(args);
    case 'segment':
      return segmentCommand(args);
    case 'insight':
      return insightCommand(args);
    case 'user':
      return userCommand(args);
    case 'geoip':
      return geoipCommand(args);
    case 'infra':
      return (await import('./commands/infra.js')).infraCommand(args.positional[0]);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new UserFacingError(`unknown command '${command}'`, 'run ./platform help');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Misconfiguration and unavailable services get one actionable line, not a stack trace.
    if (e instanceof UserFacingError) {
      console.error(`error: ${e.oneLine()}`);
      process.exit(2);
    }
    console.error(e);
    process.exit(1);
  },
);
