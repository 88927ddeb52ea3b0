import { Client, Connection } from '@temporalio/client';
import type { Config } from '../core/config/config';
import { UserFacingError } from '../core/errors';
import { temporalConnectionOptions } from '../core/temporal/connection';

/** A Temporal client for a CLI command; one clear line when the server does not answer. */
export async function connectTemporal(config: Config): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...temporalConnectionOptions(config.temporal),
      connectTimeout: 3000,
    });
  } catch {
    throw new UserFacingError(
      `Temporal does not answer at ${config.temporal.address}`,
      'start it with ./platform up or ./platform services start',
    );
  }
  return new Client({ connection, namespace: config.temporal.namespace });
}
