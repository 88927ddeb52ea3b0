import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { localBrokerPort } from '../../../core/config/config';
import { UserFacingError } from '../../../core/errors';
import { assertPortFree, isListening } from '../ports';
import { isAlive, readPid, startDaemon, stopDaemon, tail, waitUntil } from '../process';
import { stateDir } from '../paths';
import { ensureKafkaInstalled, kafkaClasspath } from './install';

export interface KafkaServiceOptions {
  port: number;
  controllerPort: number;
  /** JVM heap for each broker; small machines share memory with chDB and DuckDB. */
  heap?: string;
  readyTimeoutMs?: number;
  /** Data, log and pid folder; defaults to <state>/kafka. A second broker (tests) needs its own. */
  dir?: string;
  /**
   * 1 (the default) or 3: three KRaft nodes, each broker and controller, with the replication a
   * managed cluster has (topics replicated 3 times, min.insync.replicas=2).
   */
  brokers?: number;
  /** The ports of each node when there are several; by default port + 2i and controllerPort + 2i. */
  nodePorts?: { port: number; controllerPort: number }[];
}

/** One broker of the local cluster: its id, listeners and folder. */
export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
}

export function kafkaServiceOptions(env: NodeJS.ProcessEnv = process.env): KafkaServiceOptions {
  return {
    port: Number(env.KAFKA_PORT ?? 9092),
    controllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? 9093),
    heap: env.KAFKA_HEAP ?? '1g',
    brokers: Number(env.KAFKA_LOCAL_BROKERS ?? 1),
  };
}

const defaultDir = () => join(stateDir(), 'kafka');
const clusterDir = () => join(stateDir(), 'kafka-cluster');
export const kafkaLogFile = (dir = defaultDir()) => join(dir, 'broker.log');
const pidFile = (dir = defaultDir()) => join(dir, 'broker.pid');

/**
 * The nodes a start runs. One broker keeps its folder of old (<state>/kafka); three live under
 * <state>/kafka-cluster/node-<id>, so switching between the two never mixes their metadata logs.
 */
export function kafkaNodes(o: KafkaServiceOptions): KafkaNode[] {
  return nodeDirs(o.brokers ?? 1, o.dir).map((dir, i) => ({
    id: i + 1,
    port: o.nodePorts?.[i]?.port ?? localBrokerPort(o.port, i),
    controllerPort: o.nodePorts?.[i]?.controllerPort ?? localBrokerPort(o.controllerPort, i),
    dir,
  }));
}

/** Each node's folder: `dir` itself for one broker, `dir/node-<id>` for a cluster. */
const nodeDirs = (brokers: number, dir?: string): string[] =>
  brokers === 1
    ? [dir ?? defaultDir()]
    : Array.from({ length: brokers }, (_, i) => join(dir ?? clusterDir(), `node-${i + 1}`));

