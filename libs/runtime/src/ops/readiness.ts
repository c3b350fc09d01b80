/** A named check that tells whether a dependency (etcd, MongoDB, leadership...) is usable. */
export interface ReadinessCheck {
  name: string;
  /** true when ready; a string or false explains why not. */
  check(): Promise<boolean | string> | boolean | string;
}

/** The checks `/readyz` runs. Modules register theirs at start-up. */
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
