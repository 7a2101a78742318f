// What `tokportal-sync demo` runs: the demo of demo/run.ts with the command's options; the
// verification's verdict is the exit code.
import { runDemo } from '../../demo/run.js';

export type DemoCommandOptions = {
  bundles: number;
  seed: string;
  keepRunning?: boolean;
  quiet?: boolean;
  queuePrefix: string;
  databaseUrl?: string;
};

export async function runDemoCommand(options: DemoCommandOptions): Promise<void> {
  const verification = await runDemo(
    {
      bundles: options.bundles,
      seed: options.seed,
      queuePrefix: options.queuePrefix,
      databaseUrl: options.databaseUrl,
      keepRunning: options.keepRunning === true,
      quiet: options.quiet === true,
    },
    (text) => process.stdout.write(`${text}\n`),
  );
  if (!verification.ok) process.exitCode = 1;
}
