import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { HandKind, RoomView, RoundView } from '../../../../shared/src/index.js';
import { SpeakerMic } from '../components/SpeakerMic';
import { reasonText } from '../components/queueWords';
import { formatRemaining } from '../format';
import { personName } from '../i18n';
import { useAction, useMyRoom, useServerNow, useSession } from '../session/context';
import { playChime, primeChime } from './floorChime';

/**
 * The citizen's own state, always in sight (sticky at the top of the page), most
 * important first: you have the floor (microphone and time left, and the button to
 * finish), a vote you have not finished rating, your hand and why it stands where it
 * does, or else the buttons to raise it and who has the floor now.
 *
 * Not a live region: what it shows changes with the floor, the queue and the vote, and
 * those changes are said once by the page's announcer (LiveAnnouncer) and the rounds'
 * status line; the time left would be read out every second.
 */
export function StatusBar() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const room = useMyRoom();
  // One busy flag for the whole bar: its buttons replace one another as the state moves on.
  const action = useAction();
  const me = snapshot.me!;
  const shown = Boolean(room) && me.role === 'citizen' && !snapshot.view!.closed;
  const mine = room?.floor?.participantId === me.participantId;
  const ref = useRef<HTMLElement>(null);
  const bannerHeight = useStickyOffsets(ref, shown);
  useChimeOnFloor(mine);
  const speakingLine = mine ? 'floor' : room?.queue.some((e) => e.participantId === me.participantId) ? 'hand' : 'raise';
  useFocusKeptInBar(ref, speakingLine);
  if (!room || !shown) return null;
  const vote = toRate(room, me.myRatings);
  return (
    <section ref={ref} className={`status-bar status-${speakingLine}`} aria-label={t('status.label')} data-testid="status-bar" style={{ top: bannerHeight }}>
      {mine && <FloorLine room={room} action={action} />}
      {vote && <VoteLine round={vote.round} left={vote.left} />}
      {!mine && <MyPlace room={room} action={action} />}
    </section>
  );
}

type Action = ReturnType<typeof useAction>;

/** The open round's texts this citizen has not rated yet, in the order of the rating forms. */
function toRate(room: RoomView, myRatings: Record<string, Record<string, unknown>>): { round: RoundView; left: string[] } | null {
  const round = room.rounds.find((r) => r.closedAt === null);
  if (!round) return null;
  const rated = myRatings[round.id] ?? {};
  const left = round.items.map((i) => i.recommendationId).filter((id) => !round.withdrawn.includes(id) && !(id in rated));
  return left.length > 0 ? { round, left } : null;
}

function FloorLine({ room, action }: { room: RoomView; action: Action }) {
  const { t } = useTranslation();
  const { act, disabled } = action;
  const now = useServerNow(1000);
  const floor = room.floor!;
  const remaining = Math.min(floor.endsAt - now, floor.endsAt - floor.startedAt);
  return (
    <div className="status-line status-speaking" data-testid="status-floor">
      <p className="status-title">
        <span className="status-dot" aria-hidden="true" />
        {t('floor.you')}
      </p>
      <p className={remaining < 0 ? 'status-time over' : 'status-time'} data-testid="status-countdown">
        {remaining >= 0 ? t('floor.timeLeft', { time: formatRemaining(remaining) }) : t('floor.overran', { time: formatRemaining(remaining) })}
      </p>
      <div className="status-actions">
        <SpeakerMic compact />
        {/* Not a second primary button: turning the microphone on is the next step, finishing the last. */}
        <button type="button" disabled={disabled} onClick={() => void act('floor.yield', {})}>
          {t('floor.yield')}
        </button>
      </div>
    </div>
  );
}

function VoteLine({ round, left }: { round: RoundView; left: string[] }) {
  const { t } = useTranslation();
  return (
    <div className="status-line" data-testid="status-vote">
      <p className="status-title">{t('status.voteOpen', { count: left.length })}</p>
      <div className="status-actions">
        {round.closesAt !== null && <ClosesIn closesAt={round.closesAt} />}
        <button type="button" className="primary" onClick={() => bringRatingIntoView(round.id, left[0]!)}>
          {t('status.rateNow')}
        </button>
      </div>
    </div>
  );
}

function ClosesIn({ closesAt }: { closesAt: number }) {
  const { t } = useTranslation();
  const now = useServerNow(1000);
  return <span className="status-aside">{t('rounds.closesIn', { time: formatRemaining(closesAt - now) })}</span>;
}

/** The rating form of one text (RoundsPanel's RatingForm), scrolled to below the bar, with its scale in focus. */
function bringRatingIntoView(roundId: string, recommendationId: string): void {
  const form = document.getElementById(`rate-${roundId}-${recommendationId}`);
  if (!form) return;
  form.scrollIntoView({ block: 'start' });
  const level = form.querySelector<HTMLInputElement>('input[type="radio"]:checked') ?? form.querySelector<HTMLInputElement>('input[type="radio"]');
  level?.focus({ preventScroll: true });
}

const OTHER_KINDS: { kind: HandKind; label: 'queue.pointOfOrder' | 'queue.directReply' }[] = [
  { kind: 'point-of-order', label: 'queue.pointOfOrder' },
  { kind: 'direct-reply', label: 'queue.directReply' },
];

