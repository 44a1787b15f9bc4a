import { useSyncExternalStore } from 'react';

/*
 * An optional tone when this person is given the floor: people wait a long time in a
 * queue and look away. The choice is remembered on the device; the tone is made with
 * the Web Audio API (no sound file to load). Browsers only let a page make sound after
 * the person has interacted with it, so nothing is forced: without that, no tone.
 */

const KEY = 'townhall.floorSound';
const listeners = new Set<() => void>();

declare global {
  interface Window {
    /** How many tones were really played (test mode only: localStorage 'townhall.test' = '1'). */
    __townhallChimes?: number;
  }
}

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

let wanted = read();

/** Whether the person asked for the tone, and a setter, shared by the checkbox and the bar. */
export function useFloorSound(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => wanted,
  );
  return [on, setFloorSound];
}

function setFloorSound(on: boolean): void {
  wanted = on;
  try {
    localStorage.setItem(KEY, on ? '1' : '0');
  } catch {
    /* not remembered on this device; it still works on this page */
  }
  if (on) primeChime();
  for (const l of [...listeners]) l();
}

let context: AudioContext | null = null;
/** A tone this much later than the floor was given would announce the wrong thing. */
const LATE_MS = 2_000;

/**
 * Creates (or wakes) the audio context. Called from click handlers: within a user
 * gesture the browser lets it run, so the tone can play later without one.
 */
export function primeChime(): void {
  if (!wanted || typeof AudioContext === 'undefined') return;
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
  } catch {
    context = null;
  }
}

/** Two short rising notes, quiet, with soft edges so they do not click. */
export function playChime(): void {
  if (!wanted || typeof AudioContext === 'undefined') return;
  primeChime();
  const ctx = context;
  if (!ctx) return;
  const asked = performance.now();
  const play = () => {
    // Not allowed to make sound yet (no interaction with the page): skip, rather than chime at the next click.
    if (ctx.state !== 'running' || performance.now() - asked > LATE_MS) return;
    const start = ctx.currentTime + 0.02;
    for (const [i, frequency] of [660, 880].entries()) {
      const at = start + i * 0.18;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.17);
    }
    if (testMode()) window.__townhallChimes = (window.__townhallChimes ?? 0) + 1;
  };
  if (ctx.state === 'running') play();
  else ctx.resume().then(play, () => {});
}

function testMode(): boolean {
  try {
    return localStorage.getItem('townhall.test') === '1';
  } catch {
    return false;
  }
}
