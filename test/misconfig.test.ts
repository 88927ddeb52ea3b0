import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsLakeEnv } from '../infra/local/gcs/service';
import { minioLakeEnv } from '../infra/local/minio/service';
import { REPO_ROOT } from '../infra/local/paths';
import { requireBigQuery } from './helpers/bigquery';
import { freePort } from './helpers/free-port';
import { requireObjectStore } from './helpers/test-config';

/** Runs the CLI as a user would; returns exit code and output. */
function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'cli/main.ts', ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, PLATFORM_STATE_DIR: mkdtempSync(join(tmpdir(), 'misconfig-')), ...env },
      timeout: 60_000,
    },
  );
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() };
}

/** One line, naming the problem, with no stack trace. */
function expectOneClearLine(stderr: string, ...mentions: string[]) {
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  for (const m of mentions) expect(stderr).toContain(m);
}

describe('misconfiguration gets one clear line', () => {
  let held: Server;
  const sockets = new Set<Socket>();
  let port: number;
  let unboundPort: number;

  beforeAll(async () => {
    unboundPort = await freePort();
    // Something that checks the port (a health probe) may still hold a connection: dropped at the end.
    held = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()));
    port = (held.address() as { port: number }).port;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        held.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  );

  it('a role whose port is taken', () => {
    const r = cli(['run', 'ingest'], { INGEST_PORT: String(port) });
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, `port ${port}`, 'INGEST_PORT');
  });

  it('a Kafka cluster that cannot be reached', () => {
    // A port that was free a moment ago: nothing of ours binds it.
    const closed = String(unboundPort);
    const r = cli(['run', 'ingest'], {
      KAFKA_BROKERS: `127.0.0.1:${closed}`,
      INGEST_PORT: '0',
      OPS_PORT: '0',
    });
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, `Kafka is not reachable at 127.0.0.1:${closed}`, 'KAFKA_BROKERS');
  }, 90_000);

  it('a Kafka broker whose port is taken', () => {
    const r = cli(['services', 'start'], {
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1),
    });
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, `port ${port}`, 'KAFKA_PORT');
  });

  it('a number of brokers the local cluster does not run', () => {
    const r = cli(['services', 'start', '--brokers', '2'], {});
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, "--brokers must be 1 or 3 (got '2')", '--brokers 3');
  });

  it('Java missing when Kafka must be installed', () => {
    // A PATH holding node alone (the machine's node may share a folder with java).
    const bin = mkdtempSync(join(tmpdir(), 'bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = cli(['services', 'start'], {
      PATH: bin,
      PLATFORM_CACHE_DIR: mkdtempSync(join(tmpdir(), 'empty-cache-')),
      KAFKA_PORT: '0',
      KAFKA_CONTROLLER_PORT: '0',
    });
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, 'java is not installed', 'install Java');
  });

  describe('a lake on an object store that cannot be used', () => {
    const s3 = minioLakeEnv();
    const cases: [string, Record<string, string>, string[]][] = [
      [
        'a bucket that does not exist',
        { LAKE_URL: 's3://no-such-bucket' },
        ["'no-such-bucket'", 'does not exist', 'LAKE_URL'],
      ],
      [
        'wrong credentials',
        { LAKE_S3_SECRET_ACCESS_KEY: 'not-the-secret' },
        ['refuses these credentials', 'LAKE_S3_SECRET_ACCESS_KEY'],
      ],
      [
        'an unreachable endpoint',
        { LAKE_S3_ENDPOINT: `http://127.0.0.1:${1}` },
        ['cannot be reached', 'LAKE_S3_ENDPOINT'],
      ],
      [
        'a malformed lake URL',
        { LAKE_URL: 'ftp://lake' },
        ['LAKE_URL must be s3://bucket[/prefix] or gs://bucket[/prefix]'],
      ],
      [
        'a GCS bucket that does not exist',
        { ...gcsLakeEnv(), LAKE_URL: 'gs://no-such-bucket' },
        ["'no-such-bucket'", 'does not exist', 'LAKE_URL'],
      ],
    ];
    it.each(cases)('%s', async (_name, env, mentions) => {
      await requireObjectStore();
      const r = cli(['run', 'archiver'], { ...s3, ...env } as Record<string, string>);
      expect(r.code).toBe(2);
      expectOneClearLine(r.stderr, ...mentions);
    });
  });

  describe('a BigQuery engine that cannot be used', () => {
    const cases: [string, Record<string, string>, string[]][] = [
      [
        'an unreachable endpoint',
        { BIGQUERY_ENDPOINT: 'http://127.0.0.1:1' },
        ['BigQuery is not reachable at http://127.0.0.1:1', 'BIGQUERY_ENDPOINT'],
      ],
      [
        'a dataset that does not exist',
        { BIGQUERY_DATASET: 'no_such_dataset' },
        ['BigQuery dataset platform-local:no_such_dataset does not exist', 'BIGQUERY_DATASET'],
      ],
      ['an unknown engine', { BATCH_ENGINE: 'spark' }, ['BATCH_ENGINE', 'spark']],
    ];
    it.each(cases)('%s', async (_name, env, mentions) => {
      await requireBigQuery();
      const r = cli(['run', 'worker'], { BATCH_ENGINE: 'bigquery', TEMPORAL_SCHEDULES: 'false', ...env });
      expect(r.code).toBe(2);
      expectOneClearLine(r.stderr, ...mentions);
    });
  });

  it.each([
    ['the serving role', ['run', 'serve']],
    ['the collector (its write keys)', ['run', 'ingest']],
    ['./platform key', ['key', '--project', 'shop']],
  ])('a metadata store that is not reachable: %s', (_what, args) => {
    const r = cli(args, {
      DATABASE_URL: `postgres://platform:secret@127.0.0.1:${port}/platform`,
      API_PORT: '0',
      INGEST_PORT: '0',
    });
    expect(r.code).toBe(2);
    expectOneClearLine(
      r.stderr,
      'PostgreSQL is not reachable at postgres://platform:***@127.0.0.1',
      'DATABASE_URL',
    );
    expect(r.stderr).not.toContain('secret');
  });

  it('a malformed setting', () => {
    const r = cli(['run', 'ingest'], { INGEST_PORT: 'eighty' });
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, 'INGEST_PORT', 'eighty');
  });

  it('an unknown role', () => {
    const r = cli(['run', 'spead'], {});
    expect(r.code).toBe(2);
    expectOneClearLine(r.stderr, "unknown role 'spead'", 'ingest, speed');
  });
});
