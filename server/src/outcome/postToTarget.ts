import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressRefusal, hostOf, type PrivateTargets } from './webhookTargets.js';

/** The target is not one the server may send to; the message says which address and why. */
export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
}

/** How a name becomes addresses: dns.lookup by default; tests of the rule itself may hand in their own. */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  privateTargets: PrivateTargets;
  resolve?: Resolve;
}

/**
 * POST a body and resolve with the status code. Follows no redirect (a 3xx is an answer
 * like any other). The host's addresses are looked up once, each one is checked, and
 * the connection is made to those very addresses, handed to the socket in place of a
 * second lookup: a name that answers a public address to the check and a private one
 * to the connect (DNS rebinding) gets nowhere. IP literals, which Node connects to
 * without any lookup, are checked before the request.
 */
export function postToTarget(rawUrl: string, opts: PostOptions): Promise<number> {
  const url = new URL(rawUrl);
  const host = hostOf(url);
  if (isIP(host)) {
    const refusal = addressRefusal(host, host, opts.privateTargets);
    if (refusal) return Promise.reject(new TargetRefusedError(refusal));
  }
  const resolve = opts.resolve ?? systemResolve;
  const lookup: LookupFunction = (name, options, callback) => {
    resolve(name)
      .then((addresses) => {
        if (addresses.length === 0) throw Object.assign(new Error(`${name} has no address`), { code: 'ENOTFOUND' });
        for (const a of addresses) {
          const refusal = addressRefusal(host, a.address, opts.privateTargets);
          if (refusal) throw new TargetRefusedError(refusal);
        }
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) throw Object.assign(new Error(`${name} has no IPv${family} address`), { code: 'ENOTFOUND' });
        if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
  const requestOptions: RequestOptions = {
    method: 'POST',
    lookup,
    // A fresh connection per attempt: a pooled one would skip the lookup, and with it the check.
    agent: false,
    signal: AbortSignal.timeout(opts.timeoutMs),
    headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolvePost, reject) => {
    const req = send(url, requestOptions, (res) => {
      // Only the status matters; the answer's body is read and dropped so the socket is freed.
      // A receiver that stops mid-body is cut off at the timeout: that is no error of this attempt.
      res.on('error', () => undefined);
      res.resume();
      resolvePost(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
