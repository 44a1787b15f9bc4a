import { AGREEMENT_LEVELS, PANEL_VERDICTS, type AgreementLevel, type OutcomeDocument, type PanelVerdict, type RatingRow } from '../../../../shared/src/index.js';
import { displayText } from './displayText.js';

/**
 * Open data: recommendations and ratings as CSV. The columns are declared once, with
 * their meaning, and the README that ships with the files is generated from the same
 * table, so the description can never drift from the data.
 */
interface Column<Row> {
  name: string;
  description: string;
  value: (row: Row) => string | number | boolean | null;
}

type Agreed = OutcomeDocument['outcome']['recommendations']['agreed'][number];
type Rec = Omit<Agreed, 'lockedAt'> & {
  status: 'agreed' | 'not-agreed';
  decidedAt: string;
  textChanged: boolean;
};

const levelColumn = (level: AgreementLevel): Column<Rec> => ({
  name: `count_${level.replace(/-/g, '_')}`,
  description: `Number of ratings at the level “${level}” in the deciding round.`,
  value: (r) => r.support.counts[level],
});

const PANEL_SAID: Record<PanelVerdict, string> = { addressed: 'addresses', partly: 'partly addresses', not: 'does not address' };

const panelColumn = (verdict: PanelVerdict): Column<Rec> => ({
  name: `panel_${verdict}`,
  description: `Citizens who said the current answer ${PANEL_SAID[verdict]} the recommendation (\`response.assess\`: one each, their latest); empty when not yet answered. Their reasons are in the signed JSON.`,
  value: (r) => r.response?.panel.counts[verdict] ?? null,
});

export const RECOMMENDATION_COLUMNS: Column<Rec>[] = [
  { name: 'session_id', description: 'The session the recommendation comes from.', value: () => '' },
  { name: 'recommendation_id', description: 'Identifier of the recommendation, unique within its room.', value: (r) => r.id },
  { name: 'room_id', description: 'Room whose drafting document held the recommendation (`plenary` or a breakout room).', value: (r) => r.roomId },
  { name: 'room_name', description: 'Name of that room.', value: (r) => r.roomName },
  { name: 'status', description: '`agreed` (its text is locked) or `not-agreed` (its last round did not reach the agreement rule).', value: (r) => r.status },
  { name: 'round_id', description: 'The agreement round that decided it (for `not-agreed`: the last round that judged it).', value: (r) => r.roundId },
  { name: 'decided_at', description: 'When the text was locked (agreed) or the deciding round closed (not agreed), ISO 8601 UTC.', value: (r) => r.decidedAt },
  { name: 'title', description: 'Title as voted on.', value: (r) => r.title },
  { name: 'body', description: 'Text of the recommendation as voted on.', value: (r) => r.body },
  { name: 'rationale', description: 'The reasons the drafters gave.', value: (r) => r.rationale },
  {
    name: 'text_sha256',
    description: 'SHA-256 (hex) of `JSON.stringify({id, title, body, rationale})` of the exact text voted on; compare with the signed JSON export.',
    value: (r) => r.textHash,
  },
  { name: 'ratings_total', description: 'Number of citizens who rated it in the deciding round.', value: (r) => r.support.total },
  {
    name: 'support_share',
    description: 'Share (0–1) of ratings at the supportive levels named by the agreement rule (`rule_top_levels`).',
    value: (r) => r.support.supportShare,
  },
  ...AGREEMENT_LEVELS.map(levelColumn),
  { name: 'rule_min_share', description: 'Agreement rule of the round: the support share needed.', value: (r) => r.rule.minShare },
  { name: 'rule_top_levels', description: 'Agreement rule: how many levels, from “full support” down, count as support.', value: (r) => r.rule.topLevels },
  { name: 'rule_max_blocks', description: 'Agreement rule: how many blocks are tolerated.', value: (r) => r.rule.maxBlocks },
  { name: 'rule_min_ratings', description: 'Agreement rule: fewest ratings for a result to count.', value: (r) => r.rule.minRatings },
  {
    name: 'text_changed',
    description: '`true` when the text in the document changed after the round opened, so the vote no longer applied to it.',
    value: (r) => r.textChanged,
  },
  {
    name: 'minority_notes',
    description: 'Number of reasons given by those who did not support it (the reasons are in ratings.csv).',
    value: (r) => r.minorityNotes.length,
  },
  {
    name: 'response_status',
    description: 'Officials’ current answer: `accepted`, `partially-accepted`, `rejected`, `under-consideration`; empty when not yet answered.',
    value: (r) => r.response?.status ?? null,
  },
  { name: 'response_reason', description: 'The officials’ reason (required for a rejection).', value: (r) => r.response?.reason ?? null },
  { name: 'response_due_date', description: 'The date the officials committed to, if any (YYYY-MM-DD).', value: (r) => r.response?.dueDate ?? null },
  { name: 'response_answered_at', description: 'When the current answer was given, ISO 8601 UTC.', value: (r) => r.response?.answeredAt ?? null },
  ...PANEL_VERDICTS.map(panelColumn),
];

