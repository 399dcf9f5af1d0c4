/** SQLite `IdentityStore`: (dpid, dpuuid) → visitor id links and opt-out marks, own tables. */
import type Database from 'better-sqlite3';
import type { IdentityStore } from '../ports.js';

export class SqliteIdentityStore implements IdentityStore {
  readonly #sql;
  readonly #inBatch: ((run: () => void) => Promise<void>) | undefined;

  /**
   * @param inBatch runs a write inside the profile store's group commit (one commit per turn for
   *   an event's profile and its links); without it each link is its own transaction.
   */
  constructor(db: Database.Database, inBatch?: (run: () => void) => Promise<void>) {
    this.#inBatch = inBatch;
    this.#sql = {
      resolve: db.prepare('SELECT visitor_id FROM identity_links WHERE dpid = ? AND dpuuid = ?').pluck(),
      // Most recent wins by event time (ties: the later call), so a late-arriving older event
      // cannot undo a newer link. One statement, so concurrent processes need no transaction.
      link: db.prepare(
        `INSERT INTO identity_links (dpid, dpuuid, visitor_id, linked) VALUES (?, ?, ?, ?)
         ON CONFLICT (dpid, dpuuid) DO UPDATE SET visitor_id = excluded.visitor_id, linked = excluded.linked
         WHERE excluded.linked >= identity_links.linked`,
      ),
      unlink: db.prepare('DELETE FROM identity_links WHERE visitor_id = ?'),
      // The first mark is kept: it records when the visitor opted out.
      optOut: db.prepare('INSERT INTO opt_outs (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      isOptedOut: db.prepare('SELECT 1 FROM opt_outs WHERE key = ?').pluck(),
    };
  }

  async resolve(dpid: number, dpuuid: string): Promise<string | undefined> {
    return this.#sql.resolve.get(dpid, dpuuid) as string | undefined;
  }

  async link(dpid: number, dpuuid: string, visitorId: string, now: number): Promise<void> {
    if (this.#inBatch !== undefined)
      return this.#inBatch(() => void this.#sql.link.run(dpid, dpuuid, visitorId, now));
    this.#sql.link.run(dpid, dpuuid, visitorId, now);
  }

  async unlinkVisitor(visitorId: string): Promise<number> {
    return this.#sql.unlink.run(visitorId).changes;
  }

  async setOptOut(key: string, now: number): Promise<void> {
    this.#sql.optOut.run(key, now);
  }

  async isOptedOut(key: string): Promise<boolean> {
    return this.#sql.isOptedOut.get(key) !== undefined;
  }

  async close(): Promise<void> {}
}
