import type { ReactNode } from 'react';

/**
 * A table that may be wider than the screen scrolls sideways in this labelled region;
 * keyboard users must be able to reach it to scroll it, so it takes focus.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be keyboard-reachable (WCAG 2.1.1; axe scrollable-region-focusable)
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
