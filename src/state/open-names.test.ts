import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue, EventView } from '../events/index.js';
import { OPEN_EXITS, isOpenExit, openName, openPath } from './open-names.js';
import { PathTexts } from './path-texts.js';
import { PPM_O } from './ppm.js';
import { Thread } from './threads.js';

function ev(name: string, params: ParamValue[]): EventView {
  return new EventView().reset(encodeEvent({ ts: 1n, tid: 1, type: eventCode(name), params }), 0, 1);
}

test('every open-family path comes from the path-text cache: equal bytes, the very same text', () => {
  const events: Array<[string, ParamValue[]]> = [
    ['open', [3, '/srv/app/config.yaml', PPM_O.RDONLY, 0, 0, 0]],
    ['creat', [3, '/srv/app/config.yaml', 0o644, 0, 0, 0]],
    ['openat', [3, -100, '/srv/app/config.yaml', PPM_O.RDONLY, 0, 0, 0]],
    ['openat2', [3, -100, '/srv/app/config.yaml', PPM_O.RDONLY, 0, 0, 0, 0]],
    ['open_by_handle_at', [3, 7, PPM_O.RDONLY, '/srv/app/config.yaml', 0, 0]],
  ];
  const paths = new PathTexts();
  const first = openPath(ev(...events[0]!), paths);
  assert.equal(first.text, '/srv/app/config.yaml');
  assert.equal(first.normalAbsolute, true);
  for (const [name, params] of events) {
    assert.equal(openPath(ev(name, params), paths), first, `${name}: the cached entry, not a new decode`);
  }
  assert.equal(openPath(ev('openat', [3, -100, null, 0, 0, 0, 0]), paths).text, '<NA>', 'an openat without a path');
  assert.deepEqual(OPEN_EXITS.map(isOpenExit), OPEN_EXITS.map(() => true));
  assert.equal(isOpenExit(eventCode('open', false)), false, 'enter events are not named by it');
  assert.equal(isOpenExit(eventCode('close')), false);
});

test('openName: open and creat resolve against the cwd (a placeholder thread\'s is "./")', () => {
  const t = new Thread(1);
  t.pid = 1;
  t.ptid = 0;
  t.shared.cwd = '/home/u/';
  const e = ev('open', [3, 'x/../y', PPM_O.RDONLY, 0, 0, 0]);
  const path = openPath(e, new PathTexts());
  assert.equal(openName(e, t, path, true), '/home/u/y');
  assert.equal(openName(e, t, path, false), '/home/u/y');
  const placeholder = new Thread(2);
  assert.equal(placeholder.invalid, true);
  assert.equal(openName(e, placeholder, path, true), './y');
});
