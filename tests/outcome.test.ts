import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLENARY, canonicalRecommendation, outcomeDocumentSchema, resolvePointer, type OutcomeDocument, type SessionEvent } from '../shared/src/index.js';
import { exportState, signExport, unsignedExport } from '../server/src/outcome/exportDocument.js';
import { outcomeJsonSchema } from '../server/src/outcome/jsonSchema.js';
import { SigningKey } from '../server/src/outcome/SigningKey.js';
import { verifyExport } from '../server/src/outcome/verifyExport.js';
import { openDataReadme } from '../server/src/outcome/formats/csv.js';
import { replay } from '../shared/src/index.js';
import { canonicalJson, sha256Hex } from '../server/src/session/chain.js';
import { api, joinAndConnect } from './helpers/clients.js';
import { artifactsDir } from './helpers/browser.js';
import { must, refused } from './helpers/expect.js';
import { PLANTED, STATEMENT, runScriptedSession, type ScriptedSession } from './helpers/outcome.js';
import { startServer, tempDataDir, type RunningServer } from './helpers/server.js';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const squash = (s: string) => s.replace(/\s+/g, '');

let server: RunningServer;
let s: ScriptedSession;
let official: Awaited<ReturnType<typeof joinAndConnect>>;
let published: OutcomeDocument;
let log: SessionEvent[];
let trustedKey: string;
const work = tempDataDir();

