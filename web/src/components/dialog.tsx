/**
 * A modal dialog that a keyboard and a screen reader can use: role=dialog with its title
 * as the name, focus moved inside on open and kept there (Tab cycles), Escape or a click
 * on the backdrop cancels, and focus returns to what opened it.
 */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import './dialog.css';

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

export function Dialog({
  title,
  onClose,
  children,
  describedBy,
  initialFocus,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Id of the element that says what confirming does. */
  describedBy?: string;
  /** A selector inside the dialog to focus first (default: [data-autofocus], else the first control). */
  initialFocus?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const box = ref.current;
    const first =
      (initialFocus ? box?.querySelector<HTMLElement>(initialFocus) : null) ??
      box?.querySelector<HTMLElement>('[data-autofocus]') ??
      box?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? box)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close.current();
        return;
      }
      if (e.key !== 'Tab' || !box) return;
      const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) return;
      const [a, z] = [items[0]!, items[items.length - 1]!];
      if (e.shiftKey && document.activeElement === a) {
        e.preventDefault();
        z.focus();
      } else if (!e.shiftKey && document.activeElement === z) {
        e.preventDefault();
        a.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (opener?.isConnected) opener.focus();
    };
  }, [initialFocus]);

  return (
    // A press that starts on the backdrop itself (not one begun inside the box and released
    // outside, as when selecting text) is a mouse shortcut for Cancel, like Escape.
    // biome-ignore lint/a11y/noStaticElementInteractions: the keyboard's way to cancel is Escape, handled above
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close.current()}>
      <div
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        {...(describedBy ? { 'aria-describedby': describedBy } : {})}
        tabIndex={-1}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
