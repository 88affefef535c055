import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { probe } from '../../../src/checks/http.js';
import { arbitratorProbe } from '../../../src/checks/smoke.js';
import { InputError, InputErrors } from '../../../src/core/errors.js';
import { revealValue } from '../../../src/core/secret.js';
import { findAll, parseXml } from '../../../src/core/xml.js';
import { loadInventory, parseInventory } from '../../../src/inventory/index.js';
import type { ClusterModel } from '../../../src/inventory/model.js';
import { type FieldPath, formatPath } from '../../../src/inventory/source.js';
import { renderFile, renderString } from '../../../src/render/render.js';
import { guestView } from '../../../src/stack/guests.js';
import { haCfView } from '../../../src/stack/heartbeat.js';
import { ldirectordView } from '../../../src/stack/lvs.js';
import { cibView } from '../../../src/stack/pacemaker.js';
import { FIXTURES } from './helpers.js';

// Issue #24: inputs never become code. Every field that reaches a config file's syntax or a
// command line refuses shell syntax, newlines, option-like values and XML metacharacters
// with file:line:col; data fields (a fence password, expected text) are accepted and end
// up escaped where their format has escaping, verbatim where it needs none.

const BASE = readFileSync(join(FIXTURES, 'hostile/base.yaml'), 'utf8');
const FILE = 'hostile.yaml';

/** The base inventory with `value` at `path` (or, with `key`, a key renamed at `path`). */
function variant(path: FieldPath, value: unknown, stack?: 'heartbeat' | 'pacemaker'): string {
  const doc = parseDocument(BASE);
  doc.setIn(path, value);
  if (stack) doc.setIn(['cluster', 'stack'], stack);
  if (stack === 'pacemaker') doc.delete('lvs'); // LVS is a Heartbeat section (refused on pacemaker)
  return doc.toString({ lineWidth: 0 });
}

function problems(text: string): InputError[] {
  try {
    parseInventory(text, FILE);
  } catch (err) {
    if (err instanceof InputErrors) return err.errors;
    throw err;
  }
  return [];
}

/** Asserts the text is refused with an error located at `path` in the file, with a hint. */
function expectRefused(text: string, path: FieldPath): InputError {
  const errs = problems(text);
  const e = errs.find((x) => x.details.field === formatPath(path));
  expect(e, `${formatPath(path)} accepted; errors: ${errs.map((x) => `${x.details.field}: ${x.message}`).join('; ')}`).toBeDefined();
  expect(e!.details.location).toMatch(/^hostile\.yaml:\d+:\d+$/);
  expect(e!.details.hint).toBeTruthy();
  return e!;
}

it('the base inventory is valid', () => {
  expect(problems(BASE)).toEqual([]);
});

/** Hostile variants of a valid value: appended commands, a new line, an option, XML, a second word. */
const variants = (v: string, words = false): string[] => [
  `${v}; touch /tmp/pwned`,
  `${v}$(touch /tmp/pwned)`,
  `${v}\`touch /tmp/pwned\``,
  `${v}|sh`,
  `${v}&id`,
  `${v}>x`,
  `${v}\nrespawn root /bin/sh`,
  `${v}\r`,
  `${v}\u0000`,
  `-o${v}`,
  `--${v}`,
  `${v}"<&>`,
  `${v}{`,
  `${v}}`,
  `${v}#`,
  ...(words ? [] : [`${v} ${v}`]),
];

