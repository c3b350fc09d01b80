/** What the queue needs from its term: the time, and a way to say that work is ready. */
export interface QueueHooks {
  clock: () => Date;
  /** Instances became active outside a round (a booking window opened, a write settled). */
  activated: () => void;
}

/**
 * Which PENDING instances the leader evaluates next, in the spirit of kube-scheduler's queues:
 *
 * - **active**: to evaluate in the next round (new, changed, or moved back);
 * - **parked** (kube-scheduler's "unschedulable" pods): evaluated and fits nowhere; it stays
 *   parked until a relevant change (a worker added, running or cordon lifted, capacity or ports
 *   freed, the templates changed: `roomChanged`) moves every parked instance back to active;
 * - **waiting for a booking window** (the "backoff" queue's role, keyed by time): a booked
 *   instance is evaluated when its window opens, by one timer at the earliest window;
 * - **held while its record is written**: an instance whose pending reason is being written is
 *   evaluated once the write settles (the write changes the record's revision).
 *
 * It holds ids only; the view holds the records. What is planned or in flight is the term's.
 */
export class SchedulingQueue {
  private readonly active = new Set<string>();
  private readonly parked = new Set<string>();
  /** A relevant change happened: every parked instance (even one parked later in this round) moves back. */
  private moveRequested = false;
  /** Booked instances whose window is not open yet: when it opens (epoch ms). They hold nothing. */
  private readonly booked = new Map<string, number>();
  private bookingTimer?: NodeJS.Timeout;
  private bookingTimerAt?: number;
  /** Instances whose record is being written, and those to evaluate once it is. */
  private readonly writing = new Set<string>();
  private readonly afterWrite = new Set<string>();
  private closed = false;

  constructor(private readonly hooks: QueueHooks) {}

  get parkedCount(): number {
    return this.parked.size;
  }

  /** Something to evaluate: active instances, or parked ones a change moved back. */
  hasWork(): boolean {
    return this.active.size > 0 || (this.moveRequested && this.parked.size > 0);
  }

  /** Nothing to evaluate and no instance waiting for its record's write. */
  isSettled(): boolean {
    return !this.hasWork() && this.afterWrite.size === 0;
  }

  /** Evaluate the instance in the next round. */
  activate(id: string): void {
    this.active.add(id);
  }

  /** It fits nowhere now: it waits for a relevant change (`roomChanged`). */
  park(id: string): void {
    this.parked.add(id);
  }

  /** Placed (planned or committed): no longer waiting for room. */
  placed(id: string): void {
    this.parked.delete(id);
  }

  /** No longer pending (scheduled, terminated, deleted): out of every queue. */
  forget(id: string): void {
    this.active.delete(id);
    this.booked.delete(id);
    this.parked.delete(id);
  }

  /** A change that could let a parked instance fit: they all move back to active. True when any was parked. */
  roomChanged(): boolean {
    if (this.parked.size === 0) return false;
    this.moveRequested = true;
    return true;
  }

  /**
   * The instances of the next round (the parked ones too after a relevant change), emptying
   * active. One whose record is being written is held and comes back when the write settles.
   * `eligible` drops the ones the term is not interested in (gone, already planned).
   */
  takeRound(eligible: (id: string) => boolean): string[] {
    if (this.moveRequested) {
      this.moveRequested = false;
      for (const id of this.parked) this.active.add(id);
    }
    const round: string[] = [];
    for (const id of this.active) {
      if (!eligible(id)) continue;
      if (this.writing.has(id)) this.afterWrite.add(id);
      else round.push(id);
    }
    this.active.clear();
    return round;
  }

  /** Its record is being written: evaluating it now would plan against a revision about to change. */
  writeStarted(id: string): void {
    this.writing.add(id);
  }

  /** The write settled: an evaluation asked for meanwhile happens now. */
  writeSettled(id: string): void {
    this.writing.delete(id);
    if (this.afterWrite.delete(id) && !this.closed) {
      this.active.add(id);
      this.hooks.activated();
    }
  }

  /**
   * Whether the booked instance waits for its window (opening at `opensAt`, epoch ms): until
   * then it holds no capacity and no ports and is evaluated again when the window opens.
   */
  waitsForWindow(id: string, opensAt: number, nowMs: number): boolean {
    if (opensAt <= nowMs) {
      this.booked.delete(id);
      return false;
    }
    this.booked.set(id, opensAt);
    this.armBookingTimer();
    return true;
  }

  /** Moves the booked instances whose window is open now to active (the timer, or a caller with its own clock). */
  windowsOpened(): void {
    if (this.closed) return;
    const now = this.hooks.clock().getTime();
    for (const [id, opensAt] of this.booked) {
      if (opensAt > now) continue;
      this.booked.delete(id);
      this.active.add(id);
    }
    this.armBookingTimer();
    this.hooks.activated();
  }

  /** Every pending instance the term passes is evaluated again, parked or not (the reconcile). */
  activateAll(ids: Iterable<string>): void {
    for (const id of ids) this.active.add(id);
  }

  close(): void {
    this.closed = true;
    if (this.bookingTimer) clearTimeout(this.bookingTimer);
    this.bookingTimer = undefined;
  }

  /** One timer, at the earliest window to open: its instances are evaluated then. */
  private armBookingTimer(): void {
    if (this.closed || this.booked.size === 0) return;
    const earliest = Math.min(...this.booked.values());
    if (this.bookingTimer && this.bookingTimerAt === earliest) return;
    if (this.bookingTimer) clearTimeout(this.bookingTimer);
    this.bookingTimerAt = earliest;
    const delay = Math.min(
      Math.max(0, earliest - this.hooks.clock().getTime()),
      2 ** 31 - 1,
    );
    this.bookingTimer = setTimeout(() => {
      this.bookingTimer = undefined;
      this.windowsOpened();
    }, delay);
    this.bookingTimer.unref();
  }
}
