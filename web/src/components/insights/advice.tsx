/** Purchase vs upgrade: the recommendation, why, and what every option would have cost. */

import { useTierName } from '../../lib/catalog';
import { credits, money } from '../../lib/format';
import { TableWrap } from '../table-wrap';
import type { Insights } from './data';
import { actionLabel } from './format';

type Advice = Insights['advice'];

const OPTION: Record<Advice['action'], string> = {
  stay: 'Stay',
  buy_packs: 'Stay + packs',
  upgrade: 'Upgrade',
  downgrade: 'Downgrade',
};

export function AdviceView({ a, tier }: { a: Advice; tier: string }) {
  const tierOf = useTierName();
  const cheapest = a.basis.cheapest;
  const anyExample = a.costs.some((c) => c.example);
  return (
    <section aria-labelledby="advice-h" className="insights-section">
      <h2 id="advice-h">Packs or a plan change?</h2>
      <div className="card advice-card" data-testid="advice">
        <p className="advice-action">{actionLabel(a.action, a.tier, tier, tierOf)}</p>
        <p>{sentence(a.reason)}</p>
        {a.packs && a.packs.length > 0 && (
          <p>
            Packs to buy:{' '}
            {a.packs
              .map((p) => `${p.count} × ${p.id} (${credits(p.credits)}, ${money(p.price)})`)
              .join(' + ')}
            {a.packs_price && <> — {money(a.packs_price)} in all</>}
          </p>
        )}
        <p className="help">
          Based on {a.basis.periods === 1 ? '1 complete period' : `${a.basis.periods} complete periods`}:
          typical use {credits(a.basis.typical_usage)} against an allocation of {credits(a.basis.allocation)}.
          Over in {a.basis.periods_over}, at least 50% over in {a.basis.periods_over_50}, forfeiting in{' '}
          {a.basis.periods_forfeiting} ({credits(a.basis.forfeited)} forfeited).
        </p>
      </div>
      <h3>What each option would have cost</h3>
      <TableWrap label="What each option would have cost">
        <table data-testid="advice-costs">
          <caption className="visually-hidden">
            What each option would have cost over the periods looked at, in money
          </caption>
          <thead>
            <tr>
              <th scope="col">Option</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Plan
              </th>
              <th scope="col" className="num">
                Packs
              </th>
              <th scope="col">How it adds up</th>
            </tr>
          </thead>
          <tbody>
            {a.costs.map((c) => {
              const isCheapest = cheapest?.tier === c.tier && cheapest.option === c.option;
              const packs = c.packs.reduce((s, p) => s + p.price.amount, 0);
              return (
                <tr key={`${c.option}-${c.tier}`} className={isCheapest ? 'cheapest' : undefined}>
                  <th scope="row">
                    {OPTION[c.option]} · {tierOf(c.tier)}
                    {isCheapest && <span className="tag ok-tag">cheapest</span>}
                  </th>
                  <td className="num">
                    {money(c.amount)}
                    {c.example && (
                      <span title="uses an example tier price">
                        *<span className="visually-hidden"> (example tier price)</span>
                      </span>
                    )}
                  </td>
                  <td className="num">{money(c.subscription)}</td>
                  <td className="num">{money({ amount: packs, currency: c.amount.currency })}</td>
                  <td className="detail">{c.detail}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
      {anyExample && <p className="help">* Uses an example tier price from the shipped configuration.</p>}
    </section>
  );
}

/** The API's reason as a sentence: a capital first letter. */
function sentence(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}
