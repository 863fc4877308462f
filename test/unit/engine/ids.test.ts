import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdCodec, idKeyBytes } from '../../../sandbox/engine/ids';
import {
  captureEngineState,
  deserializeEngineState,
  restoreEngineState,
  serializeEngineState,
} from '../../../sandbox/engine/snapshot';
import { SnapshotSections } from '../../../sandbox/store/snapshot-sections';
import { sectionBuffers } from '../store/engine-image';
import { Harness } from './harness';

const lastNumber = 2 ** 52 - 1;
const keyOf = (seed: number) =>
  Array.from({ length: idKeyBytes }, (_, index) =>
    ((seed * 131 + index * 37 + ((index * index) % 251)) & 0xff).toString(16).padStart(2, '0'),
  ).join('');
const keyed = (ordersBefore = 0, fillsBefore = 0, seed = 1) =>
  new IdCodec({ key: keyOf(seed), orders_before: ordersBefore, fills_before: fillsBefore });
/** The digits of an id read as the base-36 number they spell, as a curious client would. */
const spelled = (id: string) => Number.parseInt(id.slice(4), 36);

void describe('id codec', () => {
  void it('round-trips every number, keyed and unkeyed, boundaries included', () => {
    const codecs = [keyed(), keyed(1000, 3000), keyed(0, 0, 2)];
    const check = (codec: IdCodec, number: number) => {
      const orderId = codec.orderId(number);
      const fillId = codec.fillId(number);
      assert.equal(codec.orderNumber(orderId), number, orderId);
      assert.equal(codec.fillNumber(fillId), number, fillId);
      const identity = number <= (codec.record?.orders_before ?? Infinity);
      assert.match(orderId, identity ? /^ord_[0-9a-z]{10}$/ : /^ord_[0-9a-z]{11}$/);
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: lastNumber }), fc.nat(codecs.length - 1), (n, c) =>
        check(codecs[c], n),
      ),
      { numRuns: 2000 },
    );
    for (const codec of codecs) {
      for (const number of [1, 2, 999, 1000, 1001, 3000, 3001, 36 ** 10 - 1, lastNumber - 1]) {
        check(codec, number);
      }
      check(codec, lastNumber);
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 36 ** 10 - 1 }), (number) => {
        const id = IdCodec.unkeyed.orderId(number);
        assert.equal(id, 'ord_' + number.toString(36).padStart(10, '0'), 'unkeyed ids as before');
        assert.equal(IdCodec.unkeyed.orderNumber(id), number);
      }),
    );
  });

  void it('refuses what it cannot have given out', () => {
    const codec = keyed(1000);
    const past = 'ord_' + (2 ** 52).toString(36).padStart(11, '0');
    const lookalikes = [
      'ord_000000000A',
      'ord_00000001',
      'ord_0000000000',
      'ord_',
      '',
      'fil_0000000001',
      codec.fillId(5000),
      // An identity id past the orders the key found, and a keyed id of one it found.
      'ord_' + (1001).toString(36).padStart(10, '0'),
      past,
      'ord_' + codec.orderId(1001).slice(4).toUpperCase(),
      codec.orderId(5000) + '0',
    ];
    for (const id of lookalikes) assert.equal(codec.orderNumber(id), undefined, id);
    for (const id of ['ord_000000000A', 'ord_00000000001', 'ord_0000000000', past]) {
      assert.equal(IdCodec.unkeyed.orderNumber(id), undefined, id);
    }
    // Number 5 kept its identity id when the key came: its keyed id (what the same key gives it
    // with nothing before) was never given out, so it names nothing; one id per order.
    const keyedFive = keyed(0).orderId(5);
    assert.equal(keyed(0).orderNumber(keyedFive), 5);
    assert.equal(codec.orderNumber(keyedFive), undefined);
    assert.equal(codec.orderNumber(codec.orderId(5)), 5);
  });

  void it('gives ids that depend on the key and differ between orders and fills', () => {
    const [one, two] = [keyed(0, 0, 1), keyed(0, 0, 2)];
    let sameAcrossKeys = 0;
    let sameAcrossKinds = 0;
    for (let number = 1; number <= 1000; number++) {
      if (one.orderId(number).slice(4) === two.orderId(number).slice(4)) sameAcrossKeys++;
      if (one.orderId(number).slice(4) === one.fillId(number).slice(4)) sameAcrossKinds++;
    }
    assert.equal(sameAcrossKeys, 0);
    assert.equal(sameAcrossKinds, 0);
  });

  void it('refuses a malformed key, and numbers past 2^52', () => {
    assert.throws(
      () => new IdCodec({ key: 'abc', orders_before: 0, fills_before: 0 }),
      /lowercase hex/,
    );
    assert.throws(() => keyed().orderId(2 ** 52), /past 2\^52/);
  });
});

