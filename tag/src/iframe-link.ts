/**
 * The tag's side of the destination-publishing iframe (`/dest.html` on the DCS origin): inserts
 * it hidden, accepts messages only from that frame and origin, and hands it the pixels of each
 * reply once it said `ready`.
 */
import type { DestItem } from '../../src/protocol/dcs-reply.js';
import {
  asTagMessage,
  IFRAME_PATH,
  MESSAGE_MARK,
  type FiredMessage,
  type FireMessage,
} from '../../src/protocol/tag-protocol.js';

export interface IframeLink {
  /** Queues one reply's pixels; sent when the iframe is ready. */
  fire(dests: DestItem[], ibs: DestItem[], fallback: boolean): void;
}

/**
 * @param onReady called with whether the iframe can keep cookies (false = third-party cookies blocked)
 * @param onFired called with each report of fired and skipped pixels
 */
export function openIframe(
  dcs: string,
  onReady: (cookies: boolean) => void,
  onFired: (msg: FiredMessage) => void,
): IframeLink {
  const origin = new URL(dcs).origin;
  const frame = document.createElement('iframe');
  // The iframe learns our origin from the fragment and posts only to it (never to `*`).
  frame.src = `${dcs}${IFRAME_PATH}#${encodeURIComponent(location.origin)}`;
  frame.title = 'audex';
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.style.cssText = 'display:none;width:0;height:0;border:0';
  let ready = false;
  const queue: FireMessage[] = [];
  const flush = () => {
    while (ready && queue.length > 0) frame.contentWindow?.postMessage(queue.shift(), origin);
  };
  addEventListener('message', (e) => {
    if (e.origin !== origin || e.source !== frame.contentWindow) return;
    const msg = asTagMessage(e.data);
    if (msg?.t === 'ready') {
      ready = true;
      onReady(msg.cookies);
      flush();
    } else if (msg?.t === 'fired') onFired(msg);
  });
  const insert = () => document.body.appendChild(frame);
  if (document.body) insert();
  else addEventListener('DOMContentLoaded', insert);
  return {
    fire(dests, ibs, fallback) {
      if (dests.length + ibs.length === 0) return;
      queue.push({ m: MESSAGE_MARK, t: 'fire', dests, ibs, fallback });
      flush();
    },
  };
}
