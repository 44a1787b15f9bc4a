import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The client bench's baseline: the join page as plain HTML, no JavaScript at all, with
 * the same text, the same form (label, hint, name field, button) and the app's own
 * stylesheet. It is the floor for this network: what any join page costs before a line
 * of script. (It cannot do what the real page does without script: the invitation sits
 * in the URL's fragment, which browsers never send, so a server could not check it and
 * fill in the session's title; here the title is written in.)
 *
 * Writes index.html and assets/app.css into `dir`, the folder bench/client/static-server.ts serves.
 */
export function writeBaselinePage(dir: string, opts: { clientDist: string; title: string; question: string }): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  const css = readdirSync(join(opts.clientDist, 'assets')).find((f) => f.endsWith('.css'));
  if (!css) throw new Error(`no stylesheet in ${opts.clientDist}/assets`);
  copyFileSync(join(opts.clientDist, 'assets', css), join(dir, 'assets', 'app.css'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light" />
    <title>${escapeHtml(opts.title)} – Townhall</title>
    <link rel="stylesheet" href="/assets/app.css" />
  </head>
  <body>
    <div id="root">
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="topbar"><span class="brand">Townhall</span></header>
      <main id="main" tabindex="-1">
        <div class="page narrow">
          <h1 tabindex="-1">${escapeHtml(opts.title)}</h1>
          <p class="lead">You are invited to take part as citizen.</p>
          <section class="panel intro" aria-labelledby="join-question">
            <h2 id="join-question">The question for this town hall</h2>
            <p class="session-question">${escapeHtml(opts.question)}</p>
          </section>
          <form class="join-form" method="post" action="/join">
            <label for="name">Your display name</label>
            <p id="name-hint" class="hint">Other participants will see this name. A first name or a pseudonym is fine.</p>
            <input id="name" type="text" name="displayName" autocomplete="nickname" maxlength="80" required dir="auto" aria-describedby="name-hint" />
            <button type="submit" class="primary">Join the town hall</button>
          </form>
        </div>
      </main>
    </div>
  </body>
</html>
`,
  );
}
