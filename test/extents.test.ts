// Extents, sizes and offsets computed from user input never wrap (issue 14, item 3): each
// class of overflowing view or geometry throws an Error naming the op, and the views that
// do fit the storage still work. The expected values of the working cases are torch's
// (as_strided reads storage elements offset + sum(i_k * stride_k)).
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';

describe('as_strided must fit its storage', () => {
  it('the reproducer: 4097 elements 2^52 apart over a storage of 4 (the extent wrapped in int64)', () => {
    const x = my.zeros(4);
    expect(() => x.asStrided([4097], [2 ** 52], 0)).toThrow(/^as_strided: view of shape \[4097\] strides \[4503599627370496\] offset 0 reaches past element 2\^63 \(its extent overflows int64\) of a storage of 4$/);
    // and so fill_ through such a view cannot write anywhere: the view is never made
    expect(x.toArray()).toEqual([0, 0, 0, 0]);
  });

  // [class, shape, strides, offset, message]
  const bad: [string, number[], number[], number, RegExp][] = [
    ['huge shape', [2 ** 50], [1], 0, /^as_strided: shape \[1125899906842624\] is too large/],
    ['huge shape over stride 0', [2 ** 30, 2 ** 30], [0, 0], 0, /^as_strided: shape \[1073741824, 1073741824\] is too large/],
    ['huge stride', [2], [2 ** 53 - 1], 0, /^as_strided: .* reaches element 9007199254740991 of a storage of 4$/],
    ['extent sum overflows', [1024, 1024], [2 ** 53 - 1, 2 ** 53 - 1], 0, /^as_strided: .*extent overflows int64/],
    ['stride one past the end', [2], [4], 0, /^as_strided: .*reaches element 4 of a storage of 4$/],
    ['offset past the end', [1], [1], 4, /^as_strided: .*offset 4 reaches element 4 of a storage of 4$/],
    ['offset plus extent past the end', [2, 2], [2, 1], 1, /^as_strided: .*reaches element 4 of a storage of 4$/],
    ['negative stride', [2], [-1], 1, /^as_strided: negative stride in \[-1\]/],
    ['negative offset', [2], [1], -1, /^as_strided: negative storage offset -1/],
  ];
  for (const [what, shape, strides, offset, msg] of bad)
    it(`refuses ${what}`, () => { expect(() => my.zeros(4).asStrided(shape, strides, offset)).toThrow(msg); });

  it('views that fit still read the right storage elements (as torch)', () => {
    const x = my.arange(6).to('float32');
    expect(x.asStrided([2, 2], [1, 1], 1).toArray()).toEqual([[1, 2], [2, 3]]);  // overlapping reads are fine
    expect(x.asStrided([3], [2], 1).toArray()).toEqual([1, 3, 5]);  // last element is storage element 5
    expect(x.asStrided([2, 3], [0, 1], 3).toArray()).toEqual([[3, 4, 5], [3, 4, 5]]);
    expect(x.asStrided([1], [2 ** 52], 5).toArray()).toEqual([5]);  // a size-1 dim never moves
    expect(x.asStrided([0], [2 ** 52], 0).toArray()).toEqual([]);
    // a view of a view addresses the storage, not the view
    expect(x.narrow(0, 2, 2).asStrided([2], [1], 4).toArray()).toEqual([4, 5]);
  });

  it('empty views with huge strides iterate nothing', () => {
    const e = my.zeros(4).asStrided([0, 3], [2 ** 53 - 1, 2 ** 53 - 1], 0);
    expect(e.add(1).shape).toEqual([0, 3]);
    expect(e.sum().item()).toBe(0);
    expect(e.unsqueeze(1).shape).toEqual([0, 1, 3]);
  });
});

describe('other size products are checked', () => {
  it('reshape with an inferred dim and a product past int64', () => {
    expect(() => my.zeros(4).reshape([2 ** 40, 2 ** 40, -1])).toThrow(/^reshape: size 1099511627776 \* 1099511627776 overflows int64/);
  });

  it('slice with a huge step keeps one element and a sane stride', () => {
    const s = my.arange(10).to('float32').slice(0, 3, 10, 2 ** 53 - 1);
    expect(s.toArray()).toEqual([3]);
    expect(s.unsqueeze(0).toArray()).toEqual([[3]]);
  });

  it('cat of expanded inputs whose sizes sum past int64', () => {
    const big = my.zeros(1).expand([2 ** 48]);
    const parts = Array.from({ length: 2 ** 15 + 1 }, () => big);
    expect(() => my.cat(parts, 0)).toThrow(/^cat: size 9223090561878065152 \+ 281474976710656 overflows int64/);
  });

  it('conv2d with an expanded kernel whose im2col buffer would overflow', () => {
    const w = my.zeros([1, 1, 1, 1]).expand([1, 1, 2 ** 24, 2 ** 24]);
    const x = my.zeros([1, 1, 1, 1]);
    // rows = 2^48, cols = 258 x 258: past 2^64 elements (once wrapped to 0, then written)
    expect(() => my.conv2d(x, w, null, { padding: [2 ** 23 + 128, 2 ** 23 + 128] })).toThrow(/^conv2d: size 281474976710656 \* 66564 overflows int64/);
  });

  it('conv2d with a dilation times kernel past int64', () => {
    const w = my.zeros([1, 1, 1, 1]).expand([1, 1, 2 ** 12, 1]);
    expect(() => my.conv2d(my.zeros([1, 1, 4, 4]), w, null, { dilation: [2 ** 52, 1] })).toThrow(/^conv2d: size 4503599627370496 \* 4095 overflows int64/);
  });

  it('convTranspose2d with a stride times input past int64', () => {
    const w = my.zeros([1, 1, 1, 1]);
    expect(() => my.convTranspose2d(my.zeros([1, 1, 2 ** 12, 1]), w, null, { stride: [2 ** 52, 1] })).toThrow(/^conv_transpose2d: size 4095 \* 4503599627370496 overflows int64/);
  });

  it('maxPool2d with a dilation times kernel past int64', () => {
    expect(() => my.maxPool2d(my.zeros([1, 1, 4, 4]), [1, 2 ** 40], { dilation: [1, 2 ** 30], padding: [0, 1] })).toThrow(/^max_pool2d: size 1073741824 \* 1099511627775 overflows int64/);
  });

  it('maxPool2d with a huge padding finds the first tap at once (stepping one dilation at a time hung)', () => {
    // kernel 2^40 with padding 2^39 over 4 columns: each of the 5 windows covers them all
    const x = my.tensor([[[[3, 1, 4, 1]]]], { dtype: 'float32' });
    const r = my.maxPool2dWithIndices(x, [1, 2 ** 40], { padding: [0, 2 ** 39], stride: 1 });
    expect(r.values.toArray()).toEqual([[[[4, 4, 4, 4, 4]]]]);
    expect(r.indices.toArray()).toEqual([[[[2, 2, 2, 2, 2]]]]);
  }, 5000);

  it('randperm checks n before sizing its buffer', () => {
    expect(() => my.randperm(2 ** 53 - 1)).toThrow(/^randperm: shape \[9007199254740991\] is too large/);
  });
});
