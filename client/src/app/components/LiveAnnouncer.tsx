import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioState } from '../audio/AudioController';
import { useAudio, useNameOf } from '../audio/context';
import { isolate, plainPersonName } from '../i18n';
import type { SessionSnapshot } from '../session/SessionConnection';
import { useSession } from '../session/context';

interface Facts {
  floorId: string | null;
  floorName: string;
  myPosition: number | null;
  queueLength: number;
  agendaItem: string | null;
  reconnects: number;
  /** Per agreed recommendation: when it was last answered, and how many progress updates it has. */
  answers: Record<string, { at: number | null; progress: number }>;
}

function factsOf(s: SessionSnapshot): Facts | null {
  if (!s.view || !s.me) return null;
  const room = s.view.rooms.find((r) => r.id === s.me!.roomId) ?? s.view.rooms[0];
  return {
    floorId: room?.floor?.participantId ?? null,
    floorName: room?.floor ? plainPersonName(room.floor.displayName) : '',
    myPosition: room?.queue.find((e) => e.participantId === s.me!.participantId)?.position ?? null,
    queueLength: room?.queue.length ?? 0,
    agendaItem: s.view.agenda.find((i) => i.status === 'active')?.id ?? null,
    reconnects: s.reconnects,
    answers: Object.fromEntries(
      s.view.outcome.agreed.map((a) => [`${a.roomId}:${a.recommendationId}`, { at: a.response?.at ?? null, progress: a.response?.progress.length ?? 0 }]),
    ),
  };
}

/**
 * A polite live region: says what changed about the floor and the queue (and the agenda,
 * the connection and the decision-makers' answers), without moving focus. It stays
 * empty for the state found on arrival; only changes are announced.
 */
export function LiveAnnouncer() {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const previous = useRef<Facts | null>(null);
  const counter = useRef(0);
  const [messages, setMessages] = useState<{ id: number; text: string }[]>([]);
  const say = useCallback((out: string[]) => {
    if (out.length > 0) setMessages((m) => [...m, ...out.map((text) => ({ id: ++counter.current, text }))].slice(-6));
  }, []);
  useAudioAnnouncements(say);

  useEffect(() => {
    const cur = factsOf(snapshot);
    const before = previous.current;
    if (!cur) return;
    previous.current = cur;
    if (!before) return;
    const me = snapshot.me!;
    const out: string[] = [];
    if (cur.reconnects > before.reconnects) out.push(t('announce.reconnected'));
    if (cur.agendaItem !== before.agendaItem && cur.agendaItem) {
      const item = snapshot.view!.agenda.find((i) => i.id === cur.agendaItem);
      if (item) out.push(t('announce.agendaItem', { title: item.title }));
    }
    if (cur.floorId !== before.floorId) {
      if (cur.floorId === null) out.push(t('announce.floorFree'));
      else if (cur.floorId === me.participantId) out.push(t('announce.floorYou'));
      else out.push(t('announce.floorOther', { name: isolate(cur.floorName) }));
    }
    if (cur.myPosition !== before.myPosition) {
      if (cur.myPosition !== null) out.push(t('announce.position', { position: cur.myPosition }));
      else if (cur.floorId !== me.participantId) out.push(t('announce.handDown'));
    }
    if (me.role !== 'citizen' && cur.queueLength !== before.queueLength) out.push(t('announce.queueCount', { count: cur.queueLength }));
    // Officials are told by their own form; everyone else hears of answers as they come in.
    if (me.role !== 'official') {
      for (const a of snapshot.view!.outcome.agreed) {
        const key = `${a.roomId}:${a.recommendationId}`;
        const was = before.answers[key];
        const now = cur.answers[key]!;
        const title = a.title.trim() || t('outcome.untitled');
        if (a.response && now.at !== (was?.at ?? null)) out.push(t('announce.answer', { title, status: t(`responseStatus.${a.response.status}`) }));
        else if (now.progress > (was?.progress ?? 0)) out.push(t('announce.progress', { title }));
      }
    }
    say(out);
  }, [snapshot, t, say]);

  return (
    <div className="sr-only" aria-live="polite" aria-relevant="additions" data-testid="announcer">
      {messages.map((m) => (
        <p key={m.id}>{m.text}</p>
      ))}
    </div>
  );
}

/**
 * The live audio, said politely: who starts speaking (once per new speaker, not on every
 * pause, which the server reports as silence), your microphone going on or being turned
 * off by the server, and the audio reconnecting.
 */
function useAudioAnnouncements(say: (out: string[]) => void) {
  const { t } = useTranslation();
  const { snapshot } = useSession();
  const { state } = useAudio();
  const nameOf = useNameOf();
  const previous = useRef<AudioState | null>(null);
  const lastSpeaker = useRef<string | null>(null);
  const me = snapshot.me?.participantId ?? null;

  useEffect(() => {
    const before = previous.current;
    previous.current = state;
    if (!before || before === state) return;
    const out: string[] = [];
    if (state.phase === 'listening' && before.phase === 'joining') out.push(t('announce.listening'));
    if (state.phase === 'reconnecting' && before.phase === 'listening') out.push(t('announce.audioReconnecting'));
    if (state.phase === 'off') lastSpeaker.current = null;
    if (state.phase === 'listening' && state.speaking && state.speaking !== me && state.speaking !== lastSpeaker.current) {
      lastSpeaker.current = state.speaking;
      out.push(t('announce.speaking', { name: isolate(nameOf(state.speaking) ?? t('audio.someone')) }));
    }
    if (state.mic === 'on' && before.mic !== 'on') out.push(t('announce.micOn'));
    if (state.micClosed && state.micClosed !== before.micClosed) out.push(t(`audio.closed.${state.micClosed}`));
    say(out);
  }, [state, me, nameOf, say, t]);
}
