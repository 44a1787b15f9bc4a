import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { SessionEvent } from '../../../shared/src/index.js';
import { SIGNING_KEY_PATH, rawPublicKey } from '../outcome/SigningKey.js';
import { verifyExport, type VerifyReport } from '../outcome/verifyExport.js';

const USAGE = `Usage:
  townhall verify <export.json> [--log <log.jsonl>] [--key <key>] [--server <url>] [--json]
  townhall erase --server <url> --session <id> (--participant <id>... | --name <display name>) [--token <token>]

Checks an outcome export offline: its signature, the hashes of the recommendation
texts and the summary's references. With --log it also checks the log's hash chain
and that replaying the log yields exactly this outcome.

  --log <file>     the session log as downloaded by a facilitator (one event per line)
  --key <key>      the server's public key: a PEM file, the JSON from ${SIGNING_KEY_PATH},
                   or the raw key in base64
  --server <url>   fetch the public key from <url>${SIGNING_KEY_PATH}
  --json           print the report as JSON

erase removes participants' personal data (their display names) from a running
server, on a data subject's request; the hash chain and every signed export stay
valid. The token is the operator token (default: $TOWNHALL_ADMIN_TOKEN) or a
facilitator's token for the session.

Exit status: 0 when every check passes (erase: when erased), 1 when one fails
(erase: when the server refused), 2 on a usage error.`;

class UsageError extends Error {}

function readKey(value: string): string {
  let text = value;
  try {
    text = readFileSync(value, 'utf8');
  } catch {
    // Not a file: the key itself.
  }
  text = text.trim();
  if (text.startsWith('{')) {
    const json = JSON.parse(text) as { publicKey?: unknown };
    if (typeof json.publicKey !== 'string') throw new UsageError('the key JSON has no publicKey');
    return json.publicKey;
  }
  if (text.includes('BEGIN PUBLIC KEY')) return rawPublicKey(createPublicKey(text)).toString('base64');
  if (Buffer.from(text, 'base64').length !== 32) throw new UsageError('--key is neither a PEM file, a key JSON nor a 32-byte base64 key');
  return text;
}

async function fetchKey(server: string): Promise<string> {
  const res = await fetch(new URL(SIGNING_KEY_PATH, server), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new UsageError(`${server} answered ${res.status} for its signing key`);
  const json = (await res.json()) as { publicKey?: unknown };
  if (typeof json.publicKey !== 'string') throw new UsageError(`${server} did not return a public key`);
  return json.publicKey;
}

function readLog(file: string): SessionEvent[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as SessionEvent];
    } catch {
      throw new UsageError(`line ${i + 1} of the log is not JSON`);
    }
  });
}

function print(report: VerifyReport, file: string): void {
  for (const c of report.checks) console.log(`${c.skipped ? '–' : c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  console.log(report.ok ? `\n${file}: verified` : `\n${file}: FAILED`);
}

/** `townhall erase`: one request to the server's erasure endpoint (docs/PRIVACY.md). */
async function erase(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      session: { type: 'string' },
      participant: { type: 'string', multiple: true },
      name: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (!values.server || !values.session) throw new UsageError('erase needs --server and --session');
  if (Boolean(values.participant?.length) === (values.name !== undefined)) throw new UsageError('give either --participant (one or more) or --name');
  const token = values.token ?? process.env.TOWNHALL_ADMIN_TOKEN;
  if (!token) throw new UsageError('erase needs --token or TOWNHALL_ADMIN_TOKEN');
  const body = values.name !== undefined ? { displayName: values.name } : { participantIds: values.participant };
  const res = await fetch(new URL(`/api/sessions/${encodeURIComponent(values.session)}/erasures`, values.server), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await res.json().catch(() => ({}))) as { erased?: string[]; error?: { code: string; message: string } };
  if (!res.ok) {
    console.error(`townhall: the server refused (${res.status} ${answer.error?.code ?? ''}): ${answer.error?.message ?? 'no reason given'}`);
    return 1;
  }
  console.log(`erased the personal data of ${answer.erased?.join(', ')}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'erase') {
    try {
      return await erase(rest);
    } catch (err) {
      console.error(`townhall: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
  }
  if (command !== 'verify') {
    console.error(USAGE);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { log: { type: 'string' }, key: { type: 'string' }, server: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one export file');
    const file = positionals[0]!;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read ${file} as JSON (${(err as Error).message})`);
    }
    const trustedPublicKey = values.key ? readKey(values.key) : values.server ? await fetchKey(values.server) : undefined;
    const report = verifyExport(doc, { trustedPublicKey, log: values.log ? readLog(values.log) : undefined });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else print(report, file);
    return report.ok ? 0 : 1;
  } catch (err) {
    console.error(`townhall: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
