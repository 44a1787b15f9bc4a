import { StateEffect, type Extension } from '@codemirror/state';
import { EditorView, ViewPlugin, layer, type LayerMarker, type ViewUpdate } from '@codemirror/view';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CursorMoves, STALE_CURSOR_MS } from './cursorMoves';

/**
 * Other people's cursors in one field, and this person's cursor published to them.
 *
 * Why not y-codemirror.next's own remote selections: it draws each name as a widget
 * inside the editable text, so a screen reader reads "Car-free town centre on
 * Saturdays Mariam" as the field's content, and labels overflowing a read-only field
 * made it a scrollable region nobody can focus. Here cursors are drawn in a CodeMirror
 * layer beside the content (layers are hidden from assistive technology), only in
 * fields that can be edited, and only for people who moved their cursor recently. The
 * awareness format is the same (`cursor: { anchor, head }` as Yjs relative positions),
 * so stock clients see these cursors and these show theirs.
 */

const refresh = StateEffect.define<null>();

interface Remote {
  clientId: number;
  name: string;
  color: string;
  pos: number;
}

class CaretMarker implements LayerMarker {
  constructor(
    private readonly left: number,
    private readonly top: number,
    private readonly height: number,
    private readonly remote: Remote,
  ) {}

  eq(other: LayerMarker): boolean {
    return (
      other instanceof CaretMarker &&
      other.left === this.left &&
      other.top === this.top &&
      other.height === this.height &&
      other.remote.name === this.remote.name &&
      other.remote.color === this.remote.color
    );
  }

  draw(): HTMLElement {
    const caret = document.createElement('div');
    caret.className = 'cm-remoteCaret';
    caret.style.left = `${this.left}px`;
    caret.style.top = `${this.top}px`;
    caret.style.height = `${this.height}px`;
    caret.style.borderColor = this.remote.color;
    const label = document.createElement('div');
    label.className = 'cm-remoteCaretLabel';
    label.style.borderColor = this.remote.color;
    label.textContent = this.remote.name;
    caret.appendChild(label);
    return caret;
  }
}

/** Where the layer's coordinates start: the scroller's corner, moved by its scroll. */
function layerOrigin(view: EditorView): { left: number; top: number } {
  const rect = view.scrollDOM.getBoundingClientRect();
  return { left: rect.left - view.scrollDOM.scrollLeft, top: rect.top - view.scrollDOM.scrollTop };
}

export function remoteCursors(ytext: Y.Text, awareness: Awareness): Extension {
  const doc = ytext.doc!;
  const moves = new CursorMoves();

  const remotes = (view: EditorView): Remote[] => {
    const out: Remote[] = [];
    const now = Date.now();
    awareness.getStates().forEach((state, clientId) => {
      if (clientId === awareness.clientID) return;
      const cursor = (state as { cursor?: { anchor?: unknown; head?: unknown } | null }).cursor;
      if (!cursor?.head || !moves.fresh(clientId, cursor, now)) return;
      const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), doc);
      if (!head || head.type !== ytext) return;
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
      out.push({
        clientId,
        name: typeof user?.name === 'string' ? user.name : '',
        color: typeof user?.color === 'string' ? user.color : '#555',
        pos: Math.min(head.index, view.state.doc.length),
      });
    });
    moves.keepOnly(awareness.getStates());
    return out;
  };

  const carets = layer({
    above: true,
    class: 'cm-remoteCarets',
    markers(view) {
      const origin = layerOrigin(view);
      return remotes(view).flatMap((r) => {
        const at = view.coordsAtPos(r.pos);
        return at ? [new CaretMarker(at.left - origin.left, at.top - origin.top, at.bottom - at.top, r)] : [];
      });
    },
    update(update: ViewUpdate) {
      return update.docChanged || update.geometryChanged || update.viewportChanged || update.transactions.some((t) => t.effects.some((e) => e.is(refresh)));
    },
  });

  // Redraw when anyone's awareness changes, and now and then so that cursors go stale.
  const listener = ViewPlugin.define((view) => {
    const onChange = () => view.dispatch({ effects: refresh.of(null) });
    awareness.on('change', onChange);
    const timer = setInterval(onChange, STALE_CURSOR_MS / 4);
    return {
      destroy() {
        awareness.off('change', onChange);
        clearInterval(timer);
      },
    };
  });

  // This person's cursor, for the others: set while the field has focus, cleared when it loses it.
  const publish = EditorView.updateListener.of((update) => {
    if (!update.selectionSet && !update.focusChanged && !update.docChanged) return;
    const local = awareness.getLocalState() as { cursor?: { head?: unknown } | null } | null;
    if (!local) return;
    if (update.view.hasFocus) {
      const sel = update.state.selection.main;
      const cursor = { anchor: Y.createRelativePositionFromTypeIndex(ytext, sel.anchor), head: Y.createRelativePositionFromTypeIndex(ytext, sel.head) };
      if (JSON.stringify(local.cursor ?? null) !== JSON.stringify(cursor)) awareness.setLocalStateField('cursor', cursor);
    } else if (update.focusChanged && local.cursor?.head) {
      const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(local.cursor.head), doc);
      if (head?.type === ytext) awareness.setLocalStateField('cursor', null);
    }
  });

  return [carets, listener, publish];
}
