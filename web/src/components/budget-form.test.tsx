// @vitest-environment jsdom
/** The budget form: what it refuses before asking the API, and what it sends. */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetForm, validateBudget } from './budget-form';

afterEach(cleanup);

describe('validateBudget', () => {
  const base = { scope: 'member', scope_id: 'mem_1', limit: '3', enforcement: 'hard' };
  it('accepts a whole number of credits, 0 included', () => {
    expect(validateBudget(base)).toEqual({
      ok: true,
      value: { scope: 'member', scope_id: 'mem_1', limit: 3, enforcement: 'hard' },
    });
    expect(validateBudget({ ...base, limit: ' 0 ', enforcement: 'soft' })).toMatchObject({
      ok: true,
      value: { limit: 0, enforcement: 'soft' },
    });
  });
  it('names the field that is wrong', () => {
    expect(validateBudget({ ...base, scope_id: '' })).toEqual({
      ok: false,
      errors: { scope_id: 'Choose a member.' },
    });
    expect(validateBudget({ ...base, scope: 'project', scope_id: '' })).toMatchObject({
      errors: { scope_id: 'Choose a project.' },
    });
    for (const limit of ['2.5', '-1', 'ten', '1e3'])
      expect(validateBudget({ ...base, limit })).toMatchObject({
        ok: false,
        errors: { limit: 'The limit is a whole number of credits (0 or more).' },
      });
    expect(validateBudget({ ...base, limit: '' })).toMatchObject({
      errors: { limit: 'Enter a limit in credits.' },
    });
    expect(validateBudget({ ...base, limit: '1000000001' })).toMatchObject({
      errors: { limit: expect.any(String) },
    });
  });
});

describe('<BudgetForm>', () => {
  const members = [{ id: 'mem_2', label: 'ana@example.com (member)' }];
  const projects = [{ id: 'prj_1', label: 'Spring' }];

  it('shows the errors by field and sends nothing until the form is right', () => {
    const onSubmit = vi.fn();
    render(<BudgetForm members={members} projects={projects} onSubmit={onSubmit} />);
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Choose a member.')).toBeTruthy();
    expect(screen.getByText('Enter a limit in credits.')).toBeTruthy();
    const limit = screen.getByRole('textbox', { name: /Limit/ });
    expect(limit.getAttribute('aria-invalid')).toBe('true');
    expect(limit.getAttribute('aria-describedby')).toBeTruthy();
  });

  it('sends a hard member budget by default, and a soft project budget when chosen', () => {
    const onSubmit = vi.fn();
    render(<BudgetForm members={members} projects={projects} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'mem_2' } });
    fireEvent.change(screen.getByRole('textbox', { name: /Limit/ }), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(onSubmit).toHaveBeenLastCalledWith({
      scope: 'member',
      scope_id: 'mem_2',
      limit: 3,
      enforcement: 'hard',
    });

    fireEvent.click(screen.getByRole('radio', { name: 'A project' }));
    // Switching scope clears the choice: a member id cannot become a project id.
    expect((screen.getByRole('combobox') as HTMLSelectElement).value).toBe('');
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'prj_1' } });
    fireEvent.click(screen.getByRole('radio', { name: /Soft/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(onSubmit).toHaveBeenLastCalledWith({
      scope: 'project',
      scope_id: 'prj_1',
      limit: 3,
      enforcement: 'soft',
    });
  });
});
