// The one way this service talks to PostgreSQL: SQL text and parameters, optionally as a named
// prepared statement, on TypeORM's pg pool or on the connection of a transaction handed in
// explicitly. Entities stay for migrations; repositories write SQL through this helper.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';

/** A transaction in progress: pass it as `{ tx }` to run a statement inside it. */
export class Tx {
  /** @internal only Sql runs statements on it. */
  constructor(readonly client: PoolClient) {}
}

export interface QueryOptions {
  /**
   * Makes the statement a named prepared statement: PostgreSQL parses and plans it once per
   * connection instead of once per call (for the store's CTEs, planning cost as much as running).
   * One name, one text, for the life of the process.
   */
  name?: string;
  /** Runs inside this transaction (on its connection); otherwise on any pooled connection. */
  tx?: Tx;
}

@Injectable()
export class Sql {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * TypeORM's pg pool (`driver.master`). Straight on the pool: a QueryRunner around one statement
   * cost more CPU than the statement's own round trip.
   */
  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * Runs one statement and answers its rows. Failures are TypeORM's QueryFailedError wrapping the
   * driver's error (its SQLSTATE in `driverError.code`), so the problem filter maps an outage to
   * 503 and a refused statement to 500 whichever repository ran it.
   */
  async query<T = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] = [],
    opts: QueryOptions = {},
  ): Promise<T[]> {
    const values = params as unknown[];
    const target = opts.tx?.client ?? this.pool;
    try {
      const res = opts.name
        ? await target.query({ name: opts.name, text, values })
        : await target.query(text, values);
      return res.rows as T[];
    } catch (err) {
      throw wrap(text, values, err);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws (and the error is rethrown). Keep it short and never call out over HTTP inside it.
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrap('BEGIN', [], err);
    }
    let broken: Error | undefined;
    // A checked-out client has no pool listener: without ours, a connection the server cuts
    // mid-transaction would be an uncaught 'error' event (a crash) instead of a failed statement.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await this.run(client, 'BEGIN');
      const result = await work(new Tx(client));
      await this.run(client, 'COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is gone: destroy it rather than hand it back to the pool.
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async run(client: PoolClient, text: string): Promise<void> {
    try {
      await client.query(text);
    } catch (err) {
      throw wrap(text, [], err);
    }
  }
}

function wrap(text: string, params: unknown[], err: unknown): QueryFailedError {
  return err instanceof QueryFailedError ? err : new QueryFailedError(text, params, err as Error);
}
