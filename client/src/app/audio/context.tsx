import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useSession } from '../session/context';
import { AudioController, INITIAL_AUDIO_STATE, type AudioState } from './AudioController';
import { plainPersonName } from '../i18n';

const AudioContext = createContext<AudioController | null>(null);

declare global {
  interface Window {
    /** The page's audio controller, for the browser tests only (localStorage 'townhall.test' = '1'). */
    __townhallAudio?: AudioController;
  }
}

function testHooksWanted(): boolean {
  try {
    return localStorage.getItem('townhall.test') === '1';
  } catch {
    return false;
  }
}

/** One audio controller per connection, for everything below (the panel, the console, the announcer). */
export function AudioProvider({ children }: { children: ReactNode }) {
  const { connection } = useSession();
  const [controller, setController] = useState<AudioController | null>(null);
  useEffect(() => {
    const c = new AudioController(connection);
    setController(c);
    const expose = testHooksWanted();
    if (expose) window.__townhallAudio = c;
    return () => {
      if (expose && window.__townhallAudio === c) delete window.__townhallAudio;
      c.dispose();
      setController(null);
    };
  }, [connection]);
  return <AudioContext.Provider value={controller}>{children}</AudioContext.Provider>;
}

const noop = () => () => {};

/** The controller (null for the first render) and its current state. */
export function useAudio(): { controller: AudioController | null; state: AudioState } {
  const controller = useContext(AudioContext);
  const state = useSyncExternalStore(controller?.subscribe ?? noop, controller?.getState ?? (() => INITIAL_AUDIO_STATE));
  return { controller, state };
}

/** A participant's name from the people this view lists (or the floor), for "… is speaking". */
export function useNameOf(): (participantId: string) => string | null {
  const { snapshot } = useSession();
  return (participantId) => {
    if (snapshot.me?.participantId === participantId) return plainPersonName(snapshot.me.displayName);
    const listed =
      snapshot.view?.participants?.find((p) => p.participantId === participantId) ??
      snapshot.view?.rooms.flatMap((r) => r.members ?? []).find((m) => m.participantId === participantId) ??
      snapshot.view?.rooms.flatMap((r) => r.queue).find((e) => e.participantId === participantId) ??
      // Interpreters are named to everyone: people can see who renders the words.
      snapshot.view?.rooms.flatMap((r) => r.interpreters).find((i) => i.participantId === participantId);
    if (listed) return plainPersonName(listed.displayName);
    const floor = snapshot.view?.rooms.find((r) => r.floor?.participantId === participantId)?.floor;
    return floor ? plainPersonName(floor.displayName) : null;
  };
}

/**
 * The language this participant listens in (null: the original), for whatever follows
 * it, such as captions in that language where someone writes them.
 */
export function useListeningLanguage(): string | null {
  return useAudio().state.chosenLanguage;
}
