/**
 * Insights maths (SPEC §4): tier fit and purchase-vs-upgrade advice, the forecast, workflow
 * efficiency and the cheap parts of the usage audit. Pure like the rest of the core: the
 * app layer reads the log and the usage sums, passes them in with the time, and gets
 * numbers back. Credits and cents are integers; only rates and percentages are decimals.
 * May import the core's own files; nothing else. The rules in words: docs/insights.md.
 */
export * from './audit.ts';
export * from './efficiency.ts';
export * from './forecast.ts';
export * from './money.ts';
export * from './option-cost.ts';
export * from './packs.ts';
export * from './past-periods.ts';
export * from './project-plan.ts';
export * from './seasonal.ts';
export * from './tier-fit.ts';
