/**
 * Answers to each participant's recent requests, so that a command retried (after a
 * reconnect, a timeout, a failover of the node it went through) is answered rather than
 * done twice. Kept per participant, not per connection; a requestId reused for a
 * different payload is refused rather than guessed at.
 */
export class RequestMemory<T> {
  private readonly recent = new Map<string, Map<string, { fingerprint: string; answer: Promise<T> }>>();

  /**
   * `limit`: requests remembered per participant, the oldest forgotten first.
   * `passing`: whether an answer failed for a passing reason (unavailable, rate-limited),
   * which a retry must be allowed to overcome, so it is not remembered.
   */
  constructor(
    private readonly limit: number,
    private readonly passing: (answer: { ok: true; value: T } | { ok: false; err: unknown }) => boolean,
  ) {}

  /** The earlier answer to this request, or `run()`'s; 'reused' when the id came with another payload. */
  answer(participantId: string, key: string, fingerprint: string, run: () => Promise<T>): Promise<T> | 'reused' {
    let mine = this.recent.get(participantId);
    if (!mine) this.recent.set(participantId, (mine = new Map()));
    const earlier = mine.get(key);
    if (earlier) return earlier.fingerprint === fingerprint ? earlier.answer : 'reused';
    const answer = run();
    mine.set(key, { fingerprint, answer });
    if (mine.size > this.limit) mine.delete(mine.keys().next().value!);
    const forget = () => {
      if (mine.get(key)?.answer === answer) mine.delete(key);
    };
    answer.then(
      (value) => this.passing({ ok: true, value }) && forget(),
      (err: unknown) => this.passing({ ok: false, err }) && forget(),
    );
    return answer;
  }

  forget(participantId: string): void {
    this.recent.delete(participantId);
  }
}
