import { drawable } from './fonts.js';
import { COLOR, type Style } from './theme.js';

/** Page number (1-based) of each named destination. */
export type PageNumbers = ReadonlyMap<string, number>;

/** One differently styled piece of a paragraph; `goTo` links it to a named destination. */
export interface Run {
  text: string;
  style: Style;
  goTo?: string | null;
}

/** Flowing text, measuring and page breaks on one PDF document. */
export class Layout {
  /** Page number (1-based) of every named destination, for the summary's "p. N" references. */
  readonly anchors = new Map<string, number>();

  constructor(
    readonly doc: PDFKit.PDFDocument,
    private readonly knownPages: PageNumbers,
  ) {}

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

  use(style: Style): void {
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
  runs(pieces: readonly Run[], opts: { x?: number; width?: number } = {}): void {
    const x = opts.x ?? this.left;
    const width = opts.width ?? this.left + this.width - x;
    // An empty piece would end a continued run without flushing its last line.
    pieces
      .filter((p) => p.text.length > 0)
      .forEach((p, i, pieces) => {
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

  runsHeight(pieces: readonly Run[], width = this.width): number {
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

  /** " (p. N)" where `dest` landed in the previous pass; nothing while that is not yet known. */
  pageRef(dest: string | null): string {
    const page = dest ? this.knownPages.get(dest) : undefined;
    return page === undefined ? '' : ` (p. ${page})`;
  }

  /** A coloured bar in the left margin beside content that may have flowed over pages. */
  stripe(color: string, from: { page: number; y: number }, x: number, width = 2.5): void {
    const to = { page: this.pageIndex, y: this.doc.y };
    for (let p = from.page; p <= to.page; p++) {
      this.doc.switchToPage(p);
      const y0 = p === from.page ? from.y : this.doc.page.margins.top;
      const y1 = p === to.page ? to.y : this.bottom;
      if (y1 > y0)
        this.doc
          .save()
          .rect(x, y0, width, y1 - y0)
          .fill(color)
          .restore();
    }
    this.doc.switchToPage(to.page);
    this.doc.y = to.y;
  }

  /** A full-width hairline at `y`, under headings and table headers. */
  rule(y: number): void {
    this.doc
      .save()
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(0.75)
      .strokeColor(COLOR.rule)
      .stroke()
      .restore();
  }
}
