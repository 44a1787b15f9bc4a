import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { AGREEMENT_LEVELS, type AgreementLevel, type OutcomeDocument } from '../../../../shared/src/index.js';
import { codePointLabel, displayText, minutesAndSeconds, percent, shortHash } from './displayText.js';

/**
 * The outcome as a printable brief for officials: A4, DejaVu Sans embedded so any
 * reader shows the same glyphs. The JSON export stays the authoritative record; this
 * is a faithful rendering of it in which every piece of user text is drawn visibly
 * (deceptive code points and characters the font lacks appear as [U+XXXX]).
 */

type Outcome = OutcomeDocument['outcome'];
type Agreed = Outcome['recommendations']['agreed'][number];
type NotAgreed = Outcome['recommendations']['notAgreed'][number];
type Answer = Omit<NonNullable<Agreed['response']>, 'history' | 'progress'>;

// ---------------------------------------------------------------------------------------
// Fonts

const FONT_FILES = {
  sans: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;

interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}
interface FontAssets {
  data: Record<FontName, Buffer>;
  coverage: Record<FontName, GlyphCoverage>;
}

let assets: FontAssets | null = null;

/** Read once per process: the files are large and never change while the server runs. */
function fontAssets(): FontAssets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  // fontkit is pdfkit's own dependency, not ours: resolve it from pdfkit so we read glyph
  // tables with the very parser pdfkit will embed the fonts with.
  const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(data: Buffer): GlyphCoverage };
  const data = {} as Record<FontName, Buffer>;
  const coverage = {} as Record<FontName, GlyphCoverage>;
  for (const name of Object.keys(FONT_FILES) as FontName[]) {
    data[name] = readFileSync(path.join(dir, FONT_FILES[name]));
    coverage[name] = fontkit.create(data[name]);
  }
  assets = { data, coverage };
  return assets;
}

/** Code points that only modify their neighbour: without a glyph they are noise, not content worth labelling. */
const DROPPABLE = /^[\p{M}\u200C\u200D\uFE00-\uFE0F\u{E0100}-\u{E01EF}]$/u;
const MARK = /^\p{M}$/u;
/**
 * Real scripts stack at most two or three marks on a letter once composed; "Zalgo" text
 * stacks dozens, which pdfkit positions into the lines above and below. The JSON keeps
 * every mark; the brief keeps the first few so both the letter and its neighbours stay legible.
 */
const MAX_MARKS_PER_LETTER = 2;

/**
 * Text as this font can show it. pdfkit draws a missing glyph as an empty box or
 * nothing at all, so a name in a script DejaVu lacks would vanish from the brief;
 * instead each such code point is spelled out.
 */
