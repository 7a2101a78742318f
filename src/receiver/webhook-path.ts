/** Where the receiver takes TokPortal's webhooks; its own module so the CLI's help can name it without loading the receiver. */
export const WEBHOOK_PATH = '/webhooks/tokportal';