function serverProperties(node: KafkaNode, nodes: KafkaNode[]): string {
  // What the Terraform module provisions: every partition on three brokers, a write acknowledged
  // once two hold it. One broker can only keep one copy.
  const replicas = Math.min(3, nodes.length);
  const minIsr = nodes.length >= 3 ? 2 : 1;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${nodes.map((v) => `${v.id}@127.0.0.1:${v.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://localhost:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(node.dir, 'data')}`,
    'num.partitions=4',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=8',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
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
  return (await kafkaBrokersSeen(port)) > 0;
}

/** How many brokers the cluster behind a port says it has (0 when nothing answers). */
export async function kafkaBrokersSeen(port: number): Promise<number> {
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
    return (await admin.describeCluster()).brokers.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export type StartResult = { state: 'started' | 'already-running'; where: string; log: string };

/** Installs if needed, formats each node's storage once, starts the brokers and waits until they answer. */
export async function startKafka(
  o: KafkaServiceOptions = kafkaServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<StartResult> {
  const nodes = kafkaNodes(o);
  const where = nodes.map((n) => `localhost:${n.port}`).join(',');
  const logFile =
    nodes.length === 1 ? kafkaLogFile(nodes[0]!.dir) : join(o.dir ?? clusterDir(), 'node-*', 'broker.log');
  // A cluster's nodes still running from an earlier start: only the others (a node killed by a
  // crash test, a JVM that died) are started, beside them.
  const ours = nodes.length > 1 ? nodes.filter((n) => isAlive(readPid(pidFile(n.dir)))) : [];
  if (ours.length === 0 && (await isListening(o.port))) {
    const seen = await kafkaBrokersSeen(o.port);
    if (seen === nodes.length) return { state: 'already-running', where, log: logFile };
    if (seen > 0)
      throw new UserFacingError(
        `a Kafka cluster of ${seen} broker${seen === 1 ? '' : 's'} already answers on localhost:${o.port}, not ${nodes.length}`,
        'stop it first: ./platform services stop',
      );
  }
  const probe = (ours[0] ?? nodes[0]!).port;
  const down = nodes.filter((n) => !ours.includes(n));
  if (down.length === 0 && (await kafkaBrokersSeen(probe)) === nodes.length)
    return { state: 'already-running', where, log: logFile };
  for (const n of down) {
    await assertPortFree(n.port, 'Kafka broker', 'KAFKA_PORT');
    await assertPortFree(n.controllerPort, 'Kafka controller', 'KAFKA_CONTROLLER_PORT');
  }
  ensureKafkaInstalled(log);
  // The nodes start together: a quorum of controllers elects itself only once a majority runs.
  const pids = down.map((n) => startNode(o, n, nodes));
  const outcome = await waitUntil(
    async () => (await kafkaBrokersSeen(probe)) === nodes.length,
    o.readyTimeoutMs ?? 90_000,
    () => pids.every((pid) => isAlive(pid)),
  );
  if (outcome !== 'ready') {
    const dead = down.find((_, i) => !isAlive(pids[i])) ?? down[0] ?? nodes[0]!;
    for (const n of down) await stopDaemon(pidFile(n.dir), { graceMs: 2000 });
    throw new UserFacingError(
      outcome === 'exited'
        ? `the Kafka broker ${dead.id} exited during start-up`
        : 'the Kafka brokers did not answer in time',
      `read ${kafkaLogFile(dead.dir)}; last line: ${tail(kafkaLogFile(dead.dir), 1)}`,
    );
  }
  return { state: 'started', where, log: logFile };
}

/** Writes a node's settings, formats its storage the first time and starts its JVM. */
function startNode(o: KafkaServiceOptions, node: KafkaNode, nodes: KafkaNode[]): number {
  mkdirSync(node.dir, { recursive: true });
  const props = join(node.dir, 'server.properties');
  writeFileSync(props, serverProperties(node, nodes));
  if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
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
      { encoding: 'utf8' },
    );
    if (r.status !== 0) {
      throw new UserFacingError(
        'formatting Kafka storage failed',
        `${(r.stderr || r.stdout).trim().split('\n').pop()}`,
      );
    }
  }
  return startDaemon({
    name: nodes.length === 1 ? 'kafka' : `kafka-${node.id}`,
    command: 'java',
    args: java(o, 'kafka.Kafka', [props]),
    logFile: kafkaLogFile(node.dir),
    pidFile: pidFile(node.dir),
  });
}

/**
 * Stops the brokers: by default every local one (the single broker and the three-node cluster);
 * given `dir`, the broker or cluster started from it. `signal: 'SIGKILL'` for crash tests.
 */
export async function stopKafka(
  opts: { signal?: NodeJS.Signals; dir?: string; brokers?: number } = {},
): Promise<boolean> {
  const dirs =
    opts.dir === undefined ? [...nodeDirs(1), ...nodeDirs(3)] : nodeDirs(opts.brokers ?? 1, opts.dir);
  const stopped = await Promise.all(
    dirs.map((d) => stopDaemon(pidFile(d), { graceMs: 30_000, signal: opts.signal })),
  );
  return stopped.some(Boolean);
}

/** Stops one node of a cluster, as a crash (SIGKILL) or a clean shutdown. */
export async function stopKafkaNode(node: KafkaNode, signal?: NodeJS.Signals): Promise<boolean> {
  return stopDaemon(pidFile(node.dir), { graceMs: 30_000, signal });
}
