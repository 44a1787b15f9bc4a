import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

/**
 * A long list (a queue of 500 hands, everyone in a plenary) in a box of its own height:
 * only the rows in view, plus a few either side, are in the page, so 300 people cost
 * a dozen rows of buttons, not 1,200. Each row keeps list semantics for assistive
 * technology (its place and the list's size), and the box itself takes the keyboard
 * focus so it can be scrolled with the arrow keys.
 *
 * Short lists are rendered whole: virtualising ten rows gains nothing and would make
 * "find in page" miss names for no reason.
 */
export function VirtualList<T>({
  items,
  keyOf,
  renderItem,
  label,
  ordered = false,
  estimate = 64,
  maxHeight = '28rem',
  wholeUpTo = 25,
  className,
  testId,
}: {
  items: readonly T[];
  keyOf: (item: T) => string;
  renderItem: (item: T, index: number) => ReactNode;
  label: string;
  ordered?: boolean;
  /** A typical row's height in px; rows are measured once drawn. */
  estimate?: number;
  maxHeight?: string;
  wholeUpTo?: number;
  className?: string;
  testId?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = items.length > wholeUpTo;
  const rows = useVirtualizer({
    count: virtual ? items.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimate,
    overscan: 6,
    getItemKey: (i) => keyOf(items[i]!),
  });
  const List = ordered ? 'ol' : 'ul';
  if (!virtual) {
    return (
      <List className={className} aria-label={label} data-testid={testId}>
        {items.map((item, i) => (
          <li key={keyOf(item)} className="vlist-row">
            {renderItem(item, i)}
          </li>
        ))}
      </List>
    );
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to be scrolled (axe: scrollable-region-focusable).
    <div ref={scroller} className="vlist-scroller" style={{ maxHeight }} tabIndex={0} role="group" aria-label={label}>
      <List className={`${className ?? ''} vlist`} data-testid={testId} style={{ height: rows.getTotalSize() }}>
        {rows.getVirtualItems().map((row) => (
          <li
            key={row.key}
            ref={rows.measureElement}
            data-index={row.index}
            className="vlist-row"
            aria-setsize={items.length}
            aria-posinset={row.index + 1}
            style={{ transform: `translateY(${row.start}px)` }}
          >
            {renderItem(items[row.index]!, row.index)}
          </li>
        ))}
      </List>
    </div>
  );
}
