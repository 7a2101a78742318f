// What `tokportal-sync start` (= `npm start`) says when the TokPortal settings are missing,
// which is what a newcomer's first run on a fresh clone meets: every missing setting at once
// and the next steps, instead of one error per attempt.
import { ConfigError, type Config } from '../config.js';

/** Settings `start` cannot run without, as their environment variable names. */
export function missingStartSettings(config: Config): string[] {
  const missing: string[] = [];
  if (!config.apiKey) missing.push('TOKPORTAL_API_KEY');
  if (config.webhookSecrets.length === 0) missing.push('TOKPORTAL_WEBHOOK_SECRETS');
  return missing;
}

export function formatStartNextSteps(missing: readonly string[]): string {
  return [
    `Missing ${missing.join(' and ')}: \`start\` mirrors your TokPortal workspace and needs your API key and webhook signing secret.`,
    'Next steps:',
    '  1. See it work first, no TokPortal account needed:  npm run demo',
    '  2. Copy the settings template:                      cp .env.example .env',
    '     and fill in TOKPORTAL_API_KEY (sk_..., from TokPortal) and TOKPORTAL_WEBHOOK_SECRETS, printed once by',
    '     TOKPORTAL_API_KEY=sk_... npx tokportal-sync webhooks register --url https://<your host>/webhooks/tokportal',
    '  3. Start with them (.env is read by itself):        npm start',
    'Every setting and its default: .env.example; the whole story: README.md.',
  ].join('\n');
}

/** Throws a ConfigError (one message, exit 2, no stack trace) naming every missing setting. */
export function requireStartSettings(config: Config): void {
  const missing = missingStartSettings(config);
  if (missing.length > 0) throw new ConfigError(formatStartNextSteps(missing));
}
