/**
 * A progress bar on stderr for long commands (stdout stays clean for data). On a terminal
 * it redraws one line; elsewhere (CI, pipes) it prints a line every 10%.
 */
export class Progress {
  private lastDecile = -1;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number) {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% (${done}/${total})`,
      );
      if (done >= total) this.stream.write('\n');
    } else {
      const decile = Math.floor(pct / 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${this.label}: ${pct}% (${done}/${total})\n`);
      }
    }
  }
}