/** Fields whose value is syntax (a name, path, type, option) in some file or command line; `true`: words allowed. */
const SYNTAX_FIELDS: Array<[FieldPath, string, boolean?]> = [
  [['cluster', 'name'], 'hostile'],
  [['cluster', 'interface'], 'eth0'],
  [['cluster', 'floating_ips', 0, 'interface'], 'eth0'],
  [['cluster', 'floating_ips', 0, 'name'], 'vip'],
  [['cluster', 'stonith', 'agent'], 'fence_ipmilan'],
  [['ssh', 'user'], 'root'],
  [['nodes', 0, 'name'], 'master'],
  [['nodes', 0, 'ssh', 'host'], 'master.example'],
  [['nodes', 0, 'ssh', 'user'], 'root'],
  [['drbd', 0, 'name'], 'r0'],
  [['drbd', 0, 'device'], '/dev/drbd0'],
  [['drbd', 0, 'disk'], '/dev/vdb'],
  [['drbd', 0, 'meta_disk'], 'internal'],
  [['drbd', 0, 'meta_disk'], '/dev/vdd'],
  [['drbd', 0, 'filesystem', 'type'], 'ext4'],
  [['drbd', 0, 'filesystem', 'mount'], '/srv/data'],
  [['drbd', 0, 'filesystem', 'options'], 'noatime'],
  [['services', 0, 'name'], 'apache2'],
  [['services', 0, 'package'], 'apache2'],
  [['services', 0, 'check', 'path'], '/'],
  [['services', 0, 'drbd'], 'r0'],
  [['guests', 0, 'name'], 'vm1'],
  [['guests', 0, 'bridge'], 'br0'],
  [['guests', 0, 'disk'], '/dev/drbd1'],
  [['guests', 0, 'drbd'], 'r1'],
  [['guests', 0, 'mac'], '52:54:00:12:34:56'],
  [['lvs', 0, 'name'], 'web'],
  [['lvs', 0, 'virtual'], '10.9.0.200:80'],
  [['lvs', 0, 'scheduler'], 'wrr'],
  [['lvs', 0, 'check', 'path'], '/'],
  [['vars', 'hypervisor_packages', 0], 'qemu-system-x86'],
  // corosync values may be words (auto_tie_breaker_node: 1 2 3), one line without braces, `;` or `#`
  [['vars', 'corosync', 'totem', 'token_retransmits_before_loss_const'], '10', true],
  [['vars', 'corosync', 'quorum', 'wait_for_all'], '1', true],
  [['vars', 'drbd_options', 'r0', 'net', 'ping-int'], '3'],
  [['vars', 'drbd_options', 'r0', 'disk', 'on-io-error'], 'detach'],
];

describe('syntax fields refuse shell syntax, newlines, options and XML (inventory check, file:line:col)', () => {
  for (const [path, valid, words] of SYNTAX_FIELDS) {
    it(`${formatPath(path)} (valid: ${valid})`, () => {
      expect(problems(variant(path, valid))).toEqual([]);
      for (const v of variants(valid, words)) expectRefused(variant(path, v), path);
    });
  }

  it("the issue's cases, with the messages users see", () => {
    const msg = (path: FieldPath, v: unknown): string => {
      const e = expectRefused(variant(path, v), path);
      return `${e.details.location}: ${e.message} | ${e.details.hint}`;
    };
    expect(msg(['services', 0, 'check', 'path'], '/;touch${IFS}/tmp/pwned;#')).toMatch(
      /^hostile\.yaml:29:\d+: "\/;touch\$\{IFS\}\/tmp\/pwned;#" is not a valid URL path \| HTTP path to request/,
    );
    expect(msg(['services', 0, 'check', 'path'], '/a b')).toMatch(/"\/a b" is not a valid URL path \| .*percent-encode anything else/);
    expect(msg(['services', 0, 'package'], '-oDPkg::Pre-Invoke::=touch /tmp/pwned')).toMatch(
      /"-oDPkg::Pre-Invoke::=touch \/tmp\/pwned" is not a valid Debian package name \| .*Debian policy 5\.6\.1/,
    );
    expect(msg(['cluster', 'stonith', 'agent'], 'fence_lab\nrespawn root /bin/sh')).toMatch(
      /^hostile\.yaml:13:\d+: value contains a newline \(U\+000A\) \| inventory values are one line of printable text/,
    );
    expect(msg(['lvs', 0, 'scheduler'], 'wrr\n\tcheckcommand=/bin/sh')).toMatch(/value contains a newline/);
    expect(msg(['drbd', 0, 'filesystem', 'type'], 'ext4 -E root_owner')).toMatch(
      /is not a valid filesystem type \| .*lowercase letters and digits/,
    );
    expect(msg(['cluster', 'timing', 'token'], 1e23)).toMatch(/milliseconds must be <= 300000, got 1e\+23/);
  });
});

