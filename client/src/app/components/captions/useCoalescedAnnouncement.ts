import { useEffect, useRef, useState } from 'react';
import type { CaptionView } from '../../../../../shared/src/index.js';

/** A screen reader hears committed lines at most this often, joined: captions arrive faster than speech can be read out. */
const ANNOUNCE_EVERY_MS = 2000;

/**
 * The text for a polite live region: each newly committed line (not corrections, not
 * lines in progress), collected and said together at most once every two seconds. What
 * was there when the page opened is not said.
 */
export function useCoalescedAnnouncement(segments: readonly CaptionView[], speakerOf: (c: CaptionView) => string): string {
  const seen = useRef<Set<string> | null>(null);
  const pending = useRef<string[]>([]);
  const lastSaid = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [text, setText] = useState('');

  useEffect(() => {
    if (seen.current === null) {
      seen.current = new Set(segments.map((s) => s.id));
      return;
    }
    for (const s of segments) {
      if (seen.current.has(s.id)) continue;
      seen.current.add(s.id);
      const who = speakerOf(s);
      pending.current.push(who ? `${who}: ${s.text}` : s.text);
    }
    if (!pending.current.length || timer.current) return;
    const flush = () => {
      timer.current = null;
      lastSaid.current = Date.now();
      setText(pending.current.join(' '));
      pending.current = [];
    };
    timer.current = setTimeout(flush, Math.max(0, lastSaid.current + ANNOUNCE_EVERY_MS - Date.now()));
  }, [segments, speakerOf]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return text;
}
