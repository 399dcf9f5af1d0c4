/**
 * What the `/event` benchmarks share: the realistic query, the visitor-cookie pool, the admin token
 * they start Audex with, and the steps that make a started server ready to measure.
 */

/** 15 signals (8 c_ keys, 7 d_ keys as DIL sends), 3 d_sid, JSON reply. */
export const EVENT_QUERY =
  'd_mid=12345678901234567890123456789012345678&d_orgid=ABC%40AdobeOrg&d_nsid=0&d_rtbd=json&d_jsonv=1&d_dst=1&d_ver=2' +
  '&c_section=sports&c_lang=pt&c_author=ana&c_tags=football,league&c_page=article&c_cart_value=120&c_newsletter=0&c_device=mobile' +
  '&d_sid=1001,1002,1003';

export const BENCH_TOKEN = 'bench-admin-token-0123456789';
export const COOKIE = { name: 'audex_uuid', visitors: 10_000 };

/** Waits until `url` answers (a clustered server announces itself before its workers listen). */
export async function ready(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/**
 * Pauses the demo workspace's real-time partner: the `/event` benchmarks measure the DCS itself;
 * `npm run bench:partners` measures the partner path.
 */
export async function pauseDemoPartner(base: string): Promise<void> {
  const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${base}/api/v1/partners/1`, { headers })).json()) as Record<
    string,
    unknown
  >;
  const res = await fetch(`${base}/api/v1/partners/1`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...current, status: 'INACTIVE' }),
  });
  if (!res.ok) throw new Error(`could not pause the demo partner: ${res.status} ${await res.text()}`);
  await new Promise((r) => setTimeout(r, 1500)); // the catalog swap reaches the server within a second
}
