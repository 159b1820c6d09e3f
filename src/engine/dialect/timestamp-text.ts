// A neutral timestamp's text, 'YYYY-MM-DD HH:MM:SS', written as bytes from its seconds since 1970-01-01
// UTC. Rows come day after day: the date's bytes are made once a day and copied, the time's are digits.
export const TIMESTAMP_TEXT_LENGTH = 19;

const COLON = 58;
const digit = (n: number): number => 48 + n;

export class TimestampTextWriter {
  private day = Number.NaN;
  private readonly date = Buffer.alloc(11);

  /** Writes the text of the timestamp `seconds` into `buffer` at `at`. */
  write(buffer: Uint8Array, at: number, seconds: number): void {
    const today = Math.floor(seconds / 86_400);
    if (today !== this.day) {
      this.day = today;
      this.date.write(`${new Date(today * 86_400_000).toISOString().slice(0, 10)} `, 'latin1');
    }
    const second = seconds - today * 86_400;
    const hours = Math.floor(second / 3600);
    const minutes = Math.floor((second % 3600) / 60);
    const rest = second % 60;
    this.date.copy(buffer, at);
    buffer[at + 11] = digit(Math.floor(hours / 10));
    buffer[at + 12] = digit(hours % 10);
    buffer[at + 13] = COLON;
    buffer[at + 14] = digit(Math.floor(minutes / 10));
    buffer[at + 15] = digit(minutes % 10);
    buffer[at + 16] = COLON;
    buffer[at + 17] = digit(Math.floor(rest / 10));
    buffer[at + 18] = digit(rest % 10);
  }
}
