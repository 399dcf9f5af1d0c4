/**
 * Consent from the page's CMP through the IAB APIs: TCF v2.2 `__tcfapi` and GPP 1.1 `__gpp`.
 * Both are optional; when present the tag waits for a final answer (TCF `tcloaded` or
 * `useractioncomplete`, GPP `signalStatus: ready`) at most `timeoutMs`, then goes on with what it has.
 */

/** What the event call sends and what the tag may do on the device. */
export interface PageConsent {
  /** Query pairs: `gdpr`, `gdpr_consent`, `gpp`, `gpp_sid`. */
  params: [string, string][];
  /** TCF Purpose 1 (store/access on the device) granted, or GDPR does not apply. */
  storage: boolean;
}

interface TcData {
  gdprApplies?: boolean;
  tcString?: string;
  eventStatus?: string;
  listenerId?: number;
  purpose?: { consents?: Record<string, boolean> };
}

interface GppEvent {
  pingData?: { signalStatus?: string; gppString?: string; applicableSections?: number[] };
}

type TcfApi = (cmd: string, version: number, cb: (data: TcData, ok: boolean) => void, arg?: unknown) => void;
type GppApi = (cmd: string, cb: (data: GppEvent, ok: boolean) => void) => void;

/** Reads consent, resolving within `timeoutMs` even if a CMP never answers. */
export function readConsent(timeoutMs: number): Promise<PageConsent> {
  const w = window as unknown as { __tcfapi?: TcfApi; __gpp?: GppApi };
  let tc: TcData | undefined;
  let gpp: GppEvent['pingData'];
  const done = () => consentOf(tc, gpp, w.__tcfapi !== undefined);
  return new Promise((resolve) => {
    let waiting = 0;
    const settle = () => --waiting <= 0 && resolve(done());
    if (typeof w.__tcfapi === 'function') {
      waiting++;
      const api = w.__tcfapi;
      let settled = false;
      api('addEventListener', 2, function listener(data, ok) {
        if (!ok || settled) return;
        tc = data;
        const final =
          data.gdprApplies === false || /^(tcloaded|useractioncomplete)$/.test(data.eventStatus ?? '');
        if (!final) return;
        settled = true;
        if (data.listenerId !== undefined) api('removeEventListener', 2, () => undefined, data.listenerId);
        settle();
      });
    }
    if (typeof w.__gpp === 'function') {
      waiting++;
      let settled = false;
      w.__gpp('addEventListener', (data, ok) => {
        if (!ok || settled || data?.pingData?.signalStatus !== 'ready') return;
        settled = true;
        gpp = data.pingData;
        settle();
      });
    }
    if (waiting === 0) resolve(done());
    else setTimeout(() => resolve(done()), timeoutMs);
  });
}

function consentOf(tc: TcData | undefined, gpp: GppEvent['pingData'], hasTcf: boolean): PageConsent {
  const params: [string, string][] = [];
  let storage = true;
  // A TCF CMP that has not said "GDPR does not apply" is treated as GDPR applying: fail closed.
  if (hasTcf && tc?.gdprApplies !== false) {
    params.push(['gdpr', '1']);
    if (tc?.tcString) params.push(['gdpr_consent', tc.tcString]);
    storage = tc?.purpose?.consents?.['1'] === true;
  } else if (tc) params.push(['gdpr', '0']);
  if (gpp?.gppString) {
    params.push(['gpp', gpp.gppString]);
    params.push(['gpp_sid', (gpp.applicableSections ?? []).join(',')]);
  }
  return { params, storage };
}
