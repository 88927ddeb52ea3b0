import { loadConfig } from '../../core/config/config';
import { parseWith, servicesConfigNeeds, startStack, stopStack } from '../../infra/local/stack';
import { kafkaBrokersSeen, kafkaServiceOptions } from '../../infra/local/kafka/service';
import { mailAnswers, mailServiceOptions } from '../../infra/local/mail/service';
import { bigQueryAnswers, bigQueryServiceOptions } from '../../infra/local/bigquery/service';
import { clickHouseAnswers, clickHouseUrl } from '../../infra/local/clickhouse/service';
import { gcsAnswers, gcsServiceOptions } from '../../infra/local/gcs/service';
import { minioAnswers, minioServiceOptions } from '../../infra/local/minio/service';
import { postgresAnswers, postgresServiceOptions, postgresUrl } from '../../infra/local/postgres/service';
import { temporalAnswers, temporalServiceOptions } from '../../infra/local/temporal/service';
import { UserFacingError } from '../../core/errors';

/**
 * `services start|stop|status`: the local Kafka broker, Temporal dev server, PostgreSQL and mail server;
 * MinIO, fake-gcs-server, the BigQuery emulator and a ClickHouse server when the configuration or
 * `--with` asks for them.
 */
export async function servicesCommand(action: string | undefined, withServices?: string): Promise<number> {
  const say = (l: string) => console.log(l);
  switch (action) {
    case 'start':
      await startStack(say, [...new Set([...servicesConfigNeeds(loadConfig()), ...parseWith(withServices)])]);
      return 0;
    case 'stop':
      await stopStack(say);
      return 0;
    case 'status': {
      const brokers = await kafkaBrokersSeen(kafkaServiceOptions().port);
      const k = brokers > 0;
      const t = await temporalAnswers(temporalServiceOptions());
      say(
        `kafka     ${k ? `answering (${brokers} broker${brokers === 1 ? '' : 's'})` : 'not answering'} on localhost:${kafkaServiceOptions().port}`,
      );
      say(`temporal  ${t ? 'answering' : 'not answering'} on localhost:${temporalServiceOptions().port}`);
      const m = await mailAnswers(mailServiceOptions());
      say(
        `mail      ${m ? 'answering' : 'not answering'} on localhost:${mailServiceOptions().smtpPort} (inbox http://localhost:${mailServiceOptions().inboxPort})`,
      );
      const s3 = await minioAnswers(minioServiceOptions());
      say(
        `minio     ${s3 ? 'answering' : 'not running (optional)'} on http://127.0.0.1:${minioServiceOptions().port}`,
      );
      const gs = await gcsAnswers(gcsServiceOptions());
      say(
        `gcs       ${gs ? 'answering' : 'not running (optional)'} on http://127.0.0.1:${gcsServiceOptions().port}`,
      );
      const bq = await bigQueryAnswers(bigQueryServiceOptions());
      say(
        `bigquery  ${bq ? 'answering' : 'not running (optional)'} on http://127.0.0.1:${bigQueryServiceOptions().restPort}`,
      );
      const ch = await clickHouseAnswers();
      say(`clickhouse ${ch ? 'answering' : 'not running (optional)'} on ${clickHouseUrl()}`);
      const pg = await postgresAnswers(postgresServiceOptions());
      say(`postgres  ${pg ? 'answering' : 'not answering'} on ${postgresUrl()}`);
      // MinIO, fake GCS and the emulator are optional: only the four every setup needs decide.
      return k && t && m && pg ? 0 : 1;
    }
    default:
      throw new UserFacingError(
        `unknown services action '${action ?? ''}'`,
        'use: ./platform services start|stop|status',
      );
  }
}
