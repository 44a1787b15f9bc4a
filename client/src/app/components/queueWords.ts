import type { TFunction } from 'i18next';
import type { QueueReason } from '../../../../shared/src/queue.js';

/** "4 s", "2 min 5 s": how long someone has spoken, for the reasons, with the units in the viewer's language. */
export function formatSpoken(t: TFunction, ms: number): string {
  const total = Math.round(ms / 1000);
  if (total < 60) return t('units.seconds', { seconds: total });
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return seconds === 0 ? t('units.minutes', { minutes }) : t('units.minutesSeconds', { minutes, seconds });
}

/**
 * Why an entry stands where it does, in the viewer's language: addressed to "you" for
 * the viewer's own entry, about "them" otherwise. Every QueueReason code must have both
 * wordings in every catalogue; a new code fails the type check until it has them.
 */
export function reasonText(t: TFunction, reason: QueueReason, self: boolean): string {
  switch (reason.code) {
    case 'has-spoken-before':
      return self ? t('reasons.self.has-spoken-before', { count: reason.turns }) : t('reasons.other.has-spoken-before', { count: reason.turns });
    case 'speaking-time': {
      const time = formatSpoken(t, reason.speakingMs);
      return self ? t('reasons.self.speaking-time', { time }) : t('reasons.other.speaking-time', { time });
    }
    default:
      return self ? t(`reasons.self.${reason.code}`) : t(`reasons.other.${reason.code}`);
  }
}