export const RATING_COLUMNS: Column<RatingRow>[] = [
  { name: 'session_id', description: 'The session.', value: () => '' },
  { name: 'round_id', description: 'The agreement round.', value: (r) => r.roundId },
  { name: 'room_id', description: 'The room the round was held in.', value: (r) => r.roomId },
  { name: 'recommendation_id', description: 'The recommendation rated (see recommendations.csv).', value: (r) => r.recommendationId },
  {
    name: 'rater',
    description:
      'Pseudonym of the citizen who rated (“Rater 7”), the same in every row of this file. Raters are numbered afresh for every export, in an order that only the server can compute: the numbers are unrelated to the order people joined, to any list of participants, to the “Citizen N” of the participation figures and to the numbering of other exports. Names are never published.',
    value: (r) => r.rater,
  },
  {
    name: 'level',
    description: `The rating, from most to least supportive: ${AGREEMENT_LEVELS.map((l) => `\`${l}\``).join(', ')}.`,
    value: (r) => r.level,
  },
  { name: 'reason', description: 'The reason the citizen gave, if any.', value: (r) => r.reason },
  { name: 'round_closed_at', description: 'When the round closed; empty for a round still open (its ratings may still change).', value: (r) => r.roundClosedAt },
];

// Spreadsheets run cells that start like a formula; a leading apostrophe keeps them text (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  let text = displayText(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function table<Row>(columns: Column<Row>[], rows: Row[], sessionId: string): string {
  const line = (cells: (string | number | boolean | null)[]) => cells.map(csvCell).join(',');
  const header = line(columns.map((c) => c.name));
  const body = rows.map((row) => line(columns.map((c) => (c.name === 'session_id' ? sessionId : c.value(row)))));
  // CRLF line ends as RFC 4180 asks; a BOM would help old spreadsheet versions but breaks most CSV parsers.
  return `${[header, ...body].join('\r\n')}\r\n`;
}

export function recommendationsCsv(doc: OutcomeDocument): string {
  const { agreed, notAgreed } = doc.outcome.recommendations;
  const rows: Rec[] = [
    ...agreed.map(({ lockedAt, ...r }) => ({ ...r, status: 'agreed' as const, decidedAt: lockedAt, textChanged: false })),
    ...notAgreed.map(({ closedAt, ...r }) => ({ ...r, status: 'not-agreed' as const, decidedAt: closedAt, response: null })),
  ];
  return table(RECOMMENDATION_COLUMNS, rows, doc.log.sessionId);
}

/**
 * Every rating that counted, row for row as the signed document carries them (and in
 * its order), so the signature and `townhall verify` vouch for each line.
 */
export function ratingsCsv(doc: OutcomeDocument): string {
  return table(RATING_COLUMNS, doc.outcome.ratings, doc.log.sessionId);
}

/** The README that ships with the CSV files (also in docs/OPEN-DATA.md). */
export function openDataReadme(): string {
  const section = <Row>(file: string, intro: string, columns: Column<Row>[]) =>
    [`## ${file}`, '', intro, '', '| Column | Meaning |', '|---|---|', ...columns.map((c) => `| \`${c.name}\` | ${c.description} |`), ''].join('\n');
  return [
    '# Townhall open data: recommendations and ratings',
    '',
    'Two CSV files (RFC 4180: comma-separated, double-quoted where needed, UTF-8, CRLF line ends) describe what a',
    'townhall session recommended and how its citizens rated each text. Every row is rendered from the signed JSON',
    'export they ship with (`outcome.recommendations` and `outcome.ratings`), which remains the authoritative record:',
    '`npx townhall verify` checks that document, and so every row of these files.',
    '',
    '- Nobody is named. Raters appear as “Rater 1”, “Rater 2”, … numbered afresh for each export in an order only the',
    '  server can compute: the numbers say nothing about the order people joined, about any list of participants, or',
    '  about the numbers in another export. Ratings carry no time of their own: when someone rated could tell who they are.',
    '- Times are ISO 8601 in UTC. Empty cells mean “none” or “not yet”.',
    '- Text is shown as written, except that characters which could hide or reorder text (bidirectional overrides,',
    "  control characters) appear as `[U+XXXX]`, and a cell that begins with `=`, `+`, `-` or `@` gets a leading `'`",
    '  so that spreadsheets do not run it as a formula. To recompute `text_sha256`, use the texts in the JSON export.',
    '',
    section('recommendations.csv', 'One row per recommendation that was put to an agreement round.', RECOMMENDATION_COLUMNS),
    section(
      'ratings.csv',
      'One row per citizen per recommendation per round: the rating as it stood when the round closed. Ratings of cancelled rounds and of texts withdrawn from a round decided nothing and are not listed. Rows are ordered by round, by recommendation within the round, then by rater.',
      RATING_COLUMNS,
    ),
  ].join('\n');
}
