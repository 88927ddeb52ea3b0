/**
 * A counter of writes to the speed view made by this process. With chDB the engine lives inside
 * the process, so the speed layer and the serving layer share it, and the serving cache can learn
 * that the view moved without asking the engine (each chDB query holds the event loop).
 */
let version = 0;

/** Called after every completed write to the speed view. */
export function speedViewWritten(): void {
  version++;
}

export function speedViewVersion(): number {
  return version;
}
