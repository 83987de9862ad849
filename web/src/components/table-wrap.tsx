/**
 * A table that may be wider than the screen scrolls sideways in this labelled region
 * (a <section> a screen reader can name). Keyboard users must be able to reach it to
 * scroll it, so it takes focus. The one such region in the app: every wide table uses it.
 */
import type { ReactNode } from 'react';

export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be keyboard-reachable (WCAG 2.1.1; axe scrollable-region-focusable)
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
