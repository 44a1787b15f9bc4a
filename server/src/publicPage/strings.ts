import type { AgreementLevel, ResponseStatus } from '../../../shared/src/index.js';

/** The languages the public page and its feed are written in. English is the default. */
export const PAGE_LANGUAGES = ['en', 'de'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/** English writes 67%, German 67 % (with a narrow no-break space, as DIN 5008 asks). */
const percentEn = (share: number) => `${Math.round(share * 100)}%`;
const percentDe = (share: number) => `${Math.round(share * 100)}\u202F%`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Every word the public page and the feed print, in English. The page is rendered on the
 * server with no script, so it cannot use the client's i18next catalogue; German is typed
 * against this object, so a key missing there is a compile error.
 */
const en = {
  languageName: 'English',
  otherLanguage: 'Deutsch',
  switchLanguage: 'Diese Seite auf Deutsch',
  kicker: 'Public record of a town hall',
  titleSuffix: 'public record',
  questionLabel: 'The question put to the assembly',
  closedOn: (date: string) => `The town hall ended on ${date}.`,
  stillRunning: 'The town hall is still running.',
  asOf: (date: string) => `This page shows the record as it stood on ${date}, including answers given later.`,
  contents: 'On this page',
  skip: 'Skip to the recommendations',

  participationHeading: 'Who took part',
  participationIntro: 'In numbers only: this page names nobody.',
  citizens: 'Citizens who took part',
  spoke: 'Took the floor at least once',
  spokeValue: (n: number, share: number) => `${n} (${percentEn(share)})`,
  turns: 'Turns to speak',
  speakingTime: 'Total speaking time',
  minutes: (seconds: number) => plural(Math.round(seconds / 60), 'minute', 'minutes'),
  gini: 'How evenly speaking time was shared',
  decimal: (x: number) => x.toFixed(2),
  giniValue: (g: number) => `Gini coefficient ${g.toFixed(2)}: 0 means everyone spoke equally long, 1 means one person did all the speaking.`,

  agreedHeading: 'Agreed recommendations',
  agreedNone: 'No recommendation reached agreement.',
  room: (name: string) => `Room: ${name}`,
  rationale: 'Why',
  supportHeading: 'Support',
  support: (share: number, total: number) => `${percentEn(share)} support from ${plural(total, 'rating', 'ratings')}.`,
  blocks: (n: number) => (n === 0 ? 'Nobody blocked it.' : `${plural(n, 'person', 'people')} blocked it.`),
  countsLabel: 'Ratings by level',
  rule: (r: { minShare: number; topLevels: number; maxBlocks: number; minRatings: number }) =>
    `The rule: agreed when at least ${percentEn(r.minShare)} choose one of the top ${plural(r.topLevels, 'level', 'levels')} of support, ` +
    `${r.maxBlocks === 0 ? 'nobody blocks it' : `at most ${r.maxBlocks} block it`}, and at least ${plural(r.minRatings, 'rating', 'ratings')} ${r.minRatings === 1 ? 'was' : 'were'} given.`,
  minorityHeading: 'Minority notes',
  fingerprint: 'Fingerprint of the exact text voted on',
  fingerprintFull: 'Show the full fingerprint',
  fingerprintHelp: 'The SHA-256 hash of the text. If one letter changed, the fingerprint would not match.',

  answerHeading: 'Official answer',
  noAnswer: 'No official answer yet.',
  statusLabel: 'Decision',
  reasonLabel: 'Reason',
  dueLabel: 'Due by',
  answeredOn: (date: string) => `Answered on ${date}.`,
  panelHeading: 'What the citizens say',
  panelCounts: (c: { addressed: number; partly: number; not: number }, total: number) =>
    total === 0
      ? 'No citizen has said yet whether this answer addresses the recommendation.'
      : `${c.addressed} of ${total} find that it addresses the recommendation, ${c.partly} partly, ${c.not} not.`,
  overdue: 'Overdue',
  overdueText: (due: string) => `The due date (${due}) has passed with no progress reported since this answer.`,
  progressHeading: 'Progress',
  progressNone: 'No progress reported yet.',
  historyHeading: (n: number) => `Earlier answers (${n})`,
  historyItem: (date: string) => `Answer of ${date}`,

  notAgreedHeading: 'Not agreed',
  notAgreedIntro: 'Put to the vote, but not agreed. Shown with the support they had.',
  notAgreedNone: 'Every recommendation put to the vote was agreed.',
  whyNotAgreed: 'Why it was not agreed',
  notEnoughSupport: 'It did not meet the agreement rule.',
  textChanged: 'Its text changed after the vote opened, so the vote could not count.',

  checkHeading: 'Check this record',
  checkIntro: 'This record is signed by the server. Anyone can check that nobody changed it: download the signed file and run the command below with Node.js.',
  keyId: 'Signing key',
  publicKey: 'Public key',
  logHead: 'Last entry of the session’s record',
  logHeadValue: (seq: number) => `Entry ${seq}, hash:`,
  signedJson: 'The signed record (JSON)',
  serverKey: 'The server’s signing key',
  command: 'The command that checks it',
  commandNote: 'Run it in a copy of Townhall; it fetches the server’s key and checks the signature and every fingerprint.',

  followHeading: 'Follow the answers',
  followIntro: 'Journalists and citizens can subscribe to new answers and progress updates.',
  feed: 'News feed of answers and progress (Atom)',

  notFoundTitle: 'No public page here',
  notFoundText: 'There is no public page at this address. It may not have been published, or it was withdrawn.',

  levels: {
    'full-support': 'Full support',
    'support-with-reservations': 'Support with reservations',
    'can-live-with': 'Can live with it',
    'more-discussion-needed': 'More discussion needed',
    'serious-concerns': 'Serious concerns',
    block: 'Block',
  } satisfies Record<AgreementLevel, string>,
  statuses: {
    accepted: 'Accepted',
    'partially-accepted': 'Partly accepted',
    rejected: 'Rejected',
    'under-consideration': 'Under consideration',
  } satisfies Record<ResponseStatus, string>,

  feedTitle: (title: string) => `${title}: official answers`,
  feedSubtitle: 'Each official answer to an agreed recommendation, and each progress update, newest first.',
  feedAnswerTitle: (rec: string, status: string) => `Answer to “${rec}”: ${status}`,
  feedProgressTitle: (rec: string) => `Progress on “${rec}”`,
  feedSuperseded: 'A later answer replaced this one.',
  feedAuthor: 'The officials',
};

export type PageStrings = typeof en;

const de: PageStrings = {
  languageName: 'Deutsch',
  otherLanguage: 'English',
  switchLanguage: 'This page in English',
  kicker: 'Öffentliches Protokoll einer Bürgerversammlung',
  titleSuffix: 'öffentliches Protokoll',
  questionLabel: 'Die Frage an die Versammlung',
  closedOn: (date) => `Die Versammlung endete am ${date}.`,
  stillRunning: 'Die Versammlung läuft noch.',
  asOf: (date) => `Diese Seite zeigt das Protokoll mit Stand ${date}, einschließlich später gegebener Antworten.`,
  contents: 'Auf dieser Seite',
  skip: 'Zu den Empfehlungen springen',

  participationHeading: 'Wer teilgenommen hat',
  participationIntro: 'Nur in Zahlen: Diese Seite nennt keine Namen.',
  citizens: 'Teilnehmende Bürger:innen',
  spoke: 'Mindestens einmal das Wort ergriffen',
  spokeValue: (n, share) => `${n} (${percentDe(share)})`,
  turns: 'Wortbeiträge',
  speakingTime: 'Redezeit insgesamt',
  minutes: (seconds) => plural(Math.round(seconds / 60), 'Minute', 'Minuten'),
  gini: 'Wie gleichmäßig die Redezeit verteilt war',
  decimal: (x) => x.toFixed(2).replace('.', ','),
  giniValue: (g) => `Gini-Koeffizient ${g.toFixed(2).replace('.', ',')}: 0 heißt, alle haben gleich lange gesprochen, 1 heißt, eine Person hat allein gesprochen.`,

  agreedHeading: 'Beschlossene Empfehlungen',
  agreedNone: 'Keine Empfehlung fand Zustimmung.',
  room: (name) => `Raum: ${name}`,
  rationale: 'Begründung',
  supportHeading: 'Zustimmung',
  support: (share, total) => `${percentDe(share)} Zustimmung bei ${plural(total, 'Bewertung', 'Bewertungen')}.`,
  blocks: (n) => (n === 0 ? 'Niemand hat blockiert.' : `${plural(n, 'Person hat', 'Personen haben')} blockiert.`),
  countsLabel: 'Bewertungen nach Stufe',
  rule: (r) =>
    `Die Regel: beschlossen, wenn mindestens ${percentDe(r.minShare)} eine der ${plural(r.topLevels, 'obersten Zustimmungsstufe', 'obersten Zustimmungsstufen')} wählen, ` +
    `${r.maxBlocks === 0 ? 'niemand blockiert' : `höchstens ${r.maxBlocks} blockieren`} und mindestens ${plural(r.minRatings, 'Bewertung', 'Bewertungen')} abgegeben wurden.`,
  minorityHeading: 'Minderheitenvoten',
  fingerprint: 'Fingerabdruck des abgestimmten Wortlauts',
  fingerprintFull: 'Den ganzen Fingerabdruck zeigen',
  fingerprintHelp: 'Der SHA-256-Hash des Textes. Wäre auch nur ein Buchstabe anders, passte der Fingerabdruck nicht mehr.',

  answerHeading: 'Offizielle Antwort',
  noAnswer: 'Noch keine offizielle Antwort.',
  statusLabel: 'Entscheidung',
  reasonLabel: 'Begründung',
  dueLabel: 'Umsetzung bis',
  answeredOn: (date) => `Beantwortet am ${date}.`,
  panelHeading: 'Was die Bürgerinnen und Bürger sagen',
  panelCounts: (c, total) =>
    total === 0
      ? 'Noch hat niemand aus dem Bürgerrat gesagt, ob diese Antwort auf die Empfehlung eingeht.'
      : `${c.addressed} von ${total} finden, dass sie auf die Empfehlung eingeht, ${c.partly} teilweise, ${c.not} nicht.`,
  overdue: 'Überfällig',
  overdueText: (due) => `Die Frist (${due}) ist verstrichen, ohne dass seit dieser Antwort ein Fortschritt gemeldet wurde.`,
  progressHeading: 'Fortschritt',
  progressNone: 'Noch kein Fortschritt gemeldet.',
  historyHeading: (n) => `Frühere Antworten (${n})`,
  historyItem: (date) => `Antwort vom ${date}`,

  notAgreedHeading: 'Nicht beschlossen',
  notAgreedIntro: 'Zur Abstimmung gestellt, aber nicht beschlossen. Mit der Zustimmung, die sie erhielten.',
  notAgreedNone: 'Jede zur Abstimmung gestellte Empfehlung wurde beschlossen.',
  whyNotAgreed: 'Warum sie nicht beschlossen wurde',
  notEnoughSupport: 'Sie hat die Regel für eine Einigung nicht erfüllt.',
  textChanged: 'Ihr Text wurde geändert, nachdem die Abstimmung begonnen hatte; deshalb konnte die Abstimmung nicht zählen.',

  checkHeading: 'Dieses Protokoll prüfen',
  checkIntro:
    'Dieses Protokoll ist vom Server signiert. Alle können prüfen, dass niemand es verändert hat: die signierte Datei herunterladen und den Befehl unten mit Node.js ausführen.',
  keyId: 'Signaturschlüssel',
  publicKey: 'Öffentlicher Schlüssel',
  logHead: 'Letzter Eintrag im Protokoll der Sitzung',
  logHeadValue: (seq) => `Eintrag ${seq}, Hash:`,
  signedJson: 'Das signierte Protokoll (JSON)',
  serverKey: 'Der Signaturschlüssel des Servers',
  command: 'Der Befehl, der es prüft',
  commandNote: 'In einer Kopie von Townhall ausführen; er holt den Schlüssel des Servers und prüft die Signatur und jeden Fingerabdruck.',

  followHeading: 'Den Antworten folgen',
  followIntro: 'Journalist:innen und Bürger:innen können neue Antworten und Fortschrittsmeldungen abonnieren.',
  feed: 'Newsfeed der Antworten und Fortschritte (Atom)',

  notFoundTitle: 'Hier gibt es keine öffentliche Seite',
  notFoundText: 'Unter dieser Adresse gibt es keine öffentliche Seite. Sie wurde vielleicht nicht veröffentlicht oder zurückgezogen.',

  levels: {
    'full-support': 'Volle Zustimmung',
    'support-with-reservations': 'Zustimmung mit Vorbehalten',
    'can-live-with': 'Kann damit leben',
    'more-discussion-needed': 'Mehr Diskussion nötig',
    'serious-concerns': 'Ernste Bedenken',
    block: 'Blockade',
  },
  statuses: {
    accepted: 'Angenommen',
    'partially-accepted': 'Teilweise angenommen',
    rejected: 'Abgelehnt',
    'under-consideration': 'Wird noch geprüft',
  },

  feedTitle: (title) => `${title}: offizielle Antworten`,
  feedSubtitle: 'Jede offizielle Antwort auf eine beschlossene Empfehlung und jede Fortschrittsmeldung, die neuesten zuerst.',
  feedAnswerTitle: (rec, status) => `Antwort auf „${rec}“: ${status}`,
  feedProgressTitle: (rec) => `Fortschritt bei „${rec}“`,
  feedSuperseded: 'Eine spätere Antwort hat diese ersetzt.',
  feedAuthor: 'Die Zuständigen',
};

export const PAGE_STRINGS: Record<PageLanguage, PageStrings> = { en, de };

const LOCALES: Record<PageLanguage, string> = { en: 'en-GB', de: 'de-DE' };

/** A moment, always in UTC and saying so: readers are anywhere, and a printout must not depend on its reader's clock. */
export function formatMoment(iso: string, lang: PageLanguage): string {
  const text = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso));
  return `${text} UTC`;
}

/** A calendar day (a due date): no time, so no time zone to name. */
export function formatDay(isoDate: string, lang: PageLanguage): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));
}
