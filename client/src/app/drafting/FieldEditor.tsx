import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { minimalSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { yCollab } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { remoteCursors } from './remoteCursors';

/**
 * One Y.Text field in CodeMirror, bound with y-codemirror.next: edits go straight into
 * the shared document, and other people's cursors show with their names beside the
 * text (remoteCursors.ts), never in a field that cannot be edited. Read-only is
 * switched in place (no remount), so the text and scroll position stay put.
 */
export function FieldEditor(props: {
  text: Y.Text;
  awareness: Awareness;
  labelId: string;
  describedBy?: string;
  readOnly: boolean;
  testId: string;
  /** The selection when it changes (to comment on the selected words); read-only fields report theirs too. */
  onSelect?: (from: number, to: number) => void;
}) {
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const editable = useRef(new Compartment());
  // Why a field is read-only (agreed, under vote) changes while the editor lives, so its description is reconfigured in place too.
  const described = useRef(new Compartment());

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is built once per text and awareness; readOnly and describedBy are reconfigured in place by the effects below, and labelId and testId do not change for a field.
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.text.toString(),
        extensions: [
          minimalSetup,
          EditorView.lineWrapping,
          // No awareness here: y-codemirror.next would draw names inside the text; remoteCursors draws them beside it.
          yCollab(props.text, null),
          editable.current.of(editableExt(props.readOnly, props.text, props.awareness)),
          described.current.of(describedExt(props.describedBy)),
          EditorView.updateListener.of((u) => {
            if (u.selectionSet) onSelect.current?.(u.state.selection.main.from, u.state.selection.main.to);
          }),
          EditorView.contentAttributes.of({
            'aria-labelledby': props.labelId,
            'aria-multiline': 'true',
            'data-testid': props.testId,
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [props.text, props.awareness]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of readOnly needs this; a new text or awareness rebuilds the whole editor above.
  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure(editableExt(props.readOnly, props.text, props.awareness)) });
  }, [props.readOnly]);

  useEffect(() => {
    view.current?.dispatch({ effects: described.current.reconfigure(describedExt(props.describedBy)) });
  }, [props.describedBy]);

  return <div className={`field-editor${props.readOnly ? ' read-only' : ''}`} ref={host} />;
}

function describedExt(describedBy: string | undefined) {
  return describedBy ? EditorView.contentAttributes.of({ 'aria-describedby': describedBy }) : [];
}

/** Editable or not, and with it whether cursors are shown and this person's is published: a frozen or agreed text has none. */
function editableExt(readOnly: boolean, text: Y.Text, awareness: Awareness) {
  return [
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.contentAttributes.of({ 'aria-readonly': String(readOnly) }),
    readOnly ? [] : remoteCursors(text, awareness),
  ];
}
