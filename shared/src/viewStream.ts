import { applyViewPatch, type Patch } from './viewPatch.js';

/** A full view as sent: its stream revision, and the log position it reflects. */
export interface Revised {
  rev: number;
  seq: number;
}

/** A change to a view: applies only to the view at `baseRev`. */
export interface ViewPatchMessage {
  baseRev: number;
  rev: number;
  seq: number;
  serverTime: number;
  patch: Patch;
}

/**
 * One client's copy of a view that the server sends as a full view, then patches.
 * A patch applies only to the revision it was made from; anything else (a patch lost
 * or arriving out of order, one from before a full view) is a gap, and the client asks
 * for the full view again (`state.sync`). A gap is never papered over.
 */
export class ViewStream<V extends Revised> {
  view: V | null = null;

  /** Take a full view; an older one than held (views can cross in flight) is ignored. */
  full(view: V): void {
    if (!this.view || view.rev >= this.view.rev || view.seq >= this.view.seq) this.view = view;
  }

  /** Apply a patch: 'applied', 'stale' (already have it or newer), or 'gap' (must resync). */
  patch(message: ViewPatchMessage): 'applied' | 'stale' | 'gap' {
    const view = this.view;
    if (!view) return 'gap';
    if (message.rev <= view.rev) return 'stale';
    if (message.baseRev !== view.rev) return 'gap';
    this.view = {
      ...applyViewPatch(view as unknown as Record<string, unknown>, message.patch),
      rev: message.rev,
      seq: message.seq,
      serverTime: message.serverTime,
    } as unknown as V;
    return 'applied';
  }
}
