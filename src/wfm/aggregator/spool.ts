// The aggregator's write-ahead spool: every batch of events it accepts is on disk (written, synced and
// renamed into place) before it answers, and leaves the spool only after the database has committed it.
// While the database is away or in maintenance the segments wait here, in the order they arrived.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatEvent, parseEventLines, type AggregatorEvent } from './events.ts';

const SEGMENT = /^(\d{12})\.jsonl$/;

export interface Segment {
  name: string;
  events: AggregatorEvent[];
}

export class Spool {
  private next: number;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    for (const name of readdirSync(directory)) if (name.endsWith('.tmp')) rmSync(join(directory, name));
    const last = this.segmentNames().at(-1);
    this.next = last ? Number(SEGMENT.exec(last)?.[1]) + 1 : 1;
  }

  /** Durably appends a batch as one segment. */
  append(events: readonly AggregatorEvent[]): void {
    if (events.length === 0) return;
    const name = `${String(this.next++).padStart(12, '0')}.jsonl`;
    const temporary = join(this.directory, `${name}.tmp`);
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, events.map(formatEvent).join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(this.directory, name));
    this.syncDirectory();
  }

  /** The oldest segments, up to about `maxEvents` events (at least one segment). */
  oldest(maxEvents: number): Segment[] {
    const segments: Segment[] = [];
    let events = 0;
    for (const name of this.segmentNames()) {
      if (segments.length > 0 && events >= maxEvents) break;
      const parsed = parseEventLines(readFileSync(join(this.directory, name), 'utf8'));
      segments.push({ name, events: parsed.events });
      events += parsed.events.length;
    }
    return segments;
  }

  remove(segments: readonly Segment[]): void {
    for (const segment of segments) rmSync(join(this.directory, segment.name), { force: true });
    this.syncDirectory();
  }

  /** Events waiting, counted from the files. */
  pendingEvents(): number {
    return this.segmentNames().reduce((sum, name) => sum + readFileSync(join(this.directory, name), 'utf8').split('\n').filter((l) => l.trim() !== '').length, 0);
  }

  pendingSegments(): number {
    return this.segmentNames().length;
  }

  private segmentNames(): string[] {
    return readdirSync(this.directory)
      .filter((n) => SEGMENT.test(n))
      .sort();
  }

  private syncDirectory(): void {
    const fd = openSync(this.directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
