import { kafkaServiceOptions, startKafka, stopKafka } from './kafka/service';
import { startMail, stopMail } from './mail/service';
import { startTemporal, stopTemporal, temporalServiceOptions } from './temporal/service';

export interface StackStatus {
  kafka: { state: string; where: string; log: string };
  temporal: { state: string; where: string; ui: string; log: string };
  mail: { state: string; where: string; inbox: string; log: string };
}

/**
 * Installs what is missing and starts the local services (Kafka, Temporal, SMTP with its inbox). Each start is a no-op
 * when the service already answers. ClickHouse (chDB) and DuckDB are in-process: nothing to start.
 */
export async function startStack(log: (line: string) => void): Promise<StackStatus> {
  log('starting Kafka (KRaft, single node)...');
  const kafka = await startKafka(kafkaServiceOptions(), log);
  log(`  kafka ${kafka.state} on ${kafka.where} (log: ${kafka.log})`);
  log('starting Temporal dev server...');
  const temporal = await startTemporal(temporalServiceOptions(), log);
  log(`  temporal ${temporal.state} on ${temporal.where}, Web UI ${temporal.ui} (log: ${temporal.log})`);
  log('starting the local mail server...');
  const mail = await startMail();
  log(`  mail ${mail.state}: SMTP on ${mail.where}, inbox ${mail.inbox} (log: ${mail.log})`);
  return { kafka, temporal, mail };
}

export async function stopStack(
  log: (line: string) => void,
  which: { kafka: boolean; temporal: boolean; mail?: boolean } = { kafka: true, temporal: true, mail: true },
): Promise<void> {
  if (which.mail && (await stopMail())) log('mail stopped');
  if (which.temporal && (await stopTemporal())) log('temporal stopped');
  if (which.kafka && (await stopKafka())) log('kafka stopped');
}