/** The citizen's place in the queue and why, or the buttons to raise a hand (the rarer kinds one click further). */
function MyPlace({ room, action }: { room: RoomView; action: Action }) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { act, disabled } = action;
  const [others, setOthers] = useState(false);
  const me = snapshot.me!;
  const entry = room.queue.find((e) => e.participantId === me.participantId);
  if (entry) {
    return (
      <div className="status-line status-speaking" data-testid="my-place">
        <div className="status-text">
          <p className="status-title my-position">
            {t('queue.position', { position: entry.position })}
            {entry.kind !== 'normal' && (
              <>
                {' '}
                <span className={`kind kind-${entry.kind}`}>{t(`kinds.${entry.kind}`)}</span>
              </>
            )}
          </p>
          <p className="my-reason">{t('queue.why', { reason: reasonText(t, entry.reason, true) })}</p>
        </div>
        <div className="status-actions">
          <button type="button" disabled={disabled} onClick={() => void act('queue.lower', {})}>
            {t('queue.lower')}
          </button>
        </div>
      </div>
    );
  }
  // What the server would refuse is not offered: a direct reply needs someone speaking, a closed list takes only a point of order.
  const why = (kind: HandKind): string | null => {
    if (!room.queueOpen && kind !== 'point-of-order') return 'queue-closed';
    if (kind === 'direct-reply' && !room.floor) return 'no-floor-for-reply';
    return null;
  };
  const raise = (kind: HandKind) => {
    // A click is the moment the browser allows sound: ready the tone for when the floor comes.
    primeChime();
    void act('queue.raise', { kind });
  };
  const describedBy = (kind: HandKind) => [me.canSpeak ? null : 'cannot-speak', why(kind), 'raise-help'].filter(Boolean).join(' ');
  return (
    <div className="status-line status-speaking" data-testid="my-place">
      <p className="status-title">
        {t('queue.handDown')} <span className="status-aside">{room.floor ? t('floor.speaking', { name: personName(room.floor.displayName) }) : t('floor.nobody')}</span>
      </p>
      {!me.canSpeak && (
        <p id="cannot-speak" className="status-note" data-testid="cannot-speak">
          {t('queue.cannotSpeak')}
        </p>
      )}
      {!room.queueOpen && (
        <p id="queue-closed" className="status-note" data-testid="queue-closed">
          {t('queue.closed')}
        </p>
      )}
      <div className="status-actions">
        <button
          type="button"
          className="primary"
          disabled={disabled || !me.canSpeak || why('normal') !== null}
          aria-describedby={describedBy('normal')}
          onClick={() => raise('normal')}
        >
          {t('queue.raise')}
        </button>
        <button type="button" aria-expanded={others} aria-controls="other-requests" onClick={() => setOthers(!others)}>
          <span className="disclosure" aria-hidden="true" />
          {t('status.otherRequests')}
        </button>
      </div>
      {/* Hidden rather than left out: the hints describe the raise buttons even while closed. */}
      <div id="other-requests" className="other-requests" hidden={!others}>
        <div className="status-actions">
          {OTHER_KINDS.map((b) => (
            <button
              key={b.kind}
              type="button"
              disabled={disabled || !me.canSpeak || why(b.kind) !== null}
              aria-describedby={describedBy(b.kind)}
              onClick={() => raise(b.kind)}
            >
              {t(b.label)}
            </button>
          ))}
        </div>
        {room.queueOpen && !room.floor && (
          <p id="no-floor-for-reply" className="hint">
            {t('queue.noFloorForReply')}
          </p>
        )}
        <p id="raise-help" className="hint">
          {t('queue.raiseHelp')}
        </p>
      </div>
    </div>
  );
}

/** The tone, if the person asked for it, each time the floor becomes theirs. */
function useChimeOnFloor(mine: boolean): void {
  const before = useRef(mine);
  useEffect(() => {
    if (mine && !before.current) playChime();
    before.current = mine;
  }, [mine]);
}

/**
 * Raising a hand, lowering it, being given the floor or finishing replaces the button
 * that had the keyboard focus. When the focus was in the bar and is now lost, it goes to
 * the first button of the line that replaced it, not back to the top of the page.
 */
function useFocusKeptInBar(ref: RefObject<HTMLElement | null>, line: string): void {
  const inside = useRef(false);
  const lastLine = useRef(line);
  const pending = useRef(false);
  useEffect(() => {
    const onFocusIn = (e: FocusEvent) => {
      inside.current = ref.current?.contains(e.target as Node) ?? false;
    };
    document.addEventListener('focusin', onFocusIn);
    return () => document.removeEventListener('focusin', onFocusIn);
  }, [ref]);
  // After every render: the new line's button may still be disabled while the command that changed it is answered.
  useEffect(() => {
    if (line !== lastLine.current) {
      lastLine.current = line;
      pending.current = inside.current;
    }
    if (!pending.current) return;
    const active = document.activeElement;
    if (active && active !== document.body) {
      pending.current = false;
      return;
    }
    const target = ref.current?.querySelector<HTMLElement>('.status-speaking button:not(:disabled)');
    if (target) {
      target.focus();
      pending.current = false;
    }
  });
}

/**
 * Keeps the page's scroll padding at the bar's height (so scrolling to a rating form or
 * tabbing to a field never leaves it under the bar), and the bar below the connection
 * banner, which is sticky too. Returns the banner's height.
 */
function useStickyOffsets(ref: RefObject<HTMLElement | null>, shown: boolean): number {
  const [banner, setBanner] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: shown is the trigger: the bar's element exists only while it is shown.
  useEffect(() => {
    const bar = ref.current;
    const bannerEl = document.querySelector<HTMLElement>('[data-testid="connection-status"]');
    const root = document.documentElement;
    const update = () => {
      const b = bannerEl?.offsetHeight ?? 0;
      setBanner(b);
      root.style.setProperty('--status-bar-height', `${(bar?.offsetHeight ?? 0) + b}px`);
    };
    update();
    const observer = new ResizeObserver(update);
    if (bar) observer.observe(bar);
    if (bannerEl) observer.observe(bannerEl);
    return () => {
      observer.disconnect();
      root.style.removeProperty('--status-bar-height');
    };
  }, [ref, shown]);
  return banner;
}
