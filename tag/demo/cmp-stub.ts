/**
 * The demo site's consent manager: a minimal local IAB TCF v2.2 API (`__tcfapi`) with an
 * accept/refuse choice. The TC strings are real — encoded on the server with `@iabtcf/core`
 * (`src/privacy/tcf-test-strings.ts`) and prepended to this script as `window.__audexDemoTc` —
 * so the DCS decodes them exactly as it would a production CMP's. Demo only: not a real CMP.
 *
 * The choice lives in this site's `localStorage`; `?consent=accept|refuse` in the page URL sets it
 * (tests use that).
 */

type Choice = 'accept' | 'refuse';
type Listener = (data: Record<string, unknown>, ok: boolean) => void;

const STORE_KEY = 'audex_demo_consent';
const w = window as unknown as {
  __audexDemoTc?: { accept: string; refuse: string; vendorId: number };
  __tcfapi?: unknown;
  audexDemoCmp?: unknown;
};
const strings = w.__audexDemoTc ?? { accept: '', refuse: '', vendorId: 0 };
const fromUrl = new URLSearchParams(location.search).get('consent');
if (fromUrl === 'accept' || fromUrl === 'refuse') localStorage.setItem(STORE_KEY, fromUrl);
let choice = localStorage.getItem(STORE_KEY) as Choice | null;
let status: 'cmpuishown' | 'tcloaded' | 'useractioncomplete' = choice ? 'tcloaded' : 'cmpuishown';
const listeners = new Map<number, Listener>();
let nextId = 1;

function flags(ids: number[], on: boolean): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const id of ids) out[String(id)] = on;
  return out;
}

function tcData(listenerId?: number): Record<string, unknown> {
  const yes = choice === 'accept';
  return {
    tcString: choice ? strings[choice] : '',
    gdprApplies: true,
    cmpId: 300,
    cmpStatus: 'loaded',
    eventStatus: status,
    listenerId,
    purpose: { consents: flags([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], yes), legitimateInterests: {} },
    vendor: { consents: flags([strings.vendorId], yes), legitimateInterests: {} },
  };
}

w.__tcfapi = (cmd: string, _version: number, cb: Listener, arg?: unknown) => {
  if (cmd === 'ping')
    cb({ gdprApplies: true, cmpLoaded: true, cmpStatus: 'loaded', apiVersion: '2.2' }, true);
  else if (cmd === 'getTCData') cb(tcData(), true);
  else if (cmd === 'addEventListener') {
    const id = nextId++;
    listeners.set(id, cb);
    cb(tcData(id), true);
  } else if (cmd === 'removeEventListener') {
    (cb as unknown as (ok: boolean) => void)(listeners.delete(arg as number));
  }
};

w.audexDemoCmp = {
  /** The visitor's current choice, or null while the banner is shown. */
  get choice() {
    return choice;
  },
  /** Records a choice and tells every listener (`useractioncomplete`). */
  choose(next: Choice) {
    choice = next;
    status = 'useractioncomplete';
    localStorage.setItem(STORE_KEY, next);
    for (const [id, cb] of listeners) cb(tcData(id), true);
    dispatchEvent(new CustomEvent('audex-demo:consent', { detail: next }));
  },
  /** Forgets the choice (the banner comes back on the next page view). */
  reset() {
    localStorage.removeItem(STORE_KEY);
  },
};
