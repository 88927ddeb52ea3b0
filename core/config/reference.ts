import { homedir } from 'node:os';
import { loadConfig } from './config';
import { SETTING_DESCRIPTIONS } from './descriptions';
import { recordSettings, SECRET_SETTINGS, type SettingRead } from './settings-reader';

/**
 * Configurations that between them take every branch of loadConfig: local, production with
 * every login, a lake on each object store. The reference lists the union of what they read; a
 * default is the first configuration's (local, unless only another reads the setting).
 */
const SCENARIOS: Record<string, string>[] = [
  {},
  {
    PLATFORM_ENV: 'production',
    BIGQUERY_PROJECT: 'my-project',
    LAKE_URL: 's3://bucket/prefix',
    KAFKA_SASL_MECHANISM: 'plain',
    KAFKA_SASL_USERNAME: 'u',
    KAFKA_SASL_PASSWORD: 'p',
    SMTP_USER: 'u',
    SMTP_PASSWORD: 'p',
    SMTP_TLS: 'starttls',
    TEMPORAL_API_KEY: 'k',
  },
  { LAKE_URL: 'gs://bucket/prefix', LAKE_GCS_HMAC_KEY_ID: 'id', LAKE_GCS_HMAC_SECRET: 's' },
];

/** The checkout's folder as the reference writes it: no path of the machine that made it. */
const CHECKOUT = '/<checkout>';

/** Every setting loadConfig reads, in the order it reads them, with what the code knows of each. */
export function readSettings(): SettingRead[] {
  const all = new Map<string, SettingRead>();
  for (const env of SCENARIOS) {
    // A JWT secret is given so that reading makes no local secret file.
    const read = recordSettings(() => {
      try {
        loadConfig({ JWT_SECRET: 'x'.repeat(32), ...env }, CHECKOUT);
      } catch {
        /* a scenario may be refused as a whole: what it read is what counts */
      }
    });
    for (const r of read) if (!all.has(r.name)) all.set(r.name, r);
  }
  return [...all.values()];
}

const shown = (v: string | undefined) =>
  v === undefined
    ? 'unset'
    : v === ''
      ? 'empty'
      : `\`${v.replaceAll(CHECKOUT, '<checkout>').replaceAll(homedir(), '~').replaceAll('|', '\\|')}\``;

function accepted(r: SettingRead): string {
  if (r.allowed) return r.allowed.map((a) => `\`${a}\``).join(', ');
  if (r.type === 'port') return 'a port';
  if (r.range)
    return `integer ${r.range[0].toLocaleString('en-US')} to ${r.range[1].toLocaleString('en-US')}`;
  if (r.type === 'URL') return 'a URL';
  return 'text';
}

/** docs/configuration.md: generated, never edited by hand (`./platform config --write`). */
export function configurationReference(): string {
  const rows = readSettings().map((r) => {
    const secret = (SECRET_SETTINGS as readonly string[]).includes(r.name);
    const notes = [
      SETTING_DESCRIPTIONS[r.name] ?? '**undescribed**',
      r.pairedWith ? `Set with \`${r.pairedWith}\` (both or neither).` : '',
      secret ? `Secret: also read from the file \`${r.name}_FILE\` names.` : '',
    ].filter(Boolean);
    return `| \`${r.name}\` | ${shown(r.default)} | ${accepted(r)} | ${notes.join(' ')} |`;
  });
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from core/config/config.ts by `./platform config --write`; a test fails when it differs. -->',
    '',
    'Every setting the platform reads, from the environment, once at start-up (`loadConfig` in',
    '`core/config/config.ts`); a role refuses to start with one line naming every wrong setting. Every default',
    'is the local single-machine setup; production sets what its row says. `<checkout>` is the',
    "repository's folder, `~` the user's home.",
    '',
    '| setting | default | accepted | what it does |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'The local services `./platform up` starts read their own ports: `KAFKA_CONTROLLER_PORT`,',
    '`KAFKA_HEAP`, `POSTGRES_USER`, `POSTGRES_DB`, `MAIL_INBOX_PORT` (see docs/local-services.md). The',
    'logs read `LOG_LEVEL` (`debug`, `info`, `warn`, `error`; `info`) and `TEMPORAL_LOG_LEVEL` (`WARN`).',
    '',
  ].join('\n');
}
