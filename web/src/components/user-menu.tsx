/**
 * The person's own menu, at the right of the top bar: who is signed in, their account
 * pages (password and sessions, …) and signing out. A disclosure (a button that shows a
 * list of links), not an ARIA menu: it holds a few links, and links are what screen readers
 * and keyboards already know. Escape or a click elsewhere closes it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'wouter';
import { ACCOUNT_PAGES } from '../account-routes';
import { useMe, useSignOut } from '../session';
import './user-menu.css';

export function UserMenu() {
  const me = useMe();
  const signOut = useSignOut();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const email = me.data?.user.email;
  return (
    <div className="user-menu" ref={root}>
      {email && <span className="who">{email}</span>}
      <button
        ref={button}
        type="button"
        className="user-menu-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        Account <span aria-hidden="true">▾</span>
      </button>
      <div id={panelId} className="user-menu-panel" hidden={!open}>
        {email && (
          <p className="user-menu-who">
            Signed in as <strong>{email}</strong>
          </p>
        )}
        <ul>
          {ACCOUNT_PAGES.map((p) => (
            <li key={p.path}>
              <Link href={`~/account${p.path}`} onClick={() => setOpen(false)}>
                {p.label}
              </Link>
            </li>
          ))}
          <li>
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}
