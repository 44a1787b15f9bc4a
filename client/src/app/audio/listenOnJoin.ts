import { useEffect } from 'react';
import { useAudio } from './context';

/*
 * "Listen to the room's audio when I join": ticked on the join page, done on the session
 * page. The Join click is the user gesture browsers want before a page plays sound;
 * moving to the session page keeps the same document (no reload), so the permission it
 * gave is still there when the audio starts a moment later.
 */

const intentKey = (sessionId: string) => `townhall.listenOnJoin.${sessionId}`;
/** The choice itself is remembered on the device, as the default for the next invitation. */
const CHOICE_KEY = 'townhall.listenOnJoin';

/** What the checkbox starts as: on (people come to a town hall to hear it), unless this device said otherwise before. */
export function listenOnJoinDefault(): boolean {
  try {
    return localStorage.getItem(CHOICE_KEY) !== '0';
  } catch {
    return true;
  }
}

/** Called when Join is clicked: remembers the choice, and the wish for this session's page in this tab. */
export function rememberListenOnJoin(sessionId: string, listen: boolean): void {
  try {
    localStorage.setItem(CHOICE_KEY, listen ? '1' : '0');
    if (listen) sessionStorage.setItem(intentKey(sessionId), '1');
    else sessionStorage.removeItem(intentKey(sessionId));
  } catch {
    /* storage blocked: the Listen button on the session page still works */
  }
}

function takeIntent(sessionId: string): boolean {
  try {
    const wanted = sessionStorage.getItem(intentKey(sessionId)) === '1';
    sessionStorage.removeItem(intentKey(sessionId));
    return wanted;
  } catch {
    return false;
  }
}

function peekIntent(sessionId: string): boolean {
  try {
    return sessionStorage.getItem(intentKey(sessionId)) === '1';
  } catch {
    return false;
  }
}

/**
 * Starts listening once the server has said whether it has live audio, if the person
 * asked for it when joining. Once only: a reload does not start it again (the browser
 * would refuse to play without a new click; the Listen button is there for that).
 */
export function useListenOnJoin(sessionId: string): void {
  const { controller, state } = useAudio();
  const known = state.enabled !== null;
  useEffect(() => {
    if (!controller || !known || !peekIntent(sessionId)) return;
    takeIntent(sessionId);
    // Only with the permission of a click on this page; otherwise the sound would stay silent.
    const activated = navigator.userActivation?.hasBeenActive ?? true;
    if (controller.getState().enabled && controller.getState().phase === 'off' && activated) void controller.listen();
  }, [controller, known, sessionId]);
}
