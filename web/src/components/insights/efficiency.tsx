/** Workflow efficiency: what drafting at 720p and finalizing at high resolution would have cost. */

import { credits } from '../../lib/format';
import { TableWrap } from '../table-wrap';
import type { Insights } from './data';

export function Efficiency({ e }: { e: Insights['efficiency'] }) {
  return (
    <section aria-labelledby="efficiency-h" className="insights-section">
      <h2 id="efficiency-h">Workflow efficiency</h2>
      <p className="help">
        Repeated tries of one prompt over the last 30 days, against drafting at 720p and rendering only the
        final at high resolution.
      </p>
      <dl className="stat-row" data-testid="efficiency">
        <div>
          <dt>Charged</dt>
          <dd>{credits(e.actual)}</dd>
        </div>
        <div>
          <dt>Drafts at 720p would cost</dt>
          <dd>{credits(e.iterative)}</dd>
        </div>
        <div>
          <dt>Savings</dt>
          <dd>
            {credits(e.savings)} ({e.savings_pct.toLocaleString('en-US')}%)
          </dd>
        </div>
        <div>
          <dt>Groups of tries</dt>
          <dd>
            {e.groups.toLocaleString('en-US')} ({e.generations.toLocaleString('en-US')} images)
          </dd>
        </div>
      </dl>
      {e.top.length > 0 && (
        <TableWrap label="Groups of tries with the most to save">
          <table>
            <caption className="visually-hidden">The groups of tries with the most to save</caption>
            <thead>
              <tr>
                <th scope="col">Prompt or job</th>
                <th scope="col" className="num">
                  Images
                </th>
                <th scope="col" className="num">
                  Charged
                </th>
                <th scope="col" className="num">
                  Iterative
                </th>
                <th scope="col" className="num">
                  Savings
                </th>
              </tr>
            </thead>
            <tbody>
              {e.top.map((g) => (
                <tr key={`${g.by}:${g.key}`}>
                  <th scope="row" className="detail">
                    {g.by === 'prompt' ? `“${g.key}”` : `job ${g.key}`}
                  </th>
                  <td className="num">{g.generations}</td>
                  <td className="num">{g.actual}</td>
                  <td className="num">{g.iterative}</td>
                  <td className="num">{g.savings}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {e.truncated && <p className="help">More charges than one report reads: the newest 5,000 were used.</p>}
    </section>
  );
}
