// External tools some tests drive (promtool, docker-compose): found on PATH, or a clear skip.
// In CI (CI=true) a missing tool fails the test instead: .ci/run installs them, so absence there
// is a broken pipeline, not a developer laptop without Prometheus.
import { execFile, spawnSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const IN_CI = process.env.CI === 'true';

/** Why a test that needs `tool` is skipped here, or null when it runs (present, or in CI where absence must fail). */
export function skipUnless(tool: string, install: string): string | null {
  if (hasTool(tool) || IN_CI) return null;
  const reason = `${tool} is not installed: skipping (install it with ${install}; in CI it is required)`;
  process.stderr.write(`[skip] ${reason}\n`);
  return reason;
}

export type ToolResult = { code: number; stdout: string; stderr: string };

export function runTool(command: string, args: string[], input?: string, options: { cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error); // not found, not executable
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
