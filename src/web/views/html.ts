// The console's HTML: a template tag that escapes every value it is given, so that nothing read from a
// database, a file or a request reaches a page as markup.

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A template tag that escapes every interpolated value unless it is already Html. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    const part = Array.isArray(value) ? value.map((v) => (v instanceof Html ? v.text : escapeHtml(v))).join('') : value instanceof Html ? value.text : escapeHtml(value);
    text += part + (strings[i + 1] ?? '');
  });
  return new Html(text);
}
