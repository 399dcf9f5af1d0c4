/** In-memory `IdentityStore`: (dpid, dpuuid) → visitor id, plus server-side opt-out marks. */
import type { IdentityStore } from '../ports.js';

interface Link {
  visitorId: string;
  linked: number;
}

/** Map key for a declared / partner id; the NUL separator cannot occur in a dpid. */
function keyOf(dpid: number, dpuuid: string): string {
  return `${dpid}\u0000${dpuuid}`;
}

export class MemoryIdentityStore implements IdentityStore {
  readonly #links = new Map<string, Link>();
  readonly #optOuts = new Map<string, number>();

  resolve(dpid: number, dpuuid: string): Promise<string | undefined> {
    return Promise.resolve(this.#links.get(keyOf(dpid, dpuuid))?.visitorId);
  }

  link(dpid: number, dpuuid: string, visitorId: string, now: number): Promise<void> {
    const key = keyOf(dpid, dpuuid);
    const existing = this.#links.get(key);
    // Most recent wins by event time, so a late-arriving older event cannot undo a newer link.
    if (existing === undefined || now >= existing.linked) this.#links.set(key, { visitorId, linked: now });
    return Promise.resolve();
  }

  unlinkVisitor(visitorId: string): Promise<number> {
    let removed = 0;
    for (const [key, link] of this.#links) {
      if (link.visitorId === visitorId) {
        this.#links.delete(key);
        removed += 1;
      }
    }
    return Promise.resolve(removed);
  }

  setOptOut(key: string, now: number): Promise<void> {
    if (!this.#optOuts.has(key)) this.#optOuts.set(key, now);
    return Promise.resolve();
  }

  isOptedOut(key: string): Promise<boolean> {
    return Promise.resolve(this.#optOuts.has(key));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
