import { useEffect, useRef } from 'react';

/**
 * A modal <dialog> shown while `asking`: opened with showModal (so the rest of the page
 * is inert and Escape closes it) and with the focus on the safe choice, the cancel
 * button, so that Enter alone never confirms something that cannot be undone.
 */
export function useConfirmDialog(asking: boolean) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (asking && !d.open) {
      d.showModal();
      cancelRef.current?.focus();
    } else if (!asking && d.open) d.close();
  }, [asking]);
  return { dialog, cancelRef };
}
