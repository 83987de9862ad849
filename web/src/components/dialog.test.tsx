// @vitest-environment jsdom
/** The modal dialog: how it is cancelled, and that working inside it does not cancel it. */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dialog } from './dialog';

afterEach(cleanup);

function open() {
  const onClose = vi.fn();
  render(
    <Dialog title="Buy 500 credits?" onClose={onClose}>
      <p>You are charged now.</p>
      <button type="button">Buy</button>
    </Dialog>,
  );
  return onClose;
}

describe('<Dialog>', () => {
  it('closes on a click on the backdrop', () => {
    const onClose = open();
    const backdrop = screen.getByRole('dialog').parentElement!;
    expect(backdrop.className).toBe('dialog-backdrop');
    fireEvent.mouseDown(backdrop);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('closes on Escape', () => {
    const onClose = open();
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('stays open on a click inside the dialog', () => {
    const onClose = open();
    fireEvent.mouseDown(screen.getByRole('dialog'));
    fireEvent.mouseDown(screen.getByText('You are charged now.'));
    fireEvent.mouseDown(screen.getByRole('button', { name: 'Buy' }));
    expect(onClose).not.toHaveBeenCalled();
  });

  it('is named by its title and takes the focus', () => {
    open();
    expect(screen.getByRole('dialog', { name: 'Buy 500 credits?' })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Buy' }));
  });
});
