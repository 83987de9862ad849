/** Store failures a person must act on (wrong file, newer schema): clear words, never overwrite. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export const APP_MARKER = 'amisi-credits';
