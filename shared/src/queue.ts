import type { HandKind, QueueRule } from './domain.js';
import type { Participant, QueueEntry } from './state.js';

/** Why an entry stands where it does, as data; clients word it in the viewer's language. */
export type QueueReason =
  | { code: 'point-of-order' }
  | { code: 'direct-reply' }
  | { code: 'placed-by-facilitator' }
  | { code: 'arrival' }
  | { code: 'first-time-speaker' }
  | { code: 'has-spoken-before'; turns: number }
  | { code: 'speaking-time'; speakingMs: number };

export interface RankedEntry {
  entry: QueueEntry;
  /** 1-based. */
  position: number;
  reason: QueueReason;
}

const KIND_RANK: Record<HandKind, number> = { 'point-of-order': 0, 'direct-reply': 1, normal: 2 };

type Stats = Pick<Participant, 'speakingMs' | 'turns'>;

function compare(rule: QueueRule, stats: (id: string) => Stats) {
  return (a: QueueEntry, b: QueueEntry): number => {
    const byKind = KIND_RANK[a.kind] - KIND_RANK[b.kind];
    if (byKind !== 0) return byKind;
    if (a.kind === 'normal') {
      if (rule === 'first-time-speakers-first') {
        const fa = stats(a.participantId).turns > 0 ? 1 : 0;
        const fb = stats(b.participantId).turns > 0 ? 1 : 0;
        if (fa !== fb) return fa - fb;
      } else if (rule === 'least-speaking-time-first') {
        const d = stats(a.participantId).speakingMs - stats(b.participantId).speakingMs;
        if (d !== 0) return d;
      }
    }
    return a.raisedSeq - b.raisedSeq;
  };
}

function reasonFor(entry: QueueEntry, rule: QueueRule, stats: Stats): QueueReason {
  if (entry.pinned) return { code: 'placed-by-facilitator' };
  if (entry.kind === 'point-of-order') return { code: 'point-of-order' };
  if (entry.kind === 'direct-reply') return { code: 'direct-reply' };
  switch (rule) {
    case 'first-come-first-served':
      return { code: 'arrival' };
    case 'first-time-speakers-first':
      return stats.turns === 0 ? { code: 'first-time-speaker' } : { code: 'has-spoken-before', turns: stats.turns };
    case 'least-speaking-time-first':
      return { code: 'speaking-time', speakingMs: stats.speakingMs };
  }
}

/**
 * The queue in speaking order. Entries the facilitator placed by hand keep their
 * place (later placements win); everyone else is ordered by the rule, with points of
 * order first and direct replies next.
 */
export function rankQueue(entries: readonly QueueEntry[], rule: QueueRule, participants: Readonly<Record<string, Stats>>): RankedEntry[] {
  const stats = (id: string): Stats => participants[id] ?? { speakingMs: 0, turns: 0 };
  const ordered = entries.filter((e) => !e.pinned).sort(compare(rule, stats));
  const pinned = entries.filter((e) => e.pinned).sort((a, b) => a.pinned!.seq - b.pinned!.seq);
  for (const entry of pinned) {
    ordered.splice(Math.min(entry.pinned!.position - 1, ordered.length), 0, entry);
  }
  return ordered.map((entry, i) => ({
    entry,
    position: i + 1,
    reason: reasonFor(entry, rule, stats(entry.participantId)),
  }));
}

/** Plain-words English descriptions; the browser client has its own translations. */
export const RULE_DESCRIPTIONS: Record<QueueRule, string> = {
  'first-come-first-served': 'First come, first served: people speak in the order they raised their hand. Points of order go first.',
  'first-time-speakers-first': 'First-time speakers first: people who have not spoken yet go ahead of those who have. Points of order go first.',
  'least-speaking-time-first': 'Least speaking time first: whoever has spoken least so far goes next. Points of order go first.',
};

export function explainReason(reason: QueueReason): string {
  switch (reason.code) {
    case 'point-of-order':
      return 'Point of order: goes ahead of everyone else.';
    case 'direct-reply':
      return 'Direct reply to the current speaker: goes ahead of normal requests.';
    case 'placed-by-facilitator':
      return 'Placed here by the facilitator.';
    case 'arrival':
      return 'In the order hands were raised.';
    case 'first-time-speaker':
      return 'Has not spoken yet, so goes ahead of those who have.';
    case 'has-spoken-before':
      return `Has spoken ${reason.turns} time(s) already, so waits behind first-time speakers.`;
    case 'speaking-time':
      return `Has spoken ${Math.round(reason.speakingMs / 1000)} s so far; least speaking time goes first.`;
  }
}
