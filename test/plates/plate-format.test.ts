import { describe, expect, it } from 'vitest';
import type { DecodedChar } from '../../pipeline/plates/ctc.ts';
import { findPlate, plateKind } from '../../pipeline/plates/plate-format.ts';

const read = (text: string, prob = 0.9): DecodedChar[] => [...text].map((char) => ({ char, prob }));

describe('Chinese plate formats', () => {
  it.each([
    ['京A12345', 'ordinary'],
    ['沪C8K2M7', 'ordinary'],
    ['粤BD12345', 'new-energy'],
    ['粤B12345F', 'new-energy'],
    ['苏E1234警', 'special'],
    ['粤Z1234港', 'special'],
  ])('%s is a %s plate', (text, kind) => {
    expect(plateKind(text)).toBe(kind);
  });

  it.each([
    ['京I12345', 'authority letter I'],
    ['京O12345', 'authority letter O'],
    ['京112345', 'digit as authority letter'],
    ['A京12345', 'province not first'],
    ['京A1234', 'one character short'],
    ['京A123456', 'six digits without a new-energy letter'],
    ['搬家公司', 'a shop sign'],
    ['京A12I45', 'letter I in the serial'],
  ])('%s is not a plate (%s)', (text) => {
    expect(plateKind(text)).toBeUndefined();
  });
});

describe('findPlate on a recognised line', () => {
  it('drops the separator dot and spaces', () => {
    expect(findPlate(read('京A·12345'))).toMatchObject({ text: '京A12345', kind: 'ordinary' });
    expect(findPlate(read('京A 123 45'))).toMatchObject({ text: '京A12345' });
  });

  it('finds the plate inside a longer reading (frame edges, stickers)', () => {
    expect(findPlate(read('|京A12345|'))?.text).toBe('京A12345');
    expect(findPlate(read('检验合格 沪C8K2M7'))?.text).toBe('沪C8K2M7');
  });

  it('reads I and O in the serial as 1 and 0, which is all they can be on a plate', () => {
    expect(findPlate(read('京AO234I'))?.text).toBe('京A02341');
  });

  it('prefers the eight-character new-energy reading over cutting it to seven', () => {
    expect(findPlate(read('粤BD12345'))).toMatchObject({ text: '粤BD12345', kind: 'new-energy' });
  });

  it('turns full-width letters and digits into ASCII', () => {
    expect(findPlate(read('京Ａ１２３４５'))?.text).toBe('京A12345');
  });

  it('gives the mean probability of the plate characters only', () => {
    const chars = [{ char: '#', prob: 0.1 }, ...read('京A1234', 0.9), { char: '5', prob: 0.5 }];
    expect(findPlate(chars)!.confidence).toBeCloseTo((6 * 0.9 + 0.5) / 7, 6);
  });

  it('finds nothing in text that is not a plate', () => {
    expect(findPlate(read('搬家公司 13812345678'))).toBeUndefined();
    expect(findPlate([])).toBeUndefined();
  });
});
