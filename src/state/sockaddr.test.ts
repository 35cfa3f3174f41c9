import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSockAddr, decodeSockTuple, encodeSockAddr, encodeSockTuple, ipBytes, ipv6At, sockAddrText, sockTupleText,
} from './sockaddr.js';

test('ipv6At formats as glibc inet_ntop', () => {
  // Expected strings are what glibc's inet_ntop prints for these addresses.
  const cases: Array<[string, string]> = [
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1', '::1'],
    ['fe80::1', 'fe80::1'],
    ['2001:db8::ff00:42:8329', '2001:db8::ff00:42:8329'],
    ['1:0:0:2::3', '1:0:0:2::3'],
    ['::', '::'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::0.0.0.2', '::2'],
    ['1::', '1::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['0:0:1::', '0:0:1::'],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ];
  for (const [input, want] of cases) assert.equal(ipv6At(ipBytes(input), 0), want, input);
});

test('socket tuples and addresses decode and print as libsinsp does', () => {
  const t4 = encodeSockTuple({ sip: '10.0.0.1', sport: 40000, dip: '93.184.216.34', dport: 443 });
  assert.equal(t4.length, 13);
  assert.equal(sockTupleText(t4), '10.0.0.1:40000->93.184.216.34:443');
  const d4 = decodeSockTuple(t4)!;
  assert.deepEqual([d4.sip, d4.sport, d4.dip, d4.dport, d4.mapped], ['10.0.0.1', 40000, '93.184.216.34', 443, false]);

  const t6 = encodeSockTuple({ sip: '2001:db8::1', sport: 5000, dip: '::1', dport: 22 });
  assert.equal(t6.length, 37);
  assert.equal(sockTupleText(t6), '2001:db8::1:5000->::1:22');

  // Both ends IPv4-mapped: shown and kept as IPv4.
  const tm = encodeSockTuple({ sip: '::ffff:127.0.0.1', sport: 1234, dip: '::ffff:127.0.0.1', dport: 80 });
  assert.equal(sockTupleText(tm), '127.0.0.1:1234->127.0.0.1:80');
  assert.equal(decodeSockTuple(tm)!.mapped, true);

  const tu = encodeSockTuple({ source: 0xffff9a1b2c3d4e00n, dest: 0xffff9a1b2c3d4f00n, path: '/run/docker.sock' });
  assert.equal(sockTupleText(tu), 'ffff9a1b2c3d4e00->ffff9a1b2c3d4f00 /run/docker.sock');

  assert.equal(sockAddrText(encodeSockAddr({ ip: '0.0.0.0', port: 8080 })), '0.0.0.0:8080');
  assert.equal(sockAddrText(encodeSockAddr({ ip: '::', port: 8080 })), ':::8080');
  assert.equal(sockAddrText(encodeSockAddr({ path: '/tmp/s' })), '/tmp/s');
  assert.equal(decodeSockAddr(encodeSockAddr({ ip: '::ffff:10.1.2.3', port: 9 }))!.ip, '10.1.2.3');

  // Empty and truncated parameters.
  assert.equal(sockTupleText(Buffer.alloc(0)), 'NULL');
  assert.equal(decodeSockTuple(t4.subarray(0, 12)), undefined);
  assert.equal(sockTupleText(t4.subarray(0, 12)), 'INVALID IPv4');
  assert.equal(sockAddrText(Buffer.alloc(0)), '<NA>');
});

test('sockAddrText of every kind of address, decoded once', () => {
  assert.equal(sockAddrText(encodeSockAddr({ ip: '::ffff:10.1.2.3', port: 9 })), '::ffff:10.1.2.3:9', 'a mapped address prints as IPv6');
  assert.equal(sockAddrText(encodeSockAddr({ ip: '2001:db8::7', port: 443 })), '2001:db8::7:443');
  assert.equal(sockAddrText(encodeSockAddr({ ip: '10.0.0.1', port: 0 })), '10.0.0.1:0');
  assert.equal(sockAddrText(Buffer.from([16, 1, 2, 3])), 'family 16');
  assert.equal(sockAddrText(Buffer.from([2, 1, 2, 3])), 'INVALID IPv4');
  assert.equal(sockAddrText(Buffer.from([10, 1, 2, 3])), 'INVALID IPv6');
  assert.equal(sockAddrText(Buffer.from([1, 0x61])), 'INVALID PATH', 'a unix path without its NUL');
  assert.equal(sockAddrText(Buffer.from([1, 0])), '');
});