async function download(path: string, token: string) {
  const res = await fetch(`${server.url}/api/sessions/${s.session.sessionId}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  server = await startServer();
  s = await runScriptedSession(server.url);
  // Officials come after the session has closed: that is when there is something to answer.
  official = await joinAndConnect(server.url, s.session, 'official', 'Head of Transport Planning');
  const pub = await must(s.fac.client.send('outcome.publish', {}), 'outcome.publish');
  expect(pub.result).toMatchObject({ number: 1 });
  const res = await download('/outcome.json?publication=1', official.token);
  expect(res.status).toBe(200);
  published = JSON.parse(res.bytes.toString('utf8')) as OutcomeDocument;
  log = await s.log();
  trustedKey = (await api<{ publicKey: string }>(server.url, '/.well-known/townhall-signing-key')).body.publicKey;
  mkdirSync(artifactsDir, { recursive: true });
}, 60_000);

afterAll(async () => {
  official?.client.close();
  s?.close();
  await server?.stop();
});

describe('the outcome of a scripted session', () => {
  test('carries the agreed texts with their hashes, the contested one with its results, and pseudonymised participation', () => {
    const o = outcomeDocumentSchema.parse(published).outcome;
    expect(o.recommendations.agreed.map((r) => r.title)).toEqual(s.agreedTitles);
    expect(o.recommendations.notAgreed.map((r) => r.title)).toEqual([s.notAgreedTitle]);
    for (const r of [...o.recommendations.agreed, ...o.recommendations.notAgreed]) {
      expect(sha256Hex(canonicalRecommendation(r))).toBe(r.textHash);
    }
    // The exact text, bidi override included, is what was voted on and what is hashed.
    expect(o.recommendations.agreed[0]!.body).toContain(PLANTED.rtl);
    const contested = o.recommendations.notAgreed[0]!;
    expect(contested.support).toMatchObject({ total: 3, blocks: 1, counts: { block: 1, 'serious-concerns': 1, 'full-support': 1 } });
    expect(contested.minorityNotes.map((n) => n.reason).sort()).toEqual([PLANTED.formula, PLANTED.sql].sort());
    expect(o.recommendations.agreed[0]!.support.supportShare).toBe(1);
    // The round, and the facilitator's statement of what the room decided (the latest one), under the signature.
    expect(o.rounds).toEqual([
      expect.objectContaining({ id: s.roundId, roomId: 'plenary', cancelled: false, withdrawn: [], statement: expect.objectContaining({ text: STATEMENT.final }) }),
    ]);
    expect(o.rounds[0]!.agreed).toHaveLength(2);
    expect(o.rounds[0]!.notAgreed).toEqual(['rec-shuttle']);

    const p = o.participation;
    expect([p.citizens, p.turns, p.spokeAtLeastOnce]).toEqual([3, 2, 2]);
    expect(p.people.map((x) => x.pseudonym)).toEqual(['Citizen 1', 'Citizen 2', 'Citizen 3']);
    expect(p.people.map((x) => x.turns)).toEqual([1, 1, 0]);
    expect(p.giniSpeakingTime).toBeGreaterThan(0.3);
    expect(p.giniSpeakingTime).toBeLessThan(0.67);
    // No citizen's name appears anywhere in the export.
    const text = JSON.stringify(published);
    for (const c of s.citizens) expect(text).not.toContain(JSON.stringify(c.displayName).slice(1, -1));

    expect(o.agenda.filter((i) => i.startedAt !== null).map((i) => i.id)).toEqual(['item-1', 'item-2']);
    expect(o.questions).toMatchObject({ asked: 2, answered: 1 });
    expect(o.questions.top[0]).toMatchObject({ upvotes: 2, answered: true });
    expect(o.rooms.find((r) => r.id === PLENARY)).toMatchObject({ turns: 2, questionsAsked: 2, agreed: ['rec-square', 'rec-lanes'], notAgreed: ['rec-shuttle'] });
    // Publication 1 is the outcome as it stood just before it was published.
    expect(o.publications).toEqual([]);
  });

  test('the one-page summary is assembled from the data, and every claim points at what it states', () => {
    const { summary } = published.outcome;
    expect(summary.map((c) => c.kind)).toEqual(['question', 'participation', 'equity', 'agreed', 'agreed', 'contested', 'rule', 'responses']);
    for (const claim of summary) {
      for (const ref of claim.refs) expect(resolvePointer(published.outcome, ref), `${claim.kind} cites ${ref}`).not.toBeUndefined();
    }
    const agreed = summary.filter((c) => c.kind === 'agreed');
    expect(agreed.map((c) => c.refs)).toEqual([['/recommendations/agreed/0'], ['/recommendations/agreed/1']]);
    expect(agreed[0]!.text).toContain('100% support from 3 ratings');
    expect(summary.find((c) => c.kind === 'contested')!.text).toContain('1 block');
  });

  test('validates against the published JSON Schema, which is up to date with the code', () => {
    const committed = JSON.parse(readFileSync(join(root, 'docs/outcome.schema.json'), 'utf8'));
    expect(committed, 'docs/outcome.schema.json is stale: run npm run schema').toEqual(outcomeJsonSchema());
    const ajv = new Ajv2020({ strict: false, formats: { 'date-time': true, date: true } });
    const validate = ajv.compile(committed);
    expect(validate(published), JSON.stringify(validate.errors)).toBe(true);
    expect(published.version).toBe(2);
    expect(validate({ ...published, version: 1 })).toBe(false);
    expect(validate({ ...published, extra: true })).toBe(false);
  });

  test('is exported in every format, each labelled and named for download', async () => {
    const formats = [
      ['/outcome.json', 'application/json'],
      ['/outcome.md', 'text/markdown'],
      ['/outcome.pdf', 'application/pdf'],
      ['/outcome/recommendations.csv', 'text/csv'],
      ['/outcome/ratings.csv', 'text/csv'],
      ['/outcome/README.md', 'text/markdown'],
    ] as const;
    const head = `${published.log.seq}:${published.log.head}`;
    for (const [path, type] of formats) {
      const res = await download(`${path}?publication=1`, official.token);
      expect(res.status, path).toBe(200);
      expect(res.type, path).toContain(type);
      // Every file says which export it belongs to: by its name and by the log head it was built from.
      const stem = path.includes('outcome.')
        ? 'outcome'
        : path
            .split('/')
            .pop()!
            .replace(/\.(csv|md)$/, '');
      expect(res.headers.get('content-disposition'), path).toBe(
        `attachment; filename="townhall-${s.session.sessionId}-${published.log.seq}-${stem}.${path.split('.').pop()}"`,
      );
      expect(res.headers.get('x-townhall-log-head'), path).toBe(head);
      if (path.endsWith('README.md')) continue;
      const ext = path.split('.').pop()!;
      writeFileSync(
        join(artifactsDir, `outcome-export.${path.includes('ratings') ? 'ratings.' : path.includes('recommendations') ? 'recommendations.' : ''}${ext}`),
        res.bytes,
      );
    }
    writeFileSync(join(artifactsDir, 'outcome-export.log.jsonl'), `${log.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const readme = await download('/outcome/README.md', official.token);
    expect(readme.bytes.toString('utf8')).toBe(openDataReadme());
    // The README in the repository is the one the server ships.
    expect(readFileSync(join(root, 'docs/OPEN-DATA.md'), 'utf8')).toBe(openDataReadme());
  });

  test('the PDF brief contains every agreed recommendation, its fingerprint and the summary on page 1', async () => {
    const file = join(work, 'brief.pdf');
    writeFileSync(file, (await download('/outcome.pdf?publication=1', official.token)).bytes);
    const all = squash((await run('pdftotext', ['-layout', file, '-'])).stdout);
    for (const r of published.outcome.recommendations.agreed) {
      expect(all).toContain(squash(r.title));
      // Zalgo's stacked marks are thinned in print (the JSON keeps them all): compare the first line.
      expect(all).toContain(squash(r.body.split('\n')[0]!.replace(PLANTED.rtl, '[U+202E]evil.exe[U+202D]txt')));
      expect(all).toContain(r.textHash);
    }
    expect(all).toContain(squash(s.notAgreedTitle));
    const page1 = squash((await run('pdftotext', ['-f', '1', '-l', '1', '-layout', file, '-'])).stdout);
    expect(page1).toContain(squash('The assembly was asked'));
    expect(page1).toContain(squash(`Agreed: “${s.agreedTitles[1]!}”`));
  });

  test('hostile strings come out inert and readable in every format', async () => {
    const md = (await download('/outcome.md?publication=1', official.token)).bytes.toString('utf8');
    for (const raw of ['<script', '<svg', '<img']) expect(md).not.toContain(raw);
    expect(md).toContain("&lt;script&gt;alert\\('x'\\)&lt;/script&gt;");
    expect(md).toContain('\\[U\\+202E\\]');
    expect(md).not.toContain('\u202E');
    expect(md).toContain(PLANTED.longWord.replace(/_/g, '\\_'));
    // The statement of what the room decided, as a quote under its round, its script tag inert.
    expect(md).toContain('## Rounds and what the rooms decided');
    expect(md).toContain('> The room backs a car\\-free square and cycle lanes; the shuttle needs another look\\. &lt;script&gt;');

    const recs = (await download('/outcome/recommendations.csv?publication=1', official.token)).bytes.toString('utf8');
    const ratings = (await download('/outcome/ratings.csv?publication=1', official.token)).bytes.toString('utf8');
    expect(recs.split('\r\n')[0]).toMatch(/^session_id,recommendation_id,room_id,/);
    expect(recs).toContain('[U+202E]');
    expect(recs).not.toContain('\u202E');
    // A reason that starts like a spreadsheet formula stays text.
    expect(ratings).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(ratings).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(ratings).toContain(`'; DROP TABLE events; --`);
    expect(ratings.trim().split('\r\n')).toHaveLength(1 + 9);
    for (const c of s.citizens) expect(ratings).not.toContain(c.displayName);

    const pdfFile = join(work, 'hostile.pdf');
    writeFileSync(pdfFile, (await download('/outcome.pdf?publication=1', official.token)).bytes);
    const pdfText = squash((await run('pdftotext', ['-layout', pdfFile, '-'])).stdout);
    expect(pdfText).toContain(squash(PLANTED.script));
    expect(pdfText).toContain('[U+202E]');
    expect(pdfText).toContain(squash(PLANTED.longWord));

    // JSON: the exact characters, safely escaped by JSON itself; the session title keeps its markup as text.
    expect(published.outcome.session.title).toBe(`${PLANTED.script} Assembly on Getting Around`);
  });
});

