import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Assembly {
  title: string;
  question: string;
  queueRule: 'first-come-first-served' | 'first-time-speakers-first' | 'least-speaking-time-first';
  turnSeconds: number;
  agenda: { title: string; minutes: number; breakouts?: number }[];
  facilitators: string[];
  citizens: string[];
  observers: string[];
  officials: string[];
  questions: string[];
  recommendations: { title: string; body: string; rationale: string }[];
}

/** A realistic citizens' assembly: names in many scripts, a real agenda, real questions. */
export const assembly: Assembly = JSON.parse(readFileSync(`${dir}assembly-transport.json`, 'utf8'));

/** Strings that have broken other civic platforms: markup, bidi overrides, huge words. */
export const hostileStrings: string[] = readFileSync(`${dir}hostile-strings.txt`, 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0);

export function sessionInput(overrides: Record<string, unknown> = {}) {
  return {
    title: assembly.title,
    question: assembly.question,
    agenda: assembly.agenda,
    settings: { queueRule: assembly.queueRule, turnSeconds: assembly.turnSeconds },
    ...overrides,
  };
}