function drawable(text: string, font: FontName): string {
  const cover = fontAssets().coverage[font];
  let out = '';
  let marks = 0;
  // Composed forms have glyphs of their own, which DejaVu draws far better than a letter plus positioned marks.
  for (const ch of displayText(text).normalize('NFC')) {
    if (MARK.test(ch)) {
      if (++marks > MAX_MARKS_PER_LETTER) continue;
    } else marks = 0;
    const cp = ch.codePointAt(0)!;
    if (ch === '\n' || cover.hasGlyphForCodePoint(cp)) out += ch;
    else if (!DROPPABLE.test(ch)) out += codePointLabel(ch);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Vocabulary

const LEVELS: Record<AgreementLevel, { label: string; fill: string; ink: string }> = {
  'full-support': { label: 'Full support', fill: '#1a9850', ink: '#ffffff' },
  'support-with-reservations': { label: 'Support with reservations', fill: '#91cf60', ink: '#1b1b1b' },
  'can-live-with': { label: 'Can live with it', fill: '#d9ef8b', ink: '#1b1b1b' },
  'more-discussion-needed': { label: 'More discussion needed', fill: '#fee08b', ink: '#1b1b1b' },
  'serious-concerns': { label: 'Serious concerns', fill: '#fc8d59', ink: '#1b1b1b' },
  block: { label: 'Block', fill: '#d73027', ink: '#ffffff' },
};

const STATUS: Record<Answer['status'], { label: string; color: string }> = {
  accepted: { label: 'Accepted', color: '#1a7a3c' },
  'partially-accepted': { label: 'Partially accepted', color: '#8a6d00' },
  rejected: { label: 'Rejected', color: '#b3261e' },
  'under-consideration': { label: 'Under consideration', color: '#3b5b8c' },
};

const AGENDA_STATUS = { pending: 'not started', active: 'running', done: 'done' } as const;

const COLOR = {
  ink: '#1b1b1b',
  heading: '#17324d',
  muted: '#5f6670',
  faint: '#9aa0a6',
  rule: '#c9ced4',
  zebra: '#f3f5f7',
  bar: '#4a78a8',
  agreed: '#1a9850',
  contested: '#e08a2c',
  neutral: '#9fb3c8',
  warn: '#b3261e',
};

interface Style {
  font: FontName;
  size: number;
  color: string;
  lineGap?: number;
}

const S = {
  title: { font: 'bold', size: 22, color: COLOR.heading, lineGap: 2 },
  section: { font: 'bold', size: 15, color: COLOR.heading },
  heading: { font: 'bold', size: 11.5, color: COLOR.ink, lineGap: 1 },
  body: { font: 'sans', size: 9.5, color: COLOR.ink, lineGap: 1.5 },
  strong: { font: 'bold', size: 9.5, color: COLOR.ink, lineGap: 1.5 },
  small: { font: 'sans', size: 8, color: COLOR.muted, lineGap: 1 },
  smallBold: { font: 'bold', size: 8, color: COLOR.muted, lineGap: 1 },
  mono: { font: 'mono', size: 7, color: COLOR.muted, lineGap: 1 },
  cell: { font: 'sans', size: 8.5, color: COLOR.ink, lineGap: 1 },
  cellHead: { font: 'bold', size: 8, color: COLOR.muted, lineGap: 1 },
} satisfies Record<string, Style>;

const MARGIN = 56;
const FOOTER_GAP = 22;
const MAX_CHART_ROWS = 40;

function dateTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function minutes(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

// ---------------------------------------------------------------------------------------
// Where the summary's claims come from

interface RefGroup {
  /** Shown once, before the items: "Agreed recommendations" and the like. */
  prefix: string;
  items: { text: string; dest: string | null }[];
}

/** Pointers as readers can follow them: grouped by section, each linked to where it is shown. */
function refGroups(refs: readonly string[]): RefGroup[] {
  const groups: RefGroup[] = [];
  const seen = new Set<string>();
  const add = (prefix: string, text: string, dest: string | null) => {
    if (seen.has(`${prefix}\n${text}`)) return;
    seen.add(`${prefix}\n${text}`);
    let group = groups.find((g) => g.prefix === prefix);
    if (!group) groups.push((group = { prefix, items: [] }));
    group.items.push({ text, dest });
  };
  for (const ref of refs) {
    const parts = ref.split('/').slice(1);
    const [top, sub, index, field] = parts;
    const i = index !== undefined && /^\d+$/.test(index) ? Number(index) : null;
    if (top === 'recommendations' && (sub === 'agreed' || sub === 'notAgreed')) {
      const letter = sub === 'agreed' ? 'A' : 'N';
      if (i === null) add('', sub === 'agreed' ? 'Agreed recommendations' : 'Not agreed', sub === 'agreed' ? 'agreed' : 'not-agreed');
      else if (field === 'response') add('Official response to', `${letter}${i + 1}`, `${letter}${i + 1}`);
      else add(sub === 'agreed' ? 'Agreed recommendation' : 'Not agreed', `${letter}${i + 1}`, `${letter}${i + 1}`);
    } else if (top === 'recommendations') add('', 'Agreed recommendations', 'agreed');
    else if (top === 'participation') add('', 'Participation', 'participation');
    else if (top === 'agenda') add('', 'Agenda as it ran', 'agenda');
    else if (top === 'session') add('', 'Session', 'session');
    else if (top === 'questions') add('', 'Questions', 'questions');
    else if (top === 'rooms') add('', 'Rooms', 'rooms');
    else if (top === 'publications') add('', 'Integrity', 'integrity');
    else add('', ref, null);
  }
  return groups;
}

// ---------------------------------------------------------------------------------------
// Layout

type Pages = ReadonlyMap<string, number>;

class Brief {
  readonly doc: PDFKit.PDFDocument;
  /** Page number (1-based) of every named destination, for the summary's "p. N" references. */
  readonly anchors = new Map<string, number>();
  private legendDrawn = false;

  constructor(
    private readonly d: OutcomeDocument,
    private readonly knownPages: Pages,
  ) {
    const { data } = fontAssets();
    const title = displayText(d.outcome.session.title);
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
      bufferPages: true,
      autoFirstPage: true,
      displayTitle: true,
      lang: 'en',
      // The export carries no wall-clock time of its own, so neither does its rendering:
      // the same export always yields the same bytes (pdfkit derives the file ID from this too).
      info: {
        Title: `${title} — outcome brief`,
        Subject: `Outcome of the session “${displayText(d.outcome.session.question)}”`,
        Creator: 'townhall',
        Producer: 'townhall (PDFKit)',
        CreationDate: new Date(d.generatedAt),
        ModDate: new Date(d.generatedAt),
      },
    });
    for (const name of Object.keys(FONT_FILES) as FontName[]) this.doc.registerFont(name, data[name]);
    this.doc.font('sans');
  }

  // --- primitives ----------------------------------------------------------------------

  get left(): number {
    return this.doc.page.margins.left;
  }
  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }
  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }
  get pageIndex(): number {
    return this.doc.bufferedPageRange().count - 1;
  }

  private use(style: Style): void {
    this.doc.font(style.font).fontSize(style.size).fillColor(style.color);
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  gap(points: number): void {
    // A gap at the foot of a page is pointless, and carried over it would indent the next page's top.
    if (this.doc.y + points < this.bottom) this.doc.y += points;
  }

  measure(text: string, style: Style, width = this.width): number {
    this.use(style);
    return this.doc.heightOfString(drawable(text, style.font), { width, lineGap: style.lineGap ?? 0 });
  }

  text(text: string, style: Style, opts: { x?: number; width?: number; align?: 'left' | 'right' | 'center'; goTo?: string } = {}): void {
    this.use(style);
    const x = opts.x ?? this.left;
    this.doc.text(drawable(text, style.font), x, this.doc.y, {
      width: opts.width ?? this.left + this.width - x,
      lineGap: style.lineGap ?? 0,
      align: opts.align ?? 'left',
      ...(opts.goTo ? { goTo: opts.goTo } : {}),
    });
  }

  /** A run of differently styled pieces wrapped as one paragraph. */
  runs(pieces: readonly { text: string; style: Style; goTo?: string | null }[], opts: { x?: number; width?: number } = {}): void {
    const x = opts.x ?? this.left;
    const width = opts.width ?? this.left + this.width - x;
    // An empty piece would end a continued run without flushing its last line.
    pieces.filter((p) => p.text.length > 0).forEach((p, i, pieces) => {
      this.use(p.style);
      const first = i === 0;
      const options: PDFKit.Mixins.TextOptions = {
        continued: i < pieces.length - 1,
        lineGap: p.style.lineGap ?? 0,
        // pdfkit carries a continued run's options into the next piece unless they are
        // overridden; an explicit null keeps one linked piece from linking all that follow.
        goTo: (p.goTo ?? null) as string | undefined,
      };
      if (first) this.doc.text(drawable(p.text, p.style.font), x, this.doc.y, { ...options, width });
      else this.doc.text(drawable(p.text, p.style.font), options);
    });
  }

  runsHeight(pieces: readonly { text: string; style: Style }[], width = this.width): number {
    // Measured in the widest style of the run: slightly generous, which only errs towards a page break.
    const style = pieces.reduce((a, p) => (p.style.size > a.size ? p.style : a), pieces[0]!.style);
    return this.measure(pieces.map((p) => p.text).join(''), { ...style, font: pieces.some((p) => p.style.font === 'bold') ? 'bold' : style.font }, width);
  }

  /** Truncates to one line of `width`, so labels in charts and footers never wrap into their neighbours. */
  fit(text: string, style: Style, width: number): string {
    this.use(style);
    let chars = Array.from(drawable(text.replace(/\s+/g, ' '), style.font));
    if (this.doc.widthOfString(chars.join('')) <= width) return chars.join('');
    while (chars.length > 0 && this.doc.widthOfString(`${chars.join('')}…`) > width) chars = chars.slice(0, -1);
    return `${chars.join('')}…`;
  }

  /** Draws pre-fitted single-line text at an exact position, leaving the flow position alone. */
  label(fitted: string, style: Style, x: number, y: number, opts: { width?: number; align?: 'left' | 'right' | 'center' } = {}): void {
    const keep = { x: this.doc.x, y: this.doc.y };
    this.use(style);
    this.doc.text(fitted, x, y, { lineBreak: false, width: opts.width, align: opts.align ?? 'left' });
    this.doc.x = keep.x;
    this.doc.y = keep.y;
  }

  anchor(name: string): void {
    // PDF space counts up from the bottom; zoom 0 leaves the reader's zoom alone.
    this.doc.addNamedDestination(name, 'XYZ', this.left, this.doc.page.height - this.doc.y, 0);
    if (!this.anchors.has(name)) this.anchors.set(name, this.pageIndex + 1);
  }

  /** A coloured bar in the left margin beside content that may have flowed over pages. */
  stripe(color: string, from: { page: number; y: number }, x: number, width = 2.5): void {
    const to = { page: this.pageIndex, y: this.doc.y };
    for (let p = from.page; p <= to.page; p++) {
      this.doc.switchToPage(p);
      const y0 = p === from.page ? from.y : this.doc.page.margins.top;
      const y1 = p === to.page ? to.y : this.bottom;
      if (y1 > y0) this.doc.save().rect(x, y0, width, y1 - y0).fill(color).restore();
    }
    this.doc.switchToPage(to.page);
    this.doc.y = to.y;
  }

  section(title: string, dest: string, intro?: string): PDFKit.PDFOutline {
    const introHeight = intro ? this.measure(intro, S.body) + 6 : 0;
    // Keep a section title with at least a few lines of what follows it.
    this.ensure(30 + introHeight + 50);
    if (this.doc.y > this.doc.page.margins.top + 1) this.gap(14);
    this.anchor(dest);
    const item = this.doc.outline.addItem(title);
    this.text(title, S.section);
    const y = this.doc.y + 2;
    this.doc.save().moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(0.75).strokeColor(COLOR.rule).stroke().restore();
    this.doc.y = y + 7;
    if (intro) {
      this.text(intro, S.body);
      this.gap(6);
    }
    return item;
  }

  pageRef(dest: string | null): string {
    const page = dest ? this.knownPages.get(dest) : undefined;
    return page === undefined ? '' : ` (p. ${page})`;
  }

  // --- page 1 ----------------------------------------------------------------------------

  summaryPage(): void {
    const o = this.d.outcome;
    this.doc.outline.addItem('Summary');
    this.anchor('summary');
    this.text(o.session.title, S.title);
    this.gap(2);
    const generated = longDate.format(new Date(this.d.generatedAt));
    this.text(`Outcome brief · ${generated} · record up to ${dateTime(this.d.generatedAt)}`, { ...S.body, color: COLOR.muted });
    this.gap(12);
    this.keyFigures();
    this.gap(14);

    const claimPieces = (claim: Outcome['summary'][number], size: number) => {
      const emphasis = claim.kind === 'agreed';
      const main: Style = { font: emphasis ? 'bold' : 'sans', size, color: COLOR.ink, lineGap: 1.5 };
      const small: Style = { font: 'sans', size: Math.max(7, size - 2), color: COLOR.muted, lineGap: 1 };
      const refs: { text: string; style: Style; goTo?: string | null }[] = [{ text: 'see ', style: small }];
      refGroups(claim.refs).forEach((g, gi) => {
        if (gi > 0) refs.push({ text: '; ', style: small });
        if (g.prefix) refs.push({ text: `${g.prefix} `, style: small });
        g.items.forEach((item, ii) => {
          if (ii > 0) refs.push({ text: ', ', style: small });
          refs.push({ text: `${item.text}${this.pageRef(item.dest)}`, style: { ...small, color: COLOR.heading }, goTo: item.dest });
        });
      });
      return { main, small, refs, emphasis };
    };

    // Page 1 is the page that gets read: shrink the type a little rather than spill over.
    const indent = 10;
    const available = this.bottom - this.doc.y;
    const heightAt = (size: number) =>
      o.summary.reduce((sum, claim) => {
        const p = claimPieces(claim, size);
        return sum + this.measure(claim.text, p.main, this.width - indent) + 1 + this.runsHeight(p.refs, this.width - indent) + size * 0.9;
      }, 0);
    const size = [11, 10.5, 10, 9.5, 9, 8.5, 8].find((s) => heightAt(s) <= available) ?? 8;

    for (const claim of o.summary) {
      const p = claimPieces(claim, size);
      const h = this.measure(claim.text, p.main, this.width - indent) + this.runsHeight(p.refs, this.width - indent);
      this.ensure(Math.min(h, 80));
      const from = { page: this.pageIndex, y: this.doc.y + 1 };
      this.text(claim.text, p.main, { x: this.left + indent });
      this.doc.y += 1;
      this.runs(p.refs, { x: this.left + indent });
      const color = p.emphasis ? COLOR.agreed : claim.kind === 'contested' ? COLOR.contested : COLOR.neutral;
      this.stripe(color, from, this.left, p.emphasis ? 3 : 2);
      this.gap(size * 0.9);
    }
  }

  keyFigures(): void {
    const o = this.d.outcome;
    const p = o.participation;
    const figures: [string, string][] = [
      [String(o.recommendations.agreed.length), 'agreed'],
      [String(o.recommendations.notAgreed.length), 'not agreed'],
      [String(p.citizens), p.citizens === 1 ? 'citizen' : 'citizens'],
      [percent(p.spokeAtLeastOnceShare), 'took the floor'],
      [p.giniSpeakingTime.toFixed(2), 'Gini, speaking time'],
    ];
    const gap = 8;
    const w = (this.width - gap * (figures.length - 1)) / figures.length;
    const y = this.doc.y;
    const h = 40;
    figures.forEach(([value, caption], i) => {
      const x = this.left + i * (w + gap);
      this.doc.save().roundedRect(x, y, w, h, 3).fill(COLOR.zebra).restore();
      this.label(this.fit(value, { ...S.title, size: 16 }, w - 12), { ...S.title, size: 16 }, x + 8, y + 6);
      this.label(this.fit(caption, S.small, w - 12), S.small, x + 8, y + 27);
    });
    this.doc.y = y + h;
  }

  // --- page 2 onwards --------------------------------------------------------------------

  sessionSection(): void {
    const s = this.d.outcome.session;
    this.section('Session', 'session');
    this.keyValues([
      ['Question', s.question, S.body],
      ['Opened', dateTime(s.createdAt), S.body],
      ['Closed', s.closedAt ? dateTime(s.closedAt) : 'still open when this record was taken', S.body],
      ['Speaking order', s.queueRuleDescription, S.body],
      ['Agreement rule', s.agreementRuleDescription, S.body],
    ]);
  }

  keyValues(rows: readonly [string, string, Style][], labelWidth = 100): void {
    const valueX = this.left + labelWidth;
    const valueWidth = this.width - labelWidth;
    for (const [key, value, style] of rows) {
      const h = Math.max(this.measure(key, S.smallBold, labelWidth - 8), this.measure(value, style, valueWidth));
      this.ensure(Math.min(h, 60));
      const y = this.doc.y;
      const keySize = Math.min(S.smallBold.size, style.size);
      // Shift the smaller label down so both columns share a baseline (DejaVu's ascent is about 0.93 em).
      this.doc.y = y + (style.size - keySize) * 0.93;
      this.text(key, { ...S.smallBold, size: keySize }, { x: this.left, width: labelWidth - 8 });
      const afterKey = { page: this.pageIndex, y: this.doc.y };
      this.doc.y = y;
      this.text(value, style, { x: valueX, width: valueWidth });
      if (afterKey.page === this.pageIndex) this.doc.y = Math.max(this.doc.y, afterKey.y);
      this.gap(4);
    }
  }

  legend(): void {
    if (this.legendDrawn) return;
    this.legendDrawn = true;
    this.use(S.small);
    const swatch = 8;
    const rowHeight = 12;
    this.ensure(rowHeight * 2 + 6);
    let x = this.left;
    let y = this.doc.y;
    this.label(this.fit('Ratings, left to right:', S.smallBold, 120), S.smallBold, x, y);
    this.use(S.smallBold);
    x += this.doc.widthOfString('Ratings, left to right:') + 8;
    for (const level of AGREEMENT_LEVELS) {
      this.use(S.small);
      const w = swatch + 4 + this.doc.widthOfString(LEVELS[level].label) + 10;
      if (x + w > this.left + this.width) {
        x = this.left;
        y += rowHeight;
      }
      this.doc.save().rect(x, y + 0.5, swatch, swatch).fill(LEVELS[level].fill).restore();
      this.label(LEVELS[level].label, S.small, x + swatch + 4, y);
      x += w;
    }
    this.doc.y = y + rowHeight + 6;
  }

  /** Six agreement levels as one stacked bar, with the rule's threshold marked. */
  supportBar(r: Agreed | NotAgreed): void {
    const h = 13;
    const below = 11;
    this.ensure(h + below + 4);
    const x0 = this.left;
    const w = this.width;
    const y = this.doc.y + 2;
    const total = AGREEMENT_LEVELS.reduce((a, l) => a + r.support.counts[l], 0);
    if (total === 0) {
      this.doc.save().rect(x0, y, w, h).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
      this.label('no ratings', S.small, x0, y + 3, { width: w, align: 'center' });
    } else {
      let x = x0;
      for (const level of AGREEMENT_LEVELS) {
        const n = r.support.counts[level];
        if (n === 0) continue;
        const sw = (n / total) * w;
        this.doc.save().rect(x, y, sw, h).fill(LEVELS[level].fill).restore();
        this.use(S.smallBold);
        if (this.doc.widthOfString(String(n)) + 4 <= sw) {
          this.label(String(n), { ...S.smallBold, color: LEVELS[level].ink }, x, y + 2.5, { width: sw, align: 'center' });
        }
        x += sw;
      }
    }
    // Supportive levels come first, so the bar's supportive part reaching the mark is the rule being met.
    const tx = x0 + r.rule.minShare * w;
    this.doc.save().moveTo(tx, y - 2).lineTo(tx, y + h + 2).lineWidth(1).strokeColor(COLOR.ink).stroke().restore();
    const note = `${percent(r.rule.minShare)} needed in the top ${plural(r.rule.topLevels, 'level')}`;
    this.use(S.small);
    const nw = this.doc.widthOfString(note);
    const nx = Math.min(Math.max(tx - nw / 2, x0), x0 + w - nw);
    this.label(note, S.small, nx, y + h + 2.5);
    this.doc.y = y + h + below + 2;
  }

  supportLine(r: Agreed | NotAgreed): string {
    const s = r.support;
    return `${percent(s.supportShare)} support · ${plural(s.total, 'rating')} · ${plural(s.blocks, 'block')}`;
  }

  recommendation(r: Agreed | NotAgreed, id: string, parent: PDFKit.PDFOutline, extra: { meta: string; warning?: string; response?: Agreed['response'] }): void {
    const heading = `${id}. ${r.title}`;
    const headHeight = this.measure(heading, S.heading) + this.measure(extra.meta, S.small);
    const bodyHeight = this.measure(r.body, S.body);
    const firstLines = Math.min(bodyHeight, 40);
    // The whole recommendation on one page when it can be; otherwise at least its heading with the start of its text.
    const estimate = headHeight + bodyHeight + this.measure(`Why: ${r.rationale}`, S.body) + 90 + (extra.response ? 60 : 0);
    if (estimate < this.bottom - this.doc.page.margins.top) this.ensure(estimate);
    else this.ensure(headHeight + firstLines + 10);

    this.anchor(id);
    parent.addItem(displayText(`${id}. ${r.title}`));
    this.text(heading, S.heading);
    this.gap(1);
    this.text(extra.meta, S.small);
    if (extra.warning) {
      this.gap(2);
      this.text(extra.warning, { ...S.smallBold, color: COLOR.warn });
    }
    this.gap(4);
    this.text(r.body, S.body);
    this.gap(3);
    this.runs([
      { text: 'Why: ', style: S.strong },
      { text: r.rationale, style: S.body },
    ]);
    this.gap(5);
    this.ensure(12 + 30);
    this.text(this.supportLine(r), S.strong);
    this.gap(1);
    this.supportBar(r);
    this.text(`Text SHA-256: ${r.textHash}`, S.mono);

    if (r.minorityNotes.length > 0) {
      this.gap(5);
      this.ensure(30);
      this.text(`Minority ${r.minorityNotes.length === 1 ? 'note' : 'notes'}`, S.smallBold);
      this.gap(1);
      for (const note of r.minorityNotes) {
        this.ensure(14);
        this.runs(
          [
            { text: `${LEVELS[note.level].label}: `, style: { ...S.strong, size: 8.5 } },
            { text: note.reason, style: { ...S.body, size: 8.5 } },
          ],
          { x: this.left + 8 },
        );
        this.gap(2);
      }
    }
    if (extra.response !== undefined) this.response(extra.response);
    this.gap(16);
  }

  response(resp: Agreed['response']): void {
    this.gap(6);
    const indent = 10;
    const x = this.left + indent;
    if (!resp) {
      this.ensure(14);
      this.text('No official response yet.', { ...S.smallBold, color: COLOR.muted });
      return;
    }
    this.ensure(50);
    const from = { page: this.pageIndex, y: this.doc.y };
    const status = STATUS[resp.status];
    this.runs(
      [
        { text: 'Official response: ', style: S.strong },
        { text: status.label, style: { ...S.strong, color: status.color } },
      ],
      { x },
    );
    this.text(this.answerMeta(resp), S.small, { x });
    if (resp.reason) {
      this.gap(2);
      this.text(resp.reason, S.body, { x });
    }
    if (resp.progress.length > 0) {
      this.gap(4);
      this.ensure(24);
      this.text('Progress', S.smallBold, { x });
      for (const p of resp.progress) {
        this.ensure(12);
        this.runs(
          [
            { text: `${dateTime(p.at)}, ${p.by}: `, style: { ...S.small, size: 8.5, color: COLOR.muted } },
            { text: p.text, style: { ...S.body, size: 8.5 } },
          ],
          { x: x + 6 },
        );
        this.gap(1.5);
      }
    }
    if (resp.history.length > 0) {
      this.gap(4);
      this.ensure(24);
      this.text(resp.history.length === 1 ? 'Earlier answer' : 'Earlier answers', S.smallBold, { x });
      for (const h of resp.history) {
        this.ensure(12);
        this.runs(
          [
            { text: `${STATUS[h.status].label}`, style: { ...S.strong, size: 8.5, color: STATUS[h.status].color } },
            { text: ` — ${this.answerMeta(h)}${h.reason ? ': ' : ''}`, style: { ...S.small, size: 8.5, color: COLOR.muted } },
            { text: h.reason ?? '', style: { ...S.body, size: 8.5 } },
          ],
          { x: x + 6 },
        );
        this.gap(1.5);
      }
    }
    this.stripe(status.color, from, this.left + 1, 2);
  }

  answerMeta(a: Answer): string {
    return `answered ${dateTime(a.answeredAt)} by ${a.answeredBy}${a.dueDate ? ` · due ${a.dueDate}` : ''}`;
  }

  agreedSection(): void {
    const list = this.d.outcome.recommendations.agreed;
    const item = this.section(
      'Agreed recommendations',
      'agreed',
      list.length === 0 ? 'No recommendation reached agreement.' : `${plural(list.length, 'recommendation')} reached agreement, in the order they were locked.`,
    );
    if (list.length > 0) this.legend();
    list.forEach((r, i) =>
      this.recommendation(r, `A${i + 1}`, item, {
        meta: `Room: ${r.roomName} · agreed and locked ${dateTime(r.lockedAt)}`,
        response: r.response,
      }),
    );
  }

  notAgreedSection(): void {
    const list = this.d.outcome.recommendations.notAgreed;
    const item = this.section(
      'Not agreed',
      'not-agreed',
      list.length === 0 ? 'None: no recommendation put to a vote failed to reach agreement.' : 'Recommendations put to a vote that did not reach agreement, each with the last round that judged it.',
    );
    if (list.length > 0) this.legend();
    list.forEach((r, i) =>
      this.recommendation(r, `N${i + 1}`, item, {
        meta: `Room: ${r.roomName} · vote closed ${dateTime(r.closedAt)}`,
        ...(r.textChanged ? { warning: 'Text changed after the vote opened: the ratings were given to an earlier text.' } : {}),
      }),
    );
  }

  table(columns: readonly { header: string; width: number; align?: 'left' | 'right' }[], rows: readonly { cells: string[]; colors?: (string | undefined)[] }[]): void {
    const pad = 4;
    const fixed = columns.reduce((a, c) => a + c.width, 0);
    const flex = columns.filter((c) => c.width === 0).length;
    const widths = columns.map((c) => (c.width === 0 ? (this.width - fixed) / flex : c.width));
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
    const header = () => {
      const y = this.doc.y;
      const h = Math.max(...columns.map((c, i) => this.measure(c.header, S.cellHead, widths[i]! - 2 * pad))) + 2 * pad;
      columns.forEach((c, i) => {
        this.doc.y = y + pad;
        this.text(c.header, S.cellHead, { x: xs[i]! + pad, width: widths[i]! - 2 * pad, align: c.align ?? 'left' });
      });
      this.doc.save().moveTo(this.left, y + h).lineTo(this.left + this.width, y + h).lineWidth(0.75).strokeColor(COLOR.rule).stroke().restore();
      this.doc.y = y + h;
    };
    this.ensure(40);
    header();
    rows.forEach((row, r) => {
      const h = Math.max(...row.cells.map((c, i) => this.measure(c, S.cell, widths[i]! - 2 * pad))) + 2 * pad;
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        header();
      }
      const y = this.doc.y;
      if (r % 2 === 1) this.doc.save().rect(this.left, y, this.width, h).fill(COLOR.zebra).restore();
      row.cells.forEach((cell, i) => {
        this.doc.y = y + pad;
        this.text(cell, { ...S.cell, color: row.colors?.[i] ?? S.cell.color }, { x: xs[i]! + pad, width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left' });
      });
      this.doc.y = y + h;
    });
  }

  agendaSection(): void {
    const agenda = this.d.outcome.agenda;
    this.section('Agenda as it ran', 'agenda');
    if (agenda.length === 0) {
      this.text('The session had no agenda.', S.body);
      return;
    }
    this.table(
      [
        { header: 'Item', width: 0 },
        { header: 'Planned (min)', width: 78, align: 'right' },
        { header: 'Actual (min)', width: 70, align: 'right' },
        { header: 'Overran', width: 52 },
        { header: 'Status', width: 64 },
      ],
      agenda.map((a) => ({
        cells: [
          a.title,
          a.extendedMinutes > 0 ? `${a.plannedMinutes} (+${a.extendedMinutes})` : String(a.plannedMinutes),
          a.actualMinutes === null ? '—' : minutes(a.actualMinutes),
          a.overran ? 'yes' : 'no',
          AGENDA_STATUS[a.status],
        ],
        colors: [undefined, undefined, undefined, a.overran ? COLOR.warn : undefined, undefined],
      })),
    );
    const planned = agenda.reduce((s, a) => s + a.plannedMinutes, 0);
    const extended = agenda.reduce((s, a) => s + a.extendedMinutes, 0);
    const actual = agenda.reduce((s, a) => s + (a.actualMinutes ?? 0), 0);
    this.gap(4);
    this.text(
      `Planned ${planned} min${extended ? ` (+${extended} by extensions)` : ''}; items that ran took ${minutes(Math.round(actual * 10) / 10)} min. ${plural(agenda.filter((a) => a.overran).length, 'item')} overran.`,
      S.small,
    );
  }

  participationSection(): void {
    const p = this.d.outcome.participation;
    this.section('Participation and equity', 'participation');
    this.keyValues([
      ['Citizens', String(p.citizens), S.body],
      ['Spoke at least once', `${p.spokeAtLeastOnce} (${percent(p.spokeAtLeastOnceShare)})`, S.body],
      ['Turns', String(p.turns), S.body],
      ['Total speaking time', `${minutesAndSeconds(p.totalSpeakingSeconds)} (m:ss)`, S.body],
      ['Gini, speaking time', `${p.giniSpeakingTime.toFixed(2)} — 0 means everyone spoke equally long, 1 that one person did all the speaking`, S.body],
    ]);
    if (p.people.length === 0) return;
    const people = p.people.map((person, i) => ({ ...person, i })).sort((a, b) => b.speakingSeconds - a.speakingSeconds || a.i - b.i);
    const shown = people.slice(0, MAX_CHART_ROWS);
    const max = Math.max(0, ...shown.map((x) => x.speakingSeconds));
    const labelWidth = 110;
    const valueWidth = 60;
    const barX = this.left + labelWidth + 6;
    const barMax = this.width - labelWidth - 6 - valueWidth;
    const rowHeight = 12;

    this.gap(8);
    // A chart is read as a whole: move it to the next page rather than cut it, since even the full 40 rows fit on one.
    this.ensure(20 + shown.length * rowHeight);
    this.text('Speaking time per citizen', S.strong);
    this.gap(4);
    for (const person of shown) {
      this.ensure(rowHeight);
      const y = this.doc.y;
      this.label(this.fit(person.pseudonym, S.small, labelWidth), { ...S.small, color: COLOR.ink }, this.left, y + 1.5, { width: labelWidth, align: 'right' });
      const w = max > 0 ? (person.speakingSeconds / max) * barMax : 0;
      if (w > 0) this.doc.save().rect(barX, y + 2, w, rowHeight - 4).fill(COLOR.bar).restore();
      else this.doc.save().moveTo(barX, y + 2).lineTo(barX, y + rowHeight - 2).lineWidth(0.5).strokeColor(COLOR.faint).stroke().restore();
      this.label(`${minutesAndSeconds(person.speakingSeconds)} · ${plural(person.turns, 'turn')}`, S.small, barX + w + 4, y + 1.5);
      this.doc.y = y + rowHeight;
    }
    if (people.length > shown.length) {
      const rest = people.slice(shown.length);
      this.gap(3);
      this.text(
        `…and ${plural(rest.length, 'more citizen')}, together ${minutesAndSeconds(rest.reduce((a, x) => a + x.speakingSeconds, 0))} of speaking time (the ${shown.length} who spoke longest are shown).`,
        S.small,
      );
    }
  }

  /** Each round that ended, what it decided, and the facilitator's statement of what the room decided. */
  roundsSection(): void {
    const o = this.d.outcome;
    this.section(
      'Rounds and what the rooms decided',
      'rounds',
      o.rounds.length === 0 ? 'No round has ended.' : 'Every agreement round that ended, with what was withdrawn or cancelled and the facilitator’s statement.',
    );
    const label = (kind: 'agreed' | 'notAgreed', roomId: string, id: string) => {
      const i = o.recommendations[kind].findIndex((r) => r.roomId === roomId && r.id === id);
      return i < 0 ? id : `${kind === 'agreed' ? 'A' : 'N'}${i + 1}`;
    };
    o.rounds.forEach((r, i) => {
      const what = r.cancelled
        ? 'Cancelled: it decided nothing.'
        : `Agreed: ${r.agreed.map((id) => label('agreed', r.roomId, id)).join(', ') || 'none'} · not agreed: ${r.notAgreed.map((id) => label('notAgreed', r.roomId, id)).join(', ') || 'none'}` +
          (r.withdrawn.length ? ` · withdrawn while open: ${r.withdrawn.join(', ')}` : '');
      this.ensure(60);
      this.text(`Round ${i + 1} · ${r.roomName} · closed ${dateTime(r.closedAt)}`, S.strong);
      this.text(what, S.body);
      if (r.statement) {
        this.text(r.statement.text, S.body, { x: this.left + 12, width: this.width - 12 });
        this.text(`Statement by the facilitator, ${dateTime(r.statement.at)}`, S.small);
      }
      this.gap(6);
    });
  }

  questionsSection(): void {
    const q = this.d.outcome.questions;
    this.section('Questions', 'questions', `${plural(q.asked, 'question was', 'questions were')} asked; ${q.answered} answered.`);
    if (q.top.length === 0) return;
    this.text('Most upvoted', S.strong);
    this.gap(3);
    const roomName = new Map(this.d.outcome.rooms.map((r) => [r.id, r.name]));
    q.top.forEach((question, i) => {
      const meta = `▲ ${plural(question.upvotes, 'upvote')} · ${question.answered ? 'answered' : 'not answered'} · Room: ${roomName.get(question.roomId) ?? question.roomId}`;
      this.ensure(Math.min(this.measure(question.text, S.body, this.width - 16) + 12, 60));
      const y = this.doc.y;
      this.label(`${i + 1}.`, S.strong, this.left, y);
      this.doc.y = y;
      this.text(question.text, S.body, { x: this.left + 16 });
      this.text(meta, { ...S.small, color: question.answered ? COLOR.agreed : COLOR.muted }, { x: this.left + 16 });
      this.gap(5);
    });
  }

  roomsSection(): void {
    const o = this.d.outcome;
    this.section('Rooms', 'rooms');
    if (o.rooms.length === 0) {
      this.text('No rooms were recorded.', S.body);
      return;
    }
    const labels = new Map<string, string>();
    o.recommendations.agreed.forEach((r, i) => labels.set(`${r.roomId}\n${r.id}`, `A${i + 1}`));
    o.recommendations.notAgreed.forEach((r, i) => labels.set(`${r.roomId}\n${r.id}`, `N${i + 1}`));
    const ids = (roomId: string, list: string[]) => (list.length ? list.map((id) => labels.get(`${roomId}\n${id}`) ?? id).join(', ') : '—');
    this.table(
      [
        { header: 'Room', width: 0 },
        { header: 'Kind', width: 52 },
        { header: 'Turns', width: 38, align: 'right' },
        { header: 'Speaking', width: 50, align: 'right' },
        { header: 'Questions', width: 54, align: 'right' },
        { header: 'Agreed', width: 62 },
        { header: 'Not agreed', width: 62 },
      ],
      o.rooms.map((r) => ({
        cells: [r.name, r.kind, String(r.turns), minutesAndSeconds(r.speakingSeconds), String(r.questionsAsked), ids(r.id, r.agreed), ids(r.id, r.notAgreed)],
      })),
    );
  }
  /** Where copies brought from breakout rooms came from: traceable back to the room and the exact text there. */
  broughtBackSection(): void {
    const list = this.d.outcome.broughtBack;
    if (list.length === 0) return;
    this.gap(8);
    this.text('Brought from breakout rooms', S.strong);
    for (const b of list) {
      this.text(`${b.recommendationId} in ${b.roomId}: from ${b.fromRoomName} (${b.sourceId} there), ${dateTime(b.at)}`, S.body);
      this.text(`Text there, SHA-256: ${b.sourceHash}`, S.small);
    }
  }


  integritySection(): void {
    const d = this.d;
    this.section('Integrity', 'integrity');
    const rows: [string, string, Style][] = [
      ['Session log', d.log.sessionId, S.mono],
      ['Last event', `seq ${d.log.seq}`, S.mono],
      ['Head hash', d.log.head, S.mono],
      ['Signature', d.signature.algorithm, S.mono],
      ['Key ID', d.signature.keyId, S.mono],
      ['Public key', d.signature.publicKey, S.mono],
      ['Signature value', d.signature.value, S.mono],
    ];
    for (const p of d.outcome.publications) rows.push([`Publication ${p.number}`, `${dateTime(p.at)} · seq ${p.headSeq} · head ${shortHash(p.headHash)}`, S.mono]);
    this.keyValues(rows);
    this.gap(8);
    const how: { text: string; style: Style }[] = [
      {
        text:
          'This brief renders the signed JSON export, which is the authoritative record. To check that export against the event log, run ',
        style: S.body,
      },
      { text: 'npx townhall verify <export.json> --log <log.jsonl>', style: { ...S.mono, size: 8.5, color: COLOR.ink } },
      {
        text:
          ': it checks the signature and the hashes of the recommendation texts, then the log\'s hash chain up to the head above, and that replaying the log yields exactly this outcome. Trust the public key only if it matches the one the server publishes at ',
        style: S.body,
      },
      { text: '/.well-known/townhall-signing-key', style: { ...S.mono, size: 8.5, color: COLOR.ink } },
      {
        text: '. Characters that could hide or reorder text, and characters this font cannot show, are printed here as their code points, e.g. [U+202E].',
        style: S.body,
      },
    ];
    // The instructions are read as one piece: never leave their last lines alone on a page.
    this.ensure(this.runsHeight(how) + 4);
    this.runs(how);
  }

  footers(): void {
    const range = this.doc.bufferedPageRange();
    const title = this.d.outcome.session.title;
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const suffix = ` — outcome brief — page ${i + 1} of ${range.count}`;
      this.use(S.small);
      const room = this.width - this.doc.widthOfString(suffix);
      const line = `${this.fit(title, S.small, room)}${suffix}`;
      // Drawn inside the bottom margin: without lifting the margin pdfkit would treat the footer as overflow and add a page.
      const bottom = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      this.label(line, S.small, this.left, this.doc.page.height - MARGIN + FOOTER_GAP, { width: this.width, align: 'center' });
      this.doc.page.margins.bottom = bottom;
    }
  }

  render(): void {
    this.summaryPage();
    this.doc.addPage();
    this.sessionSection();
    this.agreedSection();
    this.notAgreedSection();
    this.roundsSection();
    this.agendaSection();
    this.participationSection();
    this.questionsSection();
    this.roomsSection();
    this.broughtBackSection();
    this.integritySection();
    this.footers();
  }
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

function samePages(a: Pages, b: Pages): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

export async function renderPdf(doc: OutcomeDocument): Promise<Buffer> {
  // The summary cites page numbers that are known only once the later pages are laid out;
  // lay out again with them until they stop moving (in practice the second pass).
  let brief = new Brief(doc, new Map());
  brief.render();
  for (let pass = 1; pass < 3; pass++) {
    const pages = brief.anchors;
    brief = new Brief(doc, pages);
    brief.render();
    if (samePages(brief.anchors, pages)) break;
  }
  return collect(brief.doc);
}
