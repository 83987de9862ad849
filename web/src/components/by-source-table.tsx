import { SOURCE_LABELS } from '../lib/format';

/** Credits by where they came from (free, subscription, rollover, purchased, adjustment). */
export function BySourceTable({
  bySource,
  caption,
  className,
}: {
  bySource: Partial<Record<keyof typeof SOURCE_LABELS, number>>;
  caption: string;
  className: string;
}) {
  return (
    <table className={className}>
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {(Object.keys(SOURCE_LABELS) as (keyof typeof SOURCE_LABELS)[]).map((s) => (
          <tr key={s}>
            <th scope="row">{SOURCE_LABELS[s]}</th>
            <td className="num">{bySource[s] ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
