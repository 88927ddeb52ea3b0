import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { UserFacingError } from '../../../core/errors';
import { assertPortFree, isListening } from '../ports';
import { isAlive, startDaemon, stopDaemon, tail, waitUntil } from '../process';
import { stateDir } from '../paths';
import { ensureKafkaInstalled, kafkaClasspath } from './install';

export interface KafkaServiceOptions {
  port: number;
  controllerPort: number;
  /** JVM heap for the broker; small machines share memory with chDB and DuckDB. */
  heap?: string;
  readyTimeoutMs?: number;
  /** Data, log and pid folder; defaults to <state>/kafka. A second broker (tests) needs its own. */
  dir?: string;
}

export function kafkaServiceOptions(env: NodeJS.ProcessEnv = process.env): KafkaServiceOptions {
  return {
    port: Number(env.KAFKA_PORT ?? 9092),
    controllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? 9093),
    heap: env.KAFKA_HEAP ?? '1g',
  };
}

const defaultDir = () => join(stateDir(), 'kafka');
export const kafkaLogFile = (dir = defaultDir()) => join(dir, 'broker.log');
const pidFile = (dir = defaultDir()) => join(dir, 'broker.pid');

function serverProperties(o: KafkaServiceOptions, dir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    `advertised.listeners=PLAINTEXT://localhost:${o.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=4',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=8',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by the platform with explicit settings; typos must not create topics.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

function java(o: KafkaServiceOptions, mainClass: string, args: string[]): string[] {
  return [
    `-Xmx${o.heap ?? '1g'}`,
    '-Xms256m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(__dirname, 'log4j.properties')}`,
    '-cp',
    kafkaClasspath(),
    mainClass,
    ...args,
  ];
}

/** Answers a real metadata request, not just an open port. */
export async function kafkaAnswers(port: number): Promise<boolean> {
  const kafka = new Kafka({
    brokers: [`localhost:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    // Something else on the port may accept connections and never answer: don't wait 30 s.
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export type StartResult = { state: 'started' | 'already-running'; where: string; log: string };

/** Installs if needed, formats storage once, starts the broker and waits until it answers. */
export async function startKafka(
  o: KafkaServiceOptions = kafkaServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<StartResult> {
  const where = `localhost:${o.port}`;
  const dir = o.dir ?? defaultDir();
  const logFile = kafkaLogFile(dir);
  if (await isListening(o.port)) {
    if (await kafkaAnswers(o.port)) return { state: 'already-running', where, log: logFile };
  }
  await assertPortFree(o.port, 'Kafka broker', 'KAFKA_PORT');
  await assertPortFree(o.controllerPort, 'Kafka controller', 'KAFKA_CONTROLLER_PORT');
  ensureKafkaInstalled(log);
  mkdirSync(dir, { recursive: true });
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties(o, dir));
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    // Formatting exits its JVM, so it runs on its own before the broker.
    const r = spawnSync(
      'java',
      java(o, 'kafka.tools.StorageTool', [
        'format',
        '-c',
        props,
        '-t',
        'bG9jYWwtcGxhdGZvcm0tMQ',
        '--ignore-formatted',
      ]),
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) {
      throw new UserFacingError(
        'formatting Kafka storage failed',
        `${(r.stderr || r.stdout).trim().split('\n').pop()}`,
      );
    }
  }
  const pid = startDaemon({
    name: 'kafka',
    command: 'java',
    args: java(o, 'kafka.Kafka', [props]),
    logFile,
    pidFile: pidFile(dir),
  });
  const outcome = await waitUntil(
    () => kafkaAnswers(o.port),
    o.readyTimeoutMs ?? 90_000,
    () => isAlive(pid),
  );
  if (outcome !== 'ready') {
    await stopDaemon(pidFile(dir), { graceMs: 2000 });
    throw new UserFacingError(
      outcome === 'exited'
        ? 'the Kafka broker exited during start-up'
        : 'the Kafka broker did not answer in time',
      `read ${logFile}; last line: ${tail(logFile, 1)}`,
    );
  }
  return { state: 'started', where, log: logFile };
}

/** Stops the broker started from `dir`; `signal: 'SIGKILL'` for crash tests. */
export async function stopKafka(opts: { signal?: NodeJS.Signals; dir?: string } = {}): Promise<boolean> {
  return stopDaemon(pidFile(opts.dir), { graceMs: 30_000, signal: opts.signal });
}
