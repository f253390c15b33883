/**
 * What Relay needs to know about a MongoDB connection string without connecting: the hosts (for
 * error messages, never with credentials), the database name (default "relay"), and a way to keep the
 * password out of any message that quotes the URI.
 */

export interface UriParts {
  hosts: string[];
  dbName: string;
  password?: string;
}

const SCHEME = /^mongodb(\+srv)?:\/\//;

/** Splits a mongodb:// or mongodb+srv:// URI into hosts, database name and password. */
export function parseMongoUri(uri: string): UriParts {
  const scheme = SCHEME.exec(uri);
  const rest = scheme ? uri.slice(scheme[0].length) : uri;
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? '' : authority.slice(0, at);
  const colon = credentials.indexOf(':');
  const password = colon === -1 ? undefined : safeDecode(credentials.slice(colon + 1));
  const hosts = (at === -1 ? authority : authority.slice(at + 1)).split(',').filter((h) => h !== '');
  let dbName = '';
  if (authorityEnd !== -1 && rest[authorityEnd] === '/') {
    const pathEnd = rest.indexOf('?', authorityEnd);
    dbName = safeDecode(rest.slice(authorityEnd + 1, pathEnd === -1 ? undefined : pathEnd));
  }
  return { hosts: hosts.length > 0 ? hosts : ['(no host in MONGODB_URI)'], dbName: dbName || 'relay', password };
}

/** Replaces the URI's password (raw or percent-encoded) wherever it appears in `text`. */
export function redact(text: string, password: string | undefined): string {
  if (!password) return text;
  return text.split(password).join('****').split(encodeURIComponent(password)).join('****');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
