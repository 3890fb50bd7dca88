// Client-chosen text the gateway logs or traces (operation names, client names and versions) is cut
// to a bound, saying how long it was, so a huge value cannot bloat a log line or a span.

/** `text`, or its first `max` characters followed by its length: `abc… (5000 characters)`. */
export function boundedText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
