import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { codePointLabel, displayText } from '../displayText.js';

const FONT_FILES = {
  sans: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;
export type FontName = keyof typeof FONT_FILES;

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

/** DejaVu embedded under our own names, so any reader shows the same glyphs. */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  const { data } = fontAssets();
  for (const name of Object.keys(FONT_FILES) as FontName[]) doc.registerFont(name, data[name]);
  doc.font('sans');
}

/** Code points that only modify their neighbour: without a glyph they are noise, not content worth labelling. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: it tests one code point at a time (anchored, u flag), so marks and joiners in the class cannot combine.
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
export function drawable(text: string, font: FontName): string {
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
