import { Injectable } from '@nestjs/common';

/** The wall clock, behind a repository like every other input, so services never read it directly. */
@Injectable()
export class ClockRepository {
  /** Now, as the ISO-8601 UTC string the domain transitions take. */
  now(): string {
    return new Date().toISOString();
  }
}
