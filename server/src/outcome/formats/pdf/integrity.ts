import type { OutcomeDocument } from '../../../../../shared/src/index.js';
import { shortHash } from '../displayText.js';
import { dateTime } from './formatting.js';
import { keyValues, type KeyValue } from './keyValues.js';
import type { Layout, Run } from './layout.js';
import { sectionHeading } from './sectionHeading.js';
import { COLOR, STYLE } from './theme.js';

/** The log head and signature this brief renders, and how a reader checks them. */
export function integritySection(layout: Layout, d: OutcomeDocument): void {
  sectionHeading(layout, 'Integrity', 'integrity');
  const rows: KeyValue[] = [
    ['Session log', d.log.sessionId, STYLE.mono],
    ['Last event', `seq ${d.log.seq}`, STYLE.mono],
    ['Head hash', d.log.head, STYLE.mono],
    ['Signature', d.signature.algorithm, STYLE.mono],
    ['Key ID', d.signature.keyId, STYLE.mono],
    ['Public key', d.signature.publicKey, STYLE.mono],
    ['Signature value', d.signature.value, STYLE.mono],
  ];
  for (const p of d.outcome.publications) rows.push([`Publication ${p.number}`, `${dateTime(p.at)} · seq ${p.headSeq} · head ${shortHash(p.headHash)}`, STYLE.mono]);
  keyValues(layout, rows);
  layout.gap(8);
  const how: Run[] = [
    {
      text: 'This brief renders the signed JSON export, which is the authoritative record. To check that export against the event log, run ',
      style: STYLE.body,
    },
    { text: 'npx townhall verify <export.json> --log <log.jsonl>', style: { ...STYLE.mono, size: 8.5, color: COLOR.ink } },
    {
      text: ": it checks the signature and the hashes of the recommendation texts, then the log's hash chain up to the head above, and that replaying the log yields exactly this outcome. Trust the public key only if it matches the one the server publishes at ",
      style: STYLE.body,
    },
    { text: '/.well-known/townhall-signing-key', style: { ...STYLE.mono, size: 8.5, color: COLOR.ink } },
    {
      text: '. Characters that could hide or reorder text, and characters this font cannot show, are printed here as their code points, e.g. [U+202E].',
      style: STYLE.body,
    },
  ];
  // The instructions are read as one piece: never leave their last lines alone on a page.
  layout.ensure(layout.runsHeight(how) + 4);
  layout.runs(how);
}
