import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { NetworkInterfaces, completeTuple, hostInterfaces, v4 } from './interfaces.js';

// The interface list of a capture made on a cloud VM (two IPv4, three IPv6 addresses).
const VM = [
  { family: 'ipv4', addr: '127.0.0.1', netmask: '255.0.0.0' },
  { family: 'ipv4', addr: '10.0.0.79', netmask: '255.255.255.0' },
  { family: 'ipv6', addr: '::1' },
  { family: 'ipv6', addr: '2600:1f18:262c:6542:9aa6:df7a:9a47:d29e' },
  { family: 'ipv6', addr: 'fe80::ceb:feff:fe7d:6f7e' },
] as const;

test('IPv4 addresses are local when an interface has exactly that address', () => {
  const ifs = new NetworkInterfaces(VM);
  assert.equal(ifs.isLocal('10.0.0.79'), true);
  assert.equal(ifs.isLocal('127.0.0.1'), true);
  // libsinsp compares addresses, not networks: the rest of 127/8 and of the LAN is not ours.
  assert.equal(ifs.isLocal('127.0.0.53'), false);
  assert.equal(ifs.isLocal('10.0.0.80'), false);
  assert.equal(ifs.isLocal('0.0.0.0'), false);
});

test("IPv6 addresses are local when they share an interface's first 64 bits", () => {
  const ifs = new NetworkInterfaces(VM);
  assert.equal(ifs.isLocal('2600:1f18:262c:6542::1'), true);
  assert.equal(ifs.isLocal('2600:1f18:262c:6543::1'), false);
  // ::1 makes every address whose first 64 bits are zero local, :: and IPv4-mapped ones included.
  assert.equal(ifs.isLocal('::'), true);
  assert.equal(ifs.isLocal('::ffff:10.1.2.3'), true);
  assert.equal(ifs.isLocal('2001:4860:4860::8888'), false);
  assert.equal(ifs.isLocal('not an address'), false);
});

test('the local address of a peer: exact match, then same subnet, then the first non-loopback interface', () => {
  const ifs = new NetworkInterfaces(VM);
  assert.equal(ifs.inferIpv4('127.0.0.1'), '127.0.0.1');
  assert.equal(ifs.inferIpv4('10.0.0.5'), '10.0.0.79');
  assert.equal(ifs.inferIpv4('127.0.0.53'), '127.0.0.1');
  assert.equal(ifs.inferIpv4('8.8.8.8'), '10.0.0.79');
  assert.equal(ifs.inferIpv6('::1'), '::1');
  assert.equal(ifs.inferIpv6('fe80::1'), 'fe80::ceb:feff:fe7d:6f7e');
  assert.equal(ifs.inferIpv6('2001:4860:4860::8888'), '2600:1f18:262c:6542:9aa6:df7a:9a47:d29e');
  assert.equal(new NetworkInterfaces([{ family: 'ipv4', addr: '127.0.0.1', netmask: '255.0.0.0' }]).inferIpv4('8.8.8.8'), '0.0.0.0');
  assert.equal(new NetworkInterfaces([]).inferIpv6('::1'), '::');
});

test('an incomplete tuple gets its missing end from the interfaces (sinsp_network_interfaces::update_fd)', () => {
  {
    const ifs = new NetworkInterfaces(VM);
    // A datagram sent from an unbound socket: no source address.
    const a = { type: 'ipv6', cip: '::', cport: 0, sip: '::1', sport: 2345 };
    completeTuple(a, ifs);
    assert.equal(a.cip, '::1');
    const b = { type: 'ipv4', cip: '0.0.0.0', cport: 5353, sip: '8.8.8.8', sport: 53 };
    completeTuple(b, ifs);
    assert.equal(b.cip, '10.0.0.79');
    // Only the destination missing.
    const c = { type: 'ipv4', cip: '10.0.0.5', cport: 40000, sip: '0.0.0.0', sport: 53 };
    completeTuple(c, ifs);
    assert.equal(c.sip, '10.0.0.79');
    // Complete tuples, and the degenerate same-address-same-port one, are left alone.
    const d = { type: 'ipv4', cip: '10.0.0.5', cport: 1, sip: '10.0.0.6', sport: 2 };
    completeTuple(d, ifs);
    assert.deepEqual(d, { type: 'ipv4', cip: '10.0.0.5', cport: 1, sip: '10.0.0.6', sport: 2 });
    const e = { type: 'ipv4', cip: '0.0.0.0', cport: 7, sip: '10.0.0.79', sport: 7 };
    completeTuple(e, ifs);
    assert.equal(e.cip, '0.0.0.0');
    const f = { type: 'unix', cip: undefined, sip: undefined };
    completeTuple(f, ifs);
    assert.equal(f.cip, undefined);
  }
});

test("without a capture's list the host's interfaces are the local ones", () => {
  const lo = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4');
  if (lo) assert.equal(hostInterfaces().isLocal(lo.address), true);
  assert.equal(hostInterfaces().isLocal('192.0.2.123'), false);
});

test('v4 reads dotted quads as a number and refuses anything else', () => {
  assert.equal(v4('0.0.0.0'), 0);
  assert.equal(v4('127.0.0.1'), 0x7f000001);
  assert.equal(v4('255.255.255.255'), 0xffffffff);
  assert.equal(v4('10.0.0.79'), 10 * 2 ** 24 + 79);
  assert.equal(v4('010.000.0.0079'), 10 * 2 ** 24 + 79, 'leading zeros, as Number() reads them');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '256.1.1.1', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.-4', 'a.b.c.d', '::1']) {
    assert.equal(v4(bad), -1, JSON.stringify(bad));
  }
});
