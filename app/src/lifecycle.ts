/** Process-wide state the routes read: once shutdown begins, the pod must stop getting traffic. */
export class Lifecycle {
  #shuttingDown = false;

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  beginShutdown(): void {
    this.#shuttingDown = true;
  }
}
