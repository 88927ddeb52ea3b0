import pg from 'pg';
import { UserFacingError } from '../errors';
import { migrate } from './migrations';

/** PostgreSQL is down or unreachable: callers answer 503 and try again later, nothing is lost. */
export class MetadataUnavailableError extends Error {
  override name = 'MetadataUnavailableError';
}

/** Node and PostgreSQL error codes that mean "the server is not there", not "the query is wrong". */
const UNAVAILABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|57P0[1-3]|08\w{3})$/;

export function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    (e as Error).message ?? '',
  );
}

/** Where the metadata lives, for messages: the URL without its password. */
const where = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * The metadata store: a pool of connections to PostgreSQL. `query` turns a lost server into
 * MetadataUnavailableError; other errors (constraint violations...) pass through.
 */
export class MetadataStore {
  private constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  /** Connects and applies the migrations; an unreachable server is one line saying what to do. */
  static async open(url: string): Promise<MetadataStore> {
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000 });
    // An idle connection the server dropped (a restart) is an event, not a crash: the pool replaces it.
    pool.on('error', () => {});
    try {
      await migrate(pool);
    } catch (e) {
      await pool.end().catch(() => {});
      if (isUnavailable(e))
        throw new UserFacingError(
          `PostgreSQL is not reachable at ${where(url)} (${(e as Error).message})`,
          'start it (./platform services start) or set DATABASE_URL',
        );
      throw new UserFacingError(
        `the metadata store at ${where(url)} could not be migrated: ${(e as Error).message}`,
      );
    }
    return new MetadataStore(pool, url);
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (e) {
      if (isUnavailable(e))
        throw new MetadataUnavailableError(
          `the metadata store (PostgreSQL at ${where(this.url)}) is not answering: try again in a moment`,
        );
      throw e;
    }
  }

  /**
   * Runs `f` in one transaction on one connection: committed when it returns, rolled back when it
   * throws. For changes whose check and write must not interleave with another's (the last owner).
   */
  async transaction<T>(f: (query: MetadataStore['query']) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      if (isUnavailable(e))
        throw new MetadataUnavailableError(
          `the metadata store (PostgreSQL at ${where(this.url)}) is not answering: try again in a moment`,
        );
      throw e;
    }
    try {
      await client.query('BEGIN');
      const result = await f(<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
        client.query<R>(text, values),
      );
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
