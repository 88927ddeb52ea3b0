import { spawnSync } from 'node:child_process';
import { kafkaClasspath } from '../../infra/local/kafka/install';

export interface ProducerPerfResult {
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  line: string;
}

/**
 * Kafka's own producer benchmark (org.apache.kafka.tools.ProducerPerformance, same jars, same
 * broker): the physical limit our collector is compared with.
 */
export function runProducerPerformance(opts: {
  brokers: string;
  topic: string;
  records: number;
  recordSize: number;
  props?: Record<string, string>;
}): ProducerPerfResult {
  const props = {
    'bootstrap.servers': opts.brokers,
    acks: 'all',
    'enable.idempotence': 'true',
    'linger.ms': '50',
    ...opts.props,
  };
  const args = [
    '-Xmx512m',
    '-cp',
    kafkaClasspath(),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    opts.topic,
    '--num-records',
    String(opts.records),
    '--record-size',
    String(opts.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ];
  const r = spawnSync('java', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.includes('records sent'))
    .pop();
  const m =
    line &&
    /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).* ([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/.exec(
      line,
    );
  if (!line || !m) throw new Error(`ProducerPerformance printed no result:\n${r.stdout}\n${r.stderr}`);
  return {
    recordsPerSec: Number(m[1]),
    mbPerSec: Number(m[2]),
    p50Ms: Number(m[3]),
    p99Ms: Number(m[4]),
    line,
  };
}