describe('keys of maps rendered into config files', () => {
  const keyCases: Array<[FieldPath, string]> = [
    [['cluster', 'stonith', 'params'], 'pass word'],
    [['cluster', 'stonith', 'params'], 'a;b'],
    [['cluster', 'stonith', 'params'], '-x'],
    [['cluster', 'stonith', 'params'], 'x"/><nvpair id="evil'],
    [['cluster', 'stonith', 'params'], 'a\nb'],
    [['vars', 'corosync', 'totem'], 'token\n}\nsystem {'],
    [['vars', 'corosync', 'totem'], 'interface'],
    [['vars', 'corosync', 'quorum'], 'provider'],
    [['vars', 'drbd_options', 'r0', 'net'], 'ping-int 3;\nhandlers {'],
    [['vars', 'drbd_options', 'r0', 'net'], 'handlers'],
    [['vars', 'drbd_options', 'r0', 'disk'], 'on-io-error detach; }'],
    [['vars', 'drbd_options'], 'r0;'],
  ];
  for (const [parent, key] of keyCases) {
    it(`${formatPath(parent)} refuses the key ${JSON.stringify(key)}`, () => {
      const doc = parseDocument(BASE);
      doc.setIn([...parent, key], 1);
      expectRefused(doc.toString({ lineWidth: 0 }), [...parent, key]);
    });
  }

  it('an unknown daemon option is named, with the nearest known one', () => {
    const doc = parseDocument(BASE);
    doc.setIn(['vars', 'corosync', 'totem', 'tokn'], 1000);
    const e = expectRefused(doc.toString(), ['vars', 'corosync', 'totem', 'tokn']);
    expect(`${e.message} | ${e.details.hint}`).toBe('"tokn" is not a valid corosync totem option | did you mean `token`?');
  });
});

describe('numbers have sane ranges', () => {
  const cases: Array<[FieldPath, number]> = [
    [['cluster', 'timing', 'token'], 1e23],
    [['cluster', 'timing', 'consensus'], 1e23],
    [['cluster', 'timing', 'monitor_interval'], 1e9],
    [['cluster', 'timing', 'keepalive'], 1e9],
    [['cluster', 'timing', 'deadtime'], 1e9],
    [['cluster', 'timing', 'warntime'], 1e9],
    [['cluster', 'timing', 'initdead'], 1e9],
    [['guests', 0, 'memory'], 1e23],
    [['guests', 0, 'vcpus'], 1e5],
    [['lvs', 0, 'persistent'], 1e12],
    [['lvs', 0, 'check', 'interval'], 1e9],
    [['lvs', 0, 'check', 'timeout'], 1e9],
    [['drbd', 0, 'port'], 70000],
    [['nodes', 0, 'node_id'], 1e23],
    [['vars', 'op_timeout_factor'], 1e6],
    [['cluster', 'timing', 'token'], -1],
    [['services', 0, 'check', 'port'], 0],
  ];
  for (const [path, n] of cases) it(`${formatPath(path)}: ${n}`, () => expectRefused(variant(path, n), path));
});

