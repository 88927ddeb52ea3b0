import { kafkaServiceOptions, startKafka, stopKafka } from './kafka/service';
import { startTemporal, stopTemporal, temporalServiceOptions } from './temporal/service';

export interface StackStatus {
  kafka: { state: string; where: string; log: string };
  temporal: { state: string; where: string; ui: string; log: string };
}

/**
 * Installs what is missing and starts the local services (Kafka, Temporal). Each start is a no-op
 * when the service already answers. ClickHouse (chDB) and DuckDB are in-process: nothing to start.
 */
export async function startStack(log: (line: string) => void): Promise<StackStatus> {
  log('starting Kafka (KRaft, single node)...');
  const kafka = await startKafka(kafkaServiceOptions(), log);
  log(`  kafka ${kafka.state} on ${kafka.where} (log: ${kafka.log})`);
  log('starting Temporal dev server...');
  const temporal = await startTemporal(temporalServiceOptions(), log);
  log(`  temporal ${temporal.state} on ${temporal.where}, Web UI ${temporal.ui} (log: ${temporal.log})`);
  return { kafka, temporal };
}

export async function stopStack(
  log: (line: string) => void,
  which: { kafka: boolean; temporal: boolean } = { kafka: true, temporal: true },
): Promise<void> {
  if (which.temporal && (await stopTemporal())) log('temporal stopped');
  if (which.kafka && (await stopKafka())) log('kafka stopped');
}
