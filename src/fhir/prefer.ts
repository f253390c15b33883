/** The Prefer request header (RFC 7240) as FHIR uses it: return=… and handling=…. */
export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
}

/** Reads the preferences FHIR defines; unknown or malformed ones are ignored, as RFC 7240 asks. */
export function parsePrefer(header: string | undefined): Preferences {
  const out: Preferences = {};
  for (const part of (header ?? '').split(/[,;]/)) {
    const [rawKey, rawValue] = part.split('=');
    const key = rawKey?.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')) out.return = value;
    if (key === 'handling' && (value === 'strict' || value === 'lenient')) out.handling = value;
  }
  return out;
}