describe('no string anywhere holds a control character, free vars included', () => {
  const cases: Array<[FieldPath, string]> = [
    [['vars', 'note'], 'a\nb'],
    [['nodes', 0, 'vars', 'motd'], 'a\u0000b'],
    [['vars', 'deep', 'list', 0], 'x\ry'],
    [['cluster', 'stonith', 'params', 'password'], 'x\nrespawn root /bin/sh'],
    [['services', 0, 'check', 'expect'], 'a\u2028b'],
    [['lvs', 0, 'check', 'expect'], 'a\tb'],
    [['cluster', 'secrets_dir'], '/tmp/a\nb'],
    [['ssh', 'identity'], 'id\u001b[0m'],
  ];
  for (const [path, v] of cases) it(`${formatPath(path)}: ${JSON.stringify(v)}`, () => expectRefused(variant(path, v), path));

  it('a key with a newline in free vars is refused at the key', () => {
    const doc = parseDocument(BASE);
    doc.setIn(['vars', 'a\nb'], 1);
    const e = expectRefused(doc.toString(), ['vars', 'a\nb']);
    expect(e.message).toBe('key "a\\nb" contains a newline (U+000A)');
  });
});

const PASSWORD = `p"a&<s>'$(touch /tmp/pwned)\`touch /tmp/pwned\`;=#`;

describe('data fields are accepted and rendered escaped for their format', () => {
  const model = (text: string): ClusterModel => parseInventory(text, FILE);

  it('a fence password with quotes, &, <, $( ), backticks: the CIB XML escapes it and parses back to the same value', () => {
    const m = model(variant(['cluster', 'stonith', 'params', 'password'], PASSWORD, 'pacemaker'));
    expect(revealValue(m.stonith.params!['password']!)).toBe(PASSWORD); // a Secret in the model: masked when printed
    const xml = renderFile('pacemaker/resources.xml.hbs', cibView(m, { drbd: true, serviceClass: 'systemd' }));
    expect(xml).toContain('name="password" value="p&quot;a&amp;&lt;s&gt;&#x27;$(touch /tmp/pwned)&#x60;touch /tmp/pwned&#x60;;&#x3D;#"/>');
    const values = findAll(parseXml(xml), 'nvpair')
      .filter((n) => n.attrs['name'] === 'password')
      .map((n) => n.attrs['value']);
    expect(values).toEqual([PASSWORD, PASSWORD, PASSWORD]); // one fence device per member
    expect(findAll(parseXml(xml), 'nvpair').some((n) => n.attrs['id']?.includes('evil'))).toBe(false);
  });

  it('heartbeat: a password without whitespace goes into ha.cf as one word; one with a space or "#" is refused', () => {
    const ok = model(variant(['cluster', 'stonith', 'params', 'password'], `p"a&<s>'$(id)`, 'heartbeat'));
    const cf = renderFile('heartbeat/ha.cf.hbs', haCfView(ok, ok.master.name, '/usr/lib/heartbeat/ipfail'));
    expect(cf.split('\n').filter((l) => l.startsWith('stonith_host'))).toEqual([
      `stonith_host * external/fence_ipmilan 10.9.0.250 admin p"a&<s>'$(id)`,
    ]);
    for (const bad of ['two words', 'a#b', '']) {
      const e = expectRefused(variant(['cluster', 'stonith', 'params', 'password'], bad, 'heartbeat'), [
        'cluster',
        'stonith',
        'params',
        'password',
      ]);
      expect(e.message).toMatch(/^stonith parameter password (holds whitespace or "#"|is empty): ha\.cf cannot represent it$/);
    }
  });

  it('expected texts: any one line for the orchestrator\'s probe; no `"` where ldirectord.cf quotes it', () => {
    const m = model(variant(['services', 0, 'check', 'expect'], `"<&>$(touch /tmp/pwned)`));
    expect(m.services[0]?.check?.expect).toBe(`"<&>$(touch /tmp/pwned)`);
    const l = model(variant(['lvs', 0, 'check', 'expect'], `<ok> & $(id)`));
    expect(renderFile('ldirectord/ldirectord.cf.hbs', ldirectordView(l))).toContain('\treceive="<ok> & $(id)"\n');
    expectRefused(variant(['lvs', 0, 'check', 'expect'], 'a"b'), ['lvs', 0, 'check', 'expect']);
    expectRefused(variant(['lvs', 0, 'check', 'expect'], 'a\\'), ['lvs', 0, 'check', 'expect']);
    // a model built in code (a playbook) meets the template's own refusal
    const forged = { ...l, lvs: l.lvs.map((s) => ({ ...s, check: { ...s.check, expect: 'a"b' } })) };
    expect(() => renderFile('ldirectord/ldirectord.cf.hbs', ldirectordView(forged))).toThrow(/cannot be written between double quotes/);
  });

  it('templates refuse data with a control character, whatever the format', () => {
    expect(() => renderString('a = {{x}}\n', { x: 'a\nb' }, 'x.conf.hbs')).toThrow(InputError);
    expect(() => renderString('<a v="{{x}}"/>', { list: [{ y: 'a\u0000' }], x: 1 }, 'x.xml.hbs')).toThrow(
      /template data list\[0\]\.y contains a NUL/,
    );
    expect(renderString('<a v="{{x}}"/>', { x: `"'&<>` }, 'x.xml.hbs')).toBe('<a v="&quot;&#x27;&amp;&lt;&gt;"/>');
    expect(renderString('v={{x}}', { x: `"'&<>` }, 'x.conf.hbs')).toBe(`v="'&<>`);
  });

  it('a KVM domain XML stays well-formed with "--" in the names of its comment', () => {
    const m = model(variant(['cluster', 'name'], 'a--b'));
    const xml = renderFile('kvm/domain.xml.hbs', guestView(m, { ...m.guests[0]!, disk: '/dev/mapper/vg--data-lv' }));
    expect(xml.split('\n')[0]).not.toMatch(/<!--.*--.*-->/);
    expect(parseXml(xml.replace(/^<!--(?:(?!--).)*-->\n/, '')).name).toBe('domain');
  });
});