describe('verification', () => {
  test('the export as made verifies: signature, trusted key, text hashes, summary, chain and replay', () => {
    const report = verifyExport(published, { trustedPublicKey: trustedKey, log });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['format', true],
      ['signature', true],
      ['signing key', true],
      ['recommendation texts', true],
      ['summary references', true],
      ['log chain', true],
      ['log head', true],
      ['ratings', true],
      ['replay', true],
    ]);
  });

  test('any single edited field of the export is detected', () => {
    const edits: string[] = [];
    const visit = (value: unknown, path: string[]) => {
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
        return;
      }
      edits.push(JSON.stringify(path));
    };
    visit(published, []);
    expect(edits.length).toBeGreaterThan(150);
    const undetected: string[] = [];
    for (const p of edits) {
      const path = JSON.parse(p) as string[];
      const copy = structuredClone(published) as unknown as Record<string, unknown>;
      const parent = path.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
      const key = path.at(-1)!;
      const v = parent[key];
      parent[key] = typeof v === 'string' ? `${v}x` : typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : 'x';
      // Without the trusted key or the log, the signature alone must catch it.
      if (verifyExport(copy).ok) undetected.push(`${p} (signature only)`);
      if (verifyExport(copy, { trustedPublicKey: trustedKey, log }).ok) undetected.push(p);
    }
    expect(undetected).toEqual([]);
  });

  test('any single edited log entry is detected, and so is a removed or reordered one', () => {
    const problems: string[] = [];
    for (let i = 0; i < log.length; i++) {
      for (const field of ['at', 'type', 'payload', 'actor', 'prevHash', 'hash'] as const) {
        const copy = structuredClone(log);
        const e = copy[i] as unknown as Record<string, unknown>;
        e[field] =
          field === 'at'
            ? (e.at as number) + 1
            : field === 'payload'
              ? { ...(e.payload as object), edited: true }
              : field === 'actor'
                ? { kind: (e.actor as { kind: string }).kind === 'system' ? 'operator' : 'system' }
                : `${String(e[field])}x`;
        const report = verifyExport(published, { log: copy });
        if (report.ok) problems.push(`seq ${i + 1} ${field}`);
      }
    }
    expect(problems).toEqual([]);
    const dropped = log.filter((_, i) => i !== 5);
    expect(verifyExport(published, { log: dropped }).checks.find((c) => c.name === 'log chain')).toMatchObject({ ok: false });
    const swapped = [...log];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(verifyExport(published, { log: swapped }).ok).toBe(false);
  });

  test('a forgery re-signed with another key passes only its own signature: the trusted key and the log catch it', () => {
    const forger = SigningKey.loadOrCreate(join(work, 'forger.pem'));
    const { signature: _sig, ...unsigned } = structuredClone(published);
    unsigned.outcome.recommendations.agreed[0]!.support.supportShare = 0.5;
    const forged = signExport(unsigned, forger);
    const alone = verifyExport(forged);
    expect(alone.checks.find((c) => c.name === 'signature')).toMatchObject({ ok: true });
    const withKey = verifyExport(forged, { trustedPublicKey: trustedKey });
    expect(withKey.checks.find((c) => c.name === 'signing key')).toMatchObject({ ok: false });
    const withLog = verifyExport(forged, { log });
    expect(withLog.checks.find((c) => c.name === 'replay')).toMatchObject({ ok: false });
    expect(withLog.checks.find((c) => c.name === 'replay')!.detail).toContain('/outcome/recommendations/agreed/0/support/supportShare');
  });

  test('the export is reproducible: the log and the server’s key rebuild it byte for byte', () => {
    const state = replay(log.filter((e) => e.seq <= published.log.seq))!;
    const key = SigningKey.loadOrCreate(join(server.dataDir, 'signing-key.pem'));
    expect(canonicalJson(exportState(state, key))).toBe(canonicalJson(published));
    // Without the key, everything but the raters' numbering: that is the server's secret.
    const { ratings: _r, ...rest } = unsignedExport(state).outcome;
    const { ratings: _p, ...claimed } = published.outcome;
    expect(rest).toEqual(claimed);
  });

  test('npx townhall verify passes on the export as made and says what failed after an edit', async () => {
    const exportFile = join(work, 'export.json');
    const logFile = join(work, 'log.jsonl');
    const keyFile = join(work, 'key.json');
    writeFileSync(exportFile, JSON.stringify(published, null, 2));
    writeFileSync(logFile, `${log.map((e) => JSON.stringify(e)).join('\n')}\n`);
    writeFileSync(keyFile, JSON.stringify((await api(server.url, '/.well-known/townhall-signing-key')).body));
    const cli = (args: string[]) =>
      run('npx', ['--no-install', 'townhall', ...args], { cwd: root }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const good = await cli(['verify', exportFile, '--log', logFile, '--key', keyFile]);
    writeFileSync(join(artifactsDir, 'outcome-verify.txt'), good.out);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain('✓ replay: replaying the log yields exactly this outcome');
    expect(good.out).toContain('verified');
    const viaServer = await cli(['verify', exportFile, '--server', server.url]);
    expect(viaServer.code, viaServer.out).toBe(0);
    expect(viaServer.out).toContain('✓ signing key: the export was signed by the trusted key');
    const otherKey = await cli(['verify', exportFile, '--key', Buffer.alloc(32, 1).toString('base64')]);
    expect(otherKey.code).toBe(1);
    expect(otherKey.out).toContain('✗ signing key');

    const edited = structuredClone(published);
    edited.outcome.recommendations.agreed[1]!.body = edited.outcome.recommendations.agreed[1]!.body.replace('2028', '2038');
    writeFileSync(exportFile, JSON.stringify(edited));
    const bad = await cli(['verify', exportFile, '--log', logFile, '--key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('✗ signature');
    expect(bad.out).toMatch(/✗ recommendation texts: the text of .* does not match its hash/);
    expect(bad.out).toContain('FAILED');

    writeFileSync(exportFile, JSON.stringify(published));
    const lines = readFileSync(logFile, 'utf8').split('\n');
    lines[4] = lines[4]!.replace('"at":', '"at":1');
    writeFileSync(logFile, lines.join('\n'));
    const badLog = await cli(['verify', exportFile, '--log', logFile]);
    expect(badLog.code).toBe(1);
    expect(badLog.out).toContain('✗ log chain: log entry seq 5: hash does not match the event content');

    const usage = await cli(['verify']);
    expect(usage.code).toBe(2);
    expect(usage.out).toContain('Usage:');
    // Six runs of the real CLI, each starting npx and compiling TypeScript: about 2 s each on a quiet machine,
    // over 10 s each beside the rest of the suite on two cores.
  }, 180_000);
});

describe('the officials’ response loop', () => {
  test('an official answers; a rejection without a reason is refused; citizens see the answers with their dates', async () => {
    const c = s.citizens[0]!.client;
    refused(await official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'rejected' } as never), 'VALIDATION_FAILED');
    refused(await official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-shuttle', status: 'accepted' }), 'NOT_FOUND');
    refused(await s.citizens[1]!.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted' }), 'FORBIDDEN');
    refused(await s.fac.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted' }), 'FORBIDDEN');
    refused(await official.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: 'Started.' }), 'NOT_FOUND');

    await must(official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'under-consideration' }), 'answer');
    await must(official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted', dueDate: '2027-04-01' }), 'answer');
    const again = await official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-square', status: 'accepted', dueDate: '2027-04-01' });
    refused(again, 'CONFLICT');
    const reason = `Separated lanes on Mill Lane need land we do not own. ${PLANTED.script}`;
    await must(official.client.send('response.give', { roomId: PLENARY, recommendationId: 'rec-lanes', status: 'rejected', reason }), 'reject');
    const last = await must(
      official.client.send('response.progress', { roomId: PLENARY, recommendationId: 'rec-square', text: 'The council approved the budget line.' }),
      'progress',
    );

    await c.caughtUp(last.seq);
    const agreed = c.view!.outcome.agreed;
    expect(agreed.map((a) => [a.recommendationId, a.response?.status])).toEqual([
      ['rec-square', 'accepted'],
      ['rec-lanes', 'rejected'],
    ]);
    const square = agreed[0]!.response!;
    expect(square).toMatchObject({ dueDate: '2027-04-01', byName: 'Head of Transport Planning' });
    expect(square.history.map((h) => h.status)).toEqual(['under-consideration']);
    expect(square.progress.map((p) => p.text)).toEqual(['The council approved the budget line.']);
    expect(square.at).toBeGreaterThan(square.history[0]!.at - 1);
    expect(agreed[1]!.response).toMatchObject({ status: 'rejected', reason });
  });

  test('the answers are events in the log, and a follow-up publication carries them; the first one does not change', async () => {
    const types = (await s.log()).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('response.'))).toEqual(['response.given', 'response.given', 'response.given', 'response.progressed']);
    const ack = await must(s.fac.client.send('outcome.publish', {}), 'publish again');
    expect(ack.result).toMatchObject({ number: 2 });
    refused(await s.fac.client.send('outcome.publish', {}), 'CONFLICT');
    const second = JSON.parse((await download('/outcome.json?publication=latest', s.citizens[2]!.token)).bytes.toString('utf8')) as OutcomeDocument;
    expect(second.outcome.recommendations.agreed.map((r) => r.response?.status)).toEqual(['accepted', 'rejected']);
    // The official answers in a public role, not by name: the export names nobody.
    expect(second.outcome.recommendations.agreed.map((r) => r.response?.answeredBy)).toEqual(['Official 1', 'Official 1']);
    expect(JSON.stringify(second)).not.toContain('Head of Transport Planning');
    expect(second.outcome.publications.map((p) => p.number)).toEqual([1]);
    expect(second.outcome.summary.find((c) => c.kind === 'responses')!.text).toBe('Officials have answered 2 of 2 agreed recommendations.');
    expect(verifyExport(second, { trustedPublicKey: trustedKey, log: await s.log() }).ok).toBe(true);
    const first = JSON.parse((await download('/outcome.json?publication=1', official.token)).bytes.toString('utf8'));
    expect(first).toEqual(published);
  });

  test('who may export what: the working draft is for facilitators; bad publication numbers are refused', async () => {
    // The open-data README is asked for like the files it describes.
    expect((await download('/outcome/README.md?publication=current', official.token)).status).toBe(403);
    expect((await download('/outcome/README.md?publication=current', s.citizens[0]!.token)).status).toBe(403);
    const draft = await download('/outcome/README.md?publication=current', s.fac.token);
    expect(draft.status).toBe(200);
    expect(draft.headers.get('x-townhall-log-head')).toMatch(new RegExp(`^${(await s.log()).length}:[0-9a-f]{64}$`));
    expect((await download('/outcome/README.md', s.fac.token)).headers.get('x-townhall-log-head')).toBe(draft.headers.get('x-townhall-log-head'));
    const latest = await download('/outcome/README.md', official.token);
    expect(latest.headers.get('content-disposition')).toMatch(/-README\.md"$/);
    expect(latest.headers.get('x-townhall-log-head')).not.toBe(draft.headers.get('x-townhall-log-head'));
    for (const bad of ['0', '-1', 'x', '1.5', '__proto__', '1&publication=2']) {
      expect((await download(`/outcome/README.md?publication=${bad}`, official.token)).status, bad).toBe(400);
    }
    expect((await download('/outcome/README.md?publication=99', official.token)).status).toBe(404);
    expect((await download('/outcome/README.md', 'tok_not-a-token')).status).toBe(401);
    expect((await download('/outcome.json?publication=current', official.token)).status).toBe(403);
    expect((await download('/outcome.json?publication=current', s.fac.token)).status).toBe(200);
    expect((await download('/outcome.json?publication=99', official.token)).status).toBe(404);
    expect((await download('/outcome.json?publication=-1', official.token)).status).toBe(400);
    expect((await download('/outcome.json?publication=__proto__', official.token)).status).toBe(400);
    expect((await download('/outcome.pdf', 'tok_not-a-token')).status).toBe(401);
    const other = await fetch(`${server.url}/api/sessions/nope/outcome.json`, { headers: { authorization: `Bearer ${official.token}` } });
    expect(other.status).toBe(404);
  });
});
