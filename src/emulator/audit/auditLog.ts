import type { AuditEvent } from '../types';

type Listener = (events: readonly AuditEvent[]) => void;

/**
 * Every audit event the emulator produced, for audit search, and a fan-out to the webhook sender. Bounded:
 * the oldest events go first, much as Descope keeps only a retention window.
 */
export class AuditLog {
  private events: AuditEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly capacity = 200_000) {}

  record(events: readonly AuditEvent[]): void {
    if (events.length === 0) return;
    this.events.push(...events);
    if (this.events.length > this.capacity) this.events = this.events.slice(this.events.length - this.capacity);
    for (const listener of this.listeners) listener(events);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Oldest first. */
  all(): readonly AuditEvent[] {
    return this.events;
  }

  clear(): void {
    this.events = [];
  }
}