describe('command lines quote inventory values (defence in depth, for models built in code)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("smoke's probe from the arbitrator passes a hostile path to curl as one URL argument", () => {
    const marker = join(dir, 'pwned');
    writeFileSync(join(dir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\nprintf 200\n`, { mode: 0o755 });
    for (const path of [
      `/;touch${'${IFS}'}${marker};#`,
      `/$(touch ${marker})`,
      `/\`touch ${marker}\``,
      '/a b',
      `/' ; touch ${marker} ; '`,
    ]) {
      const r = spawnSync('sh', ['-c', arbitratorProbe('10.9.0.100', 80, path)], {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: 'utf8',
      });
      expect(r.stdout).toBe('200');
      expect(readFileSync(join(dir, 'args'), 'utf8').split('\n').slice(-3, -1)).toEqual(['--', `http://10.9.0.100:80${path}`]);
      expect(existsSync(marker)).toBe(false);
    }
  });
});

it("the orchestrator's HTTP probe reports a path node cannot send (`/a b`) as a failed probe, never a crash", async () => {
  const r = await probe('127.0.0.1', 9, '/a b', 500);
  expect(r).toMatchObject({ ok: false, error: 'Request path contains unescaped characters' });
});

describe('inventory files: only regular files of at most 1 MiB, refused before reading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-inv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const refusal = async (file: string): Promise<string> => {
    try {
      await loadInventory(file);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return (err as InputError).message;
    }
    throw new Error(`${file} was accepted`);
  };

  it('a FIFO (which would block forever), a directory and a device', async () => {
    const fifo = join(dir, 'fifo.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(await refusal(fifo)).toBe(`cannot read inventory ${fifo}: not a regular file (a FIFO)`);
    expect(await refusal(dir)).toBe(`cannot read inventory ${dir}: not a regular file (a directory)`);
    expect(await refusal('/dev/zero')).toBe('cannot read inventory /dev/zero: not a regular file (a device)');
  });

  it('a file over 1 MiB (a 50 MB inventory took 2 GB of memory)', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, BASE + `# ${'x'.repeat(1024 * 1024)}\n`);
    expect(await refusal(big)).toMatch(
      /^cannot read inventory .*big\.yaml: \d+ bytes is more than the 1048576 \(1 MiB\) an inventory may have$/,
    );
  });
});
