import { useState } from 'react';

/** How many lines the caption region shows; remembered on this device. */
export const CAPTION_SIZES = [2, 4, 8] as const;
export type CaptionSize = (typeof CAPTION_SIZES)[number];

interface CaptionPrefs {
  shown: boolean;
  lines: CaptionSize;
}

const KEY = 'townhall.captions';
const DEFAULTS: CaptionPrefs = { shown: true, lines: 4 };

function read(): CaptionPrefs {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<CaptionPrefs> | null;
    return {
      shown: typeof raw?.shown === 'boolean' ? raw.shown : DEFAULTS.shown,
      lines: CAPTION_SIZES.includes(raw?.lines as CaptionSize) ? (raw!.lines as CaptionSize) : DEFAULTS.lines,
    };
  } catch {
    return DEFAULTS;
  }
}

/** Shown or hidden, and how tall: a person's choice, kept across visits on this device. */
export function useCaptionPrefs(): [CaptionPrefs, (patch: Partial<CaptionPrefs>) => void] {
  const [prefs, setPrefs] = useState(read);
  const update = (patch: Partial<CaptionPrefs>) => {
    const next = { ...prefs, ...patch };
    setPrefs(next);
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      /* not remembered on this device; it still works on this page */
    }
  };
  return [prefs, update];
}
