import { useEffect, useRef, type RefObject } from 'react';

/**
 * When the question that has the focus leaves the list (approved out of "Waiting", hidden
 * by another facilitator), the browser drops the focus to the top of the page. A keyboard
 * user working down a list of waiting questions would start again from there after every
 * one; instead the focus goes to the question that took its place (or, when none is left,
 * to `fallback`, which says the list is empty).
 */
export function useFocusStaysInList(list: RefObject<HTMLElement | null>, fallback: RefObject<HTMLElement | null>): void {
  /** The element focused inside the list, and its item's place. */
  const focused = useRef<{ el: Element; index: number } | null>(null);

  // The list element comes and goes (it is not rendered while empty): listen on the document.
  useEffect(() => {
    const onFocusIn = (e: FocusEvent) => {
      const el = e.target as Element;
      const item = list.current?.contains(el) ? el.closest('li') : null;
      focused.current = item ? { el, index: Array.prototype.indexOf.call(list.current!.children, item) } : null;
    };
    const onFocusOut = (e: FocusEvent) => {
      const el = e.target as Element;
      if (focused.current?.el !== el) return;
      // Disabled while its command is on its way (Chromium then blurs it): the focus was taken, not given up.
      // Decided now, not later: the answer can re-enable the button before the question leaves the list,
      // and a later look would take that for the user moving on and lose the hand-over.
      if (isDisabled(el)) return;
      // Still in the page after the event: the user moved on. Removed with its question: put it back.
      setTimeout(() => {
        if (focused.current?.el === el && el.isConnected) focused.current = null;
      }, 0);
    };
    document.addEventListener('focusin', onFocusIn);
    document.addEventListener('focusout', onFocusOut);
    return () => {
      document.removeEventListener('focusin', onFocusIn);
      document.removeEventListener('focusout', onFocusOut);
    };
  }, [list]);

  // After every render: was the focused question taken away, or is its button usable again?
  useEffect(() => {
    const was = focused.current;
    if (!was) return;
    const active = document.activeElement;
    if (active === was.el) return;
    // Focus that has since gone somewhere on purpose stays there.
    if (active && active !== document.body) {
      focused.current = null;
      return;
    }
    if (was.el.isConnected) {
      // Disabled while its command is on its way: wait. Usable again (the command was refused): back to it.
      if (!isDisabled(was.el)) {
        focused.current = null;
        (was.el as HTMLElement).focus();
      }
      return;
    }
    focused.current = null;
    const items = list.current ? Array.from(list.current.children) : [];
    const next = items[Math.min(was.index, items.length - 1)];
    (next?.querySelector<HTMLElement>('input, button:not([disabled])') ?? fallback.current)?.focus();
  });
}

const isDisabled = (el: Element) => (el as HTMLButtonElement).disabled === true;
