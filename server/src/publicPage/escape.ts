/**
 * Escaping for the public page (HTML) and its feed (XML). Written here rather than taken
 * from a package: the only escaper in node_modules (escape-html) is a transitive
 * dependency we do not declare, and XML needs one step HTML does not: characters XML 1.0
 * forbids outright (most controls, lone surrogates, U+FFFE/U+FFFF) make a feed reader
 * reject the whole document, so they are dropped rather than escaped.
 */
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values alike: quotes are escaped too, so one function serves both. */
export function escapeHtml(text: string): string {
  return text.replace(SPECIAL, (c) => ENTITY[c]!);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing the characters XML forbids is the point.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return escapeHtml(text.replace(NOT_XML, ''));
}
