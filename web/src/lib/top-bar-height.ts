/**
 * The top bar sticks to the top of the window and the side navigation sticks just below
 * it, so the sections stay in reach however far a long page (Settings) is scrolled. The
 * bar's height is not fixed (it wraps onto two lines on narrower screens), so the root
 * carries it as `--top-bar-height` for the CSS (styles.css, `.side-nav > ul`).
 */
import { useEffect } from 'react';

export function useTopBarHeight() {
  useEffect(() => {
    const bar = document.querySelector<HTMLElement>('.top-bar');
    if (!bar || typeof ResizeObserver === 'undefined') return;
    const root = document.documentElement;
    const set = () => root.style.setProperty('--top-bar-height', `${bar.offsetHeight}px`);
    set();
    const watch = new ResizeObserver(set);
    watch.observe(bar);
    return () => watch.disconnect();
  }, []);
}
