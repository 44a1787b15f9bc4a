import { Router, type Request, type Response } from 'express';
import { idSchema, type OutcomeDocument } from '../../../shared/src/index.js';
import { SIGNING_KEY_PATH } from '../outcome/SigningKey.js';
import type { OutcomeService } from '../outcome/OutcomeService.js';
import { html, trustedHtml } from '../publicPage/html.js';
import { languageOf } from '../publicPage/language.js';
import { PublicRecordCache } from '../publicPage/PublicRecordCache.js';
import { renderFeed } from '../publicPage/renderFeed.js';
import { renderPage } from '../publicPage/renderPage.js';
import { PAGE_CSS, PAGE_CSS_HASH } from '../publicPage/styles.js';
import { PAGE_STRINGS, type PageLanguage } from '../publicPage/strings.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';

export interface PublicPageApiOptions {
  registry: SessionRegistry;
  outcomes: OutcomeService;
  /** TOWNHALL_PUBLIC_URL: the base of every absolute link, and the feed's tag authority. */
  publicUrl: string | null;
}

/** Short: an answer given now reaches readers within a minute, a withdrawn page leaves shared caches as fast. */
const CACHE = 'public, max-age=60';

/** No script at all, and no style but the page's own. */
const PAGE_CSP = `default-src 'none'; style-src ${PAGE_CSS_HASH}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`;

/**
 * The public accountability page of a session and its two machine-readable twins, with no
 * login. Only a published page exists: an unknown session, one never published and one
 * withdrawn answer the very same 404, so nobody can probe which sessions exist. Any node
 * of a cluster serves them (the registry follows every session).
 */
export function publicPageApi(opts: PublicPageApiOptions): Router {
  const router = Router();
  const records = new PublicRecordCache(opts.outcomes);

  const base = (req: Request) => opts.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;

  /** The signed record of a published page, or null: the caller answers 404 whatever the reason. */
  const publishedRecord = async (id: unknown): Promise<OutcomeDocument | null> => {
    const parsed = idSchema.safeParse(id);
    if (!parsed.success) return null;
    const host = await opts.registry.find(parsed.data);
    if (!host?.state.publicPage.published) return null;
    const record = await records.of(host);
    // The state the record was made from decides: the page may have been withdrawn meanwhile.
    return record.published ? record.doc : null;
  };

  const common = (res: Response, etag: string) => {
    res.setHeader('cache-control', CACHE);
    res.setHeader('etag', etag);
    // Open data: scripts on a newspaper's or a council's site may read it.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
  };

  const notFoundPage = (res: Response, lang: PageLanguage) => {
    const t = PAGE_STRINGS[lang];
    res.status(404).setHeader('cache-control', 'no-store');
    res.setHeader('content-security-policy', PAGE_CSP);
    res.type('html').send(
      html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t.notFoundTitle}</title><style>${trustedHtml(PAGE_CSS)}</style></head>
<body><main class="wrap"><h1>${t.notFoundTitle}</h1><p>${t.notFoundText}</p></main></body></html>
`.value,
    );
  };

  const notFound = (res: Response) => {
    res.status(404).setHeader('cache-control', 'no-store');
    res.json({ error: { code: 'NOT_FOUND', message: 'There is no public page here.' } });
  };

  router.get('/p/:id', async (req, res) => {
    const lang = languageOf(req);
    const doc = await publishedRecord(req.params.id);
    if (!doc) return notFoundPage(res, lang);
    const origin = base(req);
    const page = `${origin}/p/${doc.log.sessionId}`;
    // Everything on the page is in the log, the overdue flags too (the server's clock logs them): the head is the version.
    common(res, `"${doc.log.seq}-${doc.log.head.slice(0, 16)}-${lang}"`);
    res.setHeader('vary', 'Accept-Language');
    res.setHeader('content-language', lang);
    res.setHeader('content-security-policy', PAGE_CSP);
    res.type('html').send(
      renderPage({
        doc,
        lang,
        links: {
          origin,
          json: `${page}/outcome.json`,
          feed: `${page}/feed.atom?lang=${lang}`,
          key: `${origin}${SIGNING_KEY_PATH}`,
          otherLanguage: `${page}?lang=${lang === 'en' ? 'de' : 'en'}`,
        },
      }),
    );
  });

  router.get('/p/:id/outcome.json', async (req, res) => {
    const doc = await publishedRecord(req.params.id);
    if (!doc) return notFound(res);
    common(res, `"${doc.log.seq}-${doc.log.head.slice(0, 16)}"`);
    res.type('application/json');
    res.setHeader('content-disposition', `attachment; filename="townhall-${doc.log.sessionId}-${doc.log.seq}-outcome.json"`);
    res.setHeader('x-townhall-log-head', `${doc.log.seq}:${doc.log.head}`);
    res.send(`${JSON.stringify(doc, null, 2)}\n`);
  });

  router.get('/p/:id/feed.atom', async (req, res) => {
    const doc = await publishedRecord(req.params.id);
    if (!doc) return notFound(res);
    const lang = languageOf(req);
    const origin = base(req);
    const page = `${origin}/p/${doc.log.sessionId}`;
    common(res, `"${doc.log.seq}-${doc.log.head.slice(0, 16)}-${lang}"`);
    res.setHeader('vary', 'Accept-Language');
    res.type('application/atom+xml; charset=utf-8');
    res.send(renderFeed({ doc, lang, authority: new URL(origin).hostname, pageUrl: `${page}?lang=${lang}`, feedUrl: `${page}/feed.atom?lang=${lang}` }));
  });

  return router;
}
