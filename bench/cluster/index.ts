/**
 * `npm run bench -- cluster`: three townhall nodes and a redis-server on this machine,
 * each in a process of its own, with citizens spread over the nodes by this process (the
 * load generator). It prints how long a facilitator's change takes to reach every
 * citizen when they are spread over three nodes, against the same on one node on the
 * same Redis (measured in the same run: only the ratio counts on a noisy machine), and
 * how long a session is unanswered when its owner is killed.
 */
import { performance } from 'node:perf_hooks';
import type { ControlClient } from '../../client/src/ControlClient.js';
import { connect, createSession, join } from '../../tests/helpers/clients.js';
import { startCluster, type TestCluster } from '../../tests/helpers/cluster.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 600);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
/** The default lease time (TOWNHALL_LEASE_TTL_MS), so the failover figure is what a deployment gets. */
const LEASE_TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? 5000);

function p(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))]!;
}

async function spread(cluster: TestCluster) {
  const urls = cluster.nodes.map((n) => n.url);
  const session = await createSession(urls[0]!);
  // The facilitator on the last node: on three nodes, not the owner's, so every change is forwarded.
  const facJoined = await join(urls.at(-1)!, session, 'facilitator', 'Facilitator');
  const fac = await connect(urls.at(-1)!, facJoined);
  const citizens: ControlClient[] = [];
  for (let i = 0; i < CITIZENS; i += 50) {
    citizens.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, CITIZENS - i) }, async (_, k) => {
          const n = i + k;
          return connect(urls[n % urls.length]!, await join(urls[(n + 1) % urls.length]!, session, 'citizen', `Citizen ${n}`));
        }),
      )),
    );
  }
  return { urls, session, fac, citizens };
}

/** ms from the facilitator's command until each citizen's view shows it, every citizen, every sample. */
async function fanOut(fac: ControlClient, citizens: ControlClient[]): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const speaker = citizens[i % citizens.length]!.me!.participantId;
    const t = performance.now();
    const seen = citizens.map((c) =>
      c.waitFor((x) => x.room('plenary')?.floor?.participantId === speaker, 30_000, 'the floor').then(() => latencies.push(performance.now() - t)),
    );
    const ack = await fac.send('floor.give', { roomId: 'plenary', participantId: speaker });
    if (!ack.ok) throw new Error(ack.error.message);
    await Promise.all(seen);
  }
  return latencies;
}

async function measure(nodes: number): Promise<{ p50: number; p99: number; failoverMs: number | null }> {
  const cluster = await startCluster(nodes, { TOWNHALL_LEASE_TTL_MS: String(LEASE_TTL_MS), TOWNHALL_FORWARD_TIMEOUT_MS: '1000', TOWNHALL_BROADCAST_MS: '50' });
  try {
    const { fac, citizens, session } = await spread(cluster);
    await fanOut(fac, citizens.slice(0, 50)); // warm-up
    const latencies = await fanOut(fac, citizens);
    let failoverMs: number | null = null;
    if (nodes > 1) {
      // One citizen on a node that lives asks question after question; the owner (node 0) is killed.
      const asker = citizens.find((_, i) => i % nodes === 1)!;
      const owner = await cluster.lease(session.sessionId);
      if (owner?.nodeId !== 'node-0') throw new Error(`expected node-0 to own the session, found ${owner?.nodeId}`);
      for (const c of citizens.filter((_, i) => i % nodes === 0)) c.close();
      let killedAt = 0;
      for (let n = 0; failoverMs === null; n++) {
        if (n === 5) {
          cluster.nodes[0]!.child.kill('SIGKILL');
          killedAt = performance.now();
        }
        const ack = await asker.send('qa.ask', { text: `Question ${n}`, anonymous: true }).catch(() => null);
        if (killedAt && ack?.ok) failoverMs = performance.now() - killedAt;
        if (!ack?.ok) await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const c of citizens) c.close();
    fac.close();
    return { p50: p(latencies, 50), p99: p(latencies, 99), failoverMs };
  } finally {
    await cluster.stop();
  }
}

export async function cluster(): Promise<void> {
  console.log(`cluster: ${CITIZENS} citizens, ${SAMPLES} facilitator changes each; lease ${LEASE_TTL_MS} ms; ${new Date().toISOString()}`);
  const one = await measure(1);
  console.log(`cluster: one node on Redis:   fan-out p50 ${one.p50.toFixed(1)} ms, p99 ${one.p99.toFixed(1)} ms`);
  const three = await measure(3);
  console.log(
    `cluster: three nodes on Redis: fan-out p50 ${three.p50.toFixed(1)} ms, p99 ${three.p99.toFixed(1)} ms (facilitator and two thirds of the citizens on nodes that do not own the session)`,
  );
  console.log(`cluster: cross-node fan-out p99 / one node = ${(three.p99 / one.p99).toFixed(2)}x`);
  console.log(`cluster: owner killed -9 -> first command answered through another node after ${three.failoverMs!.toFixed(0)} ms (lease ${LEASE_TTL_MS} ms)`);
}