void describe('keyed ids in the engine', () => {
  // Security issue 21: an account that places two orders learns nothing of the orders and fills
  // other accounts placed in between. Unkeyed, its ids differ by exactly that count plus one.
  void it('do not tell an account how many orders others placed between two of its own', () => {
    const engine = new Harness(['acc_a', 'acc_b']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001, size: 1e12 });
    const orderIds: string[] = [];
    const fillIds: string[] = [];
    const between: number[] = [];
    for (let trial = 0; trial < 40; trial++) {
      const order = engine.place({ action: trial % 2 === 0 ? 'buy' : 'sell' }).order;
      orderIds.push(order.id);
      fillIds.push(order.fills[0]?.id ?? '');
      const others = (trial * 7) % 5;
      for (let index = 0; index < others; index++) {
        engine.place({ action: index % 2 === 0 ? 'buy' : 'sell' }, 'acc_b');
      }
      between.push(others);
    }
    for (const ids of [orderIds, fillIds]) {
      let rising = 0;
      for (let index = 1; index < ids.length; index++) {
        const gap = spelled(ids[index]) - spelled(ids[index - 1]);
        assert.notEqual(gap, between[index - 1] + 1, `${ids[index - 1]} then ${ids[index]}`);
        if (gap > 0) rising++;
      }
      // A random order of 40 values rises about half the time; creation order always would.
      assert.ok(rising > 5 && rising < 34, `rose ${rising} times of 39`);
    }
  });

  void it('survive JSON and binary snapshots; snapshots of earlier versions load unkeyed', () => {
    const engine = new Harness(['acc_a']);
    engine.quote('EURUSD', { bid: 1.1, ask: 1.1001 });
    const placed = engine.place({ action: 'buy' }).order;
    const json = deserializeEngineState(
      JSON.parse(JSON.stringify(serializeEngineState(engine.state))),
    );
    const image = captureEngineState(engine.state);
    const sections = SnapshotSections.fromBuffers(sectionBuffers(image.sections));
    const restore = (meta: unknown) =>
      restoreEngineState(JSON.parse(JSON.stringify(meta)), (index, bytes) =>
        sections.source(index, bytes),
      );
    for (const state of [json, restore(image.meta)]) {
      assert.deepEqual(state.ids.record, engine.state.ids.record);
      assert.equal(state.ids.orderNumber(placed.id), 1);
      assert.equal(state.ids.orderId(2), engine.state.ids.orderId(2));
    }

    const { ids: _ids, ...unkeyedMeta } = image.meta;
    const olderBinary = restore({ ...unkeyedMeta, version: 4 });
    const { ids: _jsonIds, ...unkeyedJson } = serializeEngineState(engine.state);
    const olderJson = deserializeEngineState({ ...unkeyedJson, version: 3 });
    for (const state of [olderBinary, olderJson]) {
      assert.equal(state.ids.record, null);
      assert.equal(state.ids.orderId(1), 'ord_0000000001');
    }
    assert.throws(() => restore({ ...image.meta, version: 7 }));
  });
});
