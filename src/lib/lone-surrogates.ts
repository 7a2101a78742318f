// A UTF-16 surrogate half without its partner (an emoji cut in two by a careless truncation).
// JavaScript strings may hold one; Postgres refuses it in jsonb, and a text parameter turns it
// into U+FFFD on the way out. The receiver refuses payloads holding one; the inbox insert,
// which sends text inside a jsonb parameter, replaces it as a text parameter would have.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** The text with every lone surrogate replaced by U+FFFD (the replacement character). */
export function replaceLoneSurrogates(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}
