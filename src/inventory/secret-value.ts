import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { Secret } from '../core/secret.js';

/** `{ file }`, `{ command }` or `{ env }`: a secret read at run time, never written back. */
export type SecretSource = { file: string } | { command: string } | { env: string };

/**
 * Fence parameters whose names say they hold a credential (passwd, password,
 * snmp_priv_passwd, community, secret, token, key, …) — but not a `*_file` / `*_script` /
 * `*_path`, which name where a credential is, not the credential itself.
 * @example isSecretParam('passwd') === true; isSecretParam('key_file') === false
 */
export function isSecretParam(name: string): boolean {
  if (/_(file|script|path)$/i.test(name)) return false;
  return /pass|secret|token|community|credential|(^|_)key$/i.test(name);
}

export function isSecretSource(v: unknown): v is SecretSource {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A lazy Secret for a `{ file | command | env }` value: read when first revealed (a playbook
 * writing the file that needs it), so `inventory check` never runs the command.
 * `field` names it in errors (`cluster.stonith.params.passwd`), never its value.
 * @example secretFromSource({ env: 'IPMI_PW' }, 'cluster.stonith.params.passwd', '/etc/hactl/prod.yaml', expand)
 */
export function secretFromSource(src: SecretSource, field: string, location: string, expand: (p: string) => string): Secret {
  return Secret.lazy(() => {
    if ('env' in src) {
      const v = process.env[src.env];
      if (!v) {
        throw new InputError(`${field}: the environment variable ${src.env} is not set (or empty)`, {
          location,
          field,
          hint: `export ${src.env}=… before running hactl`,
        });
      }
      return v;
    }
    if ('file' in src) {
      const file = expand(src.file);
      let v: string;
      try {
        v = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new InputError(`${field}: cannot read ${file}: ${why}`, { location, field });
      }
      if (!v) throw new InputError(`${field}: ${file} is empty`, { location, field });
      return v;
    }
    let out: string;
    try {
      out = execFileSync('sh', ['-c', src.command], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      // stderr may quote what it read; only its first line, and never stdout
      const why = (err.stderr ?? '').trim().split('\n')[0] ?? '';
      const what = `${field}: the command \`${src.command}\` failed (exit ${err.status ?? '?'})`;
      throw new InputError(`${what}${why ? `: ${why}` : ''}`, { location, field });
    }
    const v = out.replace(/\r?\n$/, '');
    if (!v) throw new InputError(`${field}: the command \`${src.command}\` printed nothing`, { location, field });
    return v;
  });
}
