import type { DuckDBConnection } from '@duckdb/node-api';
import { openAlertKey } from '../../alerts/openAlerts.js';

/**
 * The open alert (status `open` or `investigating`) of each rule and subject, by `openAlertKey`,
 * kept in memory by the store's single writer, so that recording a batch of alert updates reads
 * only the alerts it adds to (by their primary key) and finds in no table that the rest are new.
 * DuckDB answered "which of these 2,000 rule and subject pairs have an open alert" with a scan of
 * the alerts table that grew with it (see README.md, "Alerts").
 *
 * Every write of an alert goes through the writer, which keeps the index up: opening sets a key,
 * closing deletes it, reopening sets it back. It costs about 200 bytes of memory per open alert.
 * After a failed write the writer reloads it from the table, which stays the truth.
 */
export class OpenAlertIndex {
  private ids = new Map<string, string>();

  /** Reads the open alerts' keys from the table (at open, and after a failed write). */
  async load(connection: DuckDBConnection): Promise<void> {
    const ids = new Map<string, string>();
    const result = await connection.stream("SELECT rule_id, subject_key, id FROM alerts WHERE status IN ('open', 'investigating')");
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      for (const [ruleId, subjectKey, id] of chunk.getRows()) ids.set(openAlertKey(String(ruleId), String(subjectKey)), String(id));
    }
    this.ids = ids;
  }

  /** The id of the open alert with this key, if there is one. */
  idOf(key: string): string | undefined {
    return this.ids.get(key);
  }

  /** Records an alert as stored now: the key's open alert when its status is open, none (if it was this one) when closed. */
  stored(key: string, id: string, open: boolean): void {
    if (open) this.ids.set(key, id);
    else if (this.ids.get(key) === id) this.ids.delete(key);
  }
}
