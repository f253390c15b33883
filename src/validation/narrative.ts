/**
 * Narrative.div rules that @medplum/core does not check (its htmlChecks() always returns true):
 * R4 narrative.html and invariants txt-1/txt-2. The div must be an XHTML <div> in the XHTML
 * namespace, must not contain a head, body, scripts, forms, base/link, frames, iframes or objects,
 * nor event-handler attributes or javascript: URLs, and must have some non-whitespace content.
 */

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const ROOT = /^\s*<div(\s[^>]*)?>/;
const TAG = /<\s*(\/?)\s*([A-Za-z][\w:.-]*)([^>]*?)(\/?)\s*>/g;
const FORBIDDEN_ELEMENTS = new Set([
  'html', 'head', 'body', 'title', 'script', 'noscript', 'style', 'link', 'meta', 'base', 'form', 'input', 'button', 'select',
  'option', 'textarea', 'label', 'fieldset', 'frame', 'frameset', 'iframe', 'object', 'embed', 'applet', 'param',
]);
const EVENT_ATTRIBUTE = /(?:^|\s)on[a-z]+\s*=/i;
const SCRIPT_URL = /(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript):/i;

/** Returns the problems of a Narrative.div value (empty when it is acceptable). */
export function narrativeProblems(div: string): string[] {
  const root = ROOT.exec(div);
  if (!root) return ['narrative must be an XHTML <div> element'];
  const problems: string[] = [];
  if (!new RegExp(`\\sxmlns\\s*=\\s*["']${XHTML_NS.replace(/[./]/g, '\\$&')}["']`).test(root[1] ?? '')) {
    problems.push(`narrative root <div> must declare xmlns="${XHTML_NS}"`);
  }
  const forbidden = new Set<string>();
  let unsafeAttributes = false;
  for (const m of div.matchAll(TAG)) {
    const name = m[2].toLowerCase().replace(/^xhtml:/, '');
    if (FORBIDDEN_ELEMENTS.has(name)) forbidden.add(`<${name}>`);
    if (m[1] === '' && (EVENT_ATTRIBUTE.test(m[3]) || SCRIPT_URL.test(m[3]))) unsafeAttributes = true;
  }
  if (forbidden.size > 0) problems.push(`narrative must not contain ${[...forbidden].join(', ')} (txt-1)`);
  if (unsafeAttributes) problems.push('narrative must not contain event-handler attributes or script URLs (txt-1)');
  if (!hasContent(div)) problems.push('narrative must have some non-whitespace content (txt-2)');
  return problems;
}

function hasContent(div: string): boolean {
  if (/<\s*img[\s/>]/i.test(div)) return true;
  const text = div
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;|&#160;|&#xa0;/gi, ' ');
  return text.trim().length > 0;
}
