/** A section's time bound: loops check `passed()` between iterations and report that they stopped early. */
export class Deadline {
  private readonly end: number;

  constructor(readonly minutes: number) {
    this.end = Date.now() + minutes * 60_000;
  }

  passed(): boolean {
    return Date.now() >= this.end;
  }
}
