/** The transaction log as CSV: one writer for the API and the CLI, in src/app/transaction-view.ts. */
export { toCsv } from '../../app/transaction-view.ts';
