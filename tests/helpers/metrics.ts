import { api } from './clients.js';

/** A server's Prometheus metrics, by series (name plus labels). */
export async function metrics(url: string): Promise<Map<string, number>> {
  const res = await api<string>(url, '/metrics');
  const out = new Map<string, number>();
  for (const line of String(res.body).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
