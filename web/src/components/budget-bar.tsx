/**
 * A budget's period at a glance: spent, held (reserved for work in progress) and what is
 * left of the limit. One progressbar with the whole sentence as its value text, so a
 * screen reader hears what the colours show.
 */
import './budget-bar.css';

export interface BudgetFigures {
  limit: number;
  spent: number;
  held: number;
  remaining: number;
  enforcement: 'hard' | 'soft';
}

export function budgetSentence(b: BudgetFigures): string {
  const over = b.spent + b.held - b.limit;
  const base = `${b.spent} of ${b.limit} credits spent, ${b.held} held, ${b.remaining} left`;
  if (over > 0) return `${base} (${over} over the ${b.enforcement} limit)`;
  return base;
}

export function BudgetBar({ label, budget }: { label: string; budget: BudgetFigures }) {
  const max = Math.max(budget.limit, budget.spent + budget.held, 1);
  const pct = (n: number) => `${Math.min(100, (n / max) * 100)}%`;
  const full = budget.remaining <= 0;
  return (
    <div className="budget-bar-wrap">
      <div
        className={`budget-bar${full ? ' full' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={budget.limit}
        aria-valuenow={Math.min(budget.spent + budget.held, budget.limit)}
        aria-valuetext={budgetSentence(budget)}
      >
        <span className="budget-spent" style={{ width: pct(budget.spent) }} />
        <span className="budget-held" style={{ width: pct(budget.held) }} />
      </div>
      <p className="budget-legend">
        <span className="swatch spent" aria-hidden="true" /> {budget.spent} spent{' '}
        <span className="swatch held" aria-hidden="true" /> {budget.held} held{' '}
        <span className="swatch left" aria-hidden="true" /> {budget.remaining} left of {budget.limit}
      </p>
    </div>
  );
}
