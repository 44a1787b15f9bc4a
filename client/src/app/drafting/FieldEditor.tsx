import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { minimalSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { yCollab } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

/**
 * One Y.Text field in CodeMirror, bound with y-codemirror.next: edits go straight into
 * the shared document, and other people's cursors show with their names. Read-only is
 * switched in place (no remount), so the text and scroll position stay put.
 */
export function FieldEditor(props: { text: Y.Text; awareness: Awareness; labelId: string; describedBy?: string; readOnly: boolean; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const editable = useRef(new Compartment());

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.text.toString(),
        extensions: [
          minimalSetup,
          EditorView.lineWrapping,
          yCollab(props.text, props.awareness),
          editable.current.of(editableExt(props.readOnly)),
          EditorView.contentAttributes.of({
            'aria-labelledby': props.labelId,
            ...(props.describedBy ? { 'aria-describedby': props.describedBy } : {}),
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
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.text, props.awareness]);

  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure(editableExt(props.readOnly)) });
  }, [props.readOnly]);

  return <div className={`field-editor${props.readOnly ? ' read-only' : ''}`} ref={host} />;
}

function editableExt(readOnly: boolean) {
  return [
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.contentAttributes.of({ 'aria-readonly': String(readOnly) }),
  ];
}
