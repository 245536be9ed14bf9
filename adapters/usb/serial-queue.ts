// A device answers one request at a time: requests to it are queued in call order.

/** Runs tasks one at a time, in call order; a failed task does not hold up the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
