// Child processes of the fault run (redis-server, workers) must not outlive the test process,
// even when it is killed by a timeout: 'exit' handlers run synchronously, so SIGKILL is all
// that can be done there, and it is enough.
import type { ChildProcess } from 'node:child_process';

/** Kills the child when this process exits; returns the function that forgets it again. */
export function killWithParent(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return () => process.off('exit', kill);
}
