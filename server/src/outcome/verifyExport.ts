import { verify as verifySignature } from 'node:crypto';
import { canonicalRecommendation, countedRatings, outcomeDocumentSchema, resolvePointer, type OutcomeDocument, type SessionEvent } from '../../../shared/src/index.js';
import { canonicalJson, sha256Hex, verifyChain } from '../session/chain.js';
import { signedBytes, stateAt, unsignedExport } from './exportDocument.js';
import { matchRaters } from './raterRenaming.js';
import { keyIdOf, publicKeyFromRaw } from './SigningKey.js';

export interface Check {
  name: string;
  ok: boolean;
  /** Not run for want of input (no trusted key given): it does not fail the report, and says so. */
  skipped?: true;
  detail: string;
}

export interface VerifyOptions {
  /** The server's published public key (raw, base64). Without it the key inside the export is all we have. */
  trustedPublicKey?: string | undefined;
  /** The session log, to check the chain and that the outcome follows from it. */
  log?: readonly SessionEvent[] | undefined;
}

export interface VerifyReport {
  ok: boolean;
  checks: Check[];
}

/** Where two JSON values first differ, as a JSON Pointer, so a failure names the edited field. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) return path || '/';
  if (a === null || typeof a !== 'object') return Object.is(a, b) ? null : path || '/';
  const keys = new Set([...Object.keys(a), ...Object.keys(b as object)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (d !== null) return d;
  }
  return null;
}

/**
 * Every check an official (or anyone) can run offline on an export: its shape, its
 * signature, the hashes of the recommendation texts, the summary's references and,
 * given the log, the hash chain and that replaying the log yields this very outcome
 * (the raters' pseudonyms, which only the server can number, up to a one-to-one renaming).
 */
export function verifyExport(input: unknown, opts: VerifyOptions = {}): VerifyReport {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const parsed = outcomeDocumentSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    add('format', false, `not a townhall outcome export: /${issue.path.join('/')} ${issue.message}`);
    return { ok: false, checks };
  }
  const doc: OutcomeDocument = parsed.data;
  // The schema strips nothing (strict objects), but compare anyway: the signature is over what was received.
  add('format', true, `${doc.format} version ${doc.version}`);

  const sig = doc.signature;
  let keyOk = true;
  try {
    const raw = Buffer.from(sig.publicKey, 'base64');
    if (keyIdOf(raw) !== sig.keyId) {
      keyOk = false;
      add('signature', false, `key id ${sig.keyId} does not belong to the public key in the export`);
    } else {
      const valid = verifySignature(null, Buffer.from(signedBytes(input as OutcomeDocument), 'utf8'), publicKeyFromRaw(sig.publicKey), Buffer.from(sig.value, 'base64'));
      add('signature', valid, valid ? `valid Ed25519 signature by key ${sig.keyId}` : 'the signature does not match the content: the export was changed after signing');
      keyOk = valid;
    }
  } catch (err) {
    keyOk = false;
    add('signature', false, `the signature or public key is malformed (${(err as Error).message})`);
  }
  if (opts.trustedPublicKey !== undefined) {
    const trusted = opts.trustedPublicKey === sig.publicKey;
    add('signing key', trusted, trusted ? 'the export was signed by the trusted key' : `signed by key ${sig.keyId}, which is not the trusted key`);
  } else if (keyOk) {
    checks.push({
      name: 'signing key',
      ok: true,
      skipped: true,
      detail: `not compared: pass --key (or --server) to check that key ${sig.keyId} is the server's published key`,
    });
  }

  const recs = [...doc.outcome.recommendations.agreed, ...doc.outcome.recommendations.notAgreed];
  const badText = recs.find((r) => sha256Hex(canonicalRecommendation(r)) !== r.textHash);
  add(
    'recommendation texts',
    !badText,
    badText ? `the text of “${badText.title}” (${badText.id}) does not match its hash` : `${recs.length} texts match their SHA-256 hashes`,
  );

  const dangling = doc.outcome.summary.flatMap((c) => c.refs).find((ref) => resolvePointer(doc.outcome, ref) === undefined);
  add('summary references', !dangling, dangling ? `the summary cites ${dangling}, which is not in the outcome` : 'every claim in the summary points into the outcome');

  if (opts.log) {
    const chain = verifyChain(opts.log);
    if (!chain.ok) {
      add('log chain', false, `log entry seq ${chain.seq}: ${chain.reason}`);
    } else {
      add('log chain', true, `${chain.count} events, hash chain intact`);
      const head = opts.log.find((e) => e.seq === doc.log.seq);
      const sameSession = opts.log[0]?.sessionId === doc.log.sessionId;
      if (!sameSession || !head || head.hash !== doc.log.head) {
        add('log head', false, !sameSession ? 'the log is of another session' : `the log has no event ${doc.log.seq} with hash ${doc.log.head.slice(0, 12)}…`);
      } else {
        add('log head', true, `event ${doc.log.seq} of the log has the export's head hash`);
        const state = stateAt(opts.log, doc.log.seq);
        const raters = state ? matchRaters(doc.outcome.ratings, countedRatings(state)) : null;
        add(
          'ratings',
          raters?.ok === true,
          raters?.ok
            ? `the ${doc.outcome.ratings.length} ratings are the log's, under a one-to-one renaming of its ${raters.raters} raters`
            : `the ratings are not the log's under any renaming of the raters: ${raters?.reason ?? 'the log is empty'}`,
        );
        const rebuilt = state ? unsignedExport(state, raters?.ok ? { raterKey: raters.raterKey } : {}) : null;
        const { signature: _s, ...claimed } = doc;
        const same = rebuilt !== null && canonicalJson(rebuilt) === canonicalJson(claimed);
        add(
          'replay',
          same,
          same ? 'replaying the log yields exactly this outcome' : `replaying the log gives a different outcome at ${firstDifference(claimed, rebuilt) ?? '/'}`,
        );
      }
    }
  }
  return { ok: checks.every((c) => c.ok), checks };
}
