import { count, positive, rate } from '../../../cli/option-values';

describe('numeric options (simulate --drift, --fleet-size …)', () => {
  it('refuses a blank value instead of reading it as 0', () => {
    for (const blank of ['', ' '])
      for (const parse of [rate, count, positive]) expect(() => parse(blank)).toThrow('must be');
    expect(() => rate('')).toThrow('must be a number from 0 to 1');
  });

  it('takes the values in range and refuses the others', () => {
    expect(rate('0')).toBe(0);
    expect(rate('0.5')).toBe(0.5);
    expect(() => rate('1.5')).toThrow('must be a number from 0 to 1');
    expect(() => rate('NaN')).toThrow('must be a number from 0 to 1');
    expect(count('20')).toBe(20);
    expect(() => count('2.5')).toThrow('must be a whole number ≥ 0');
    expect(positive('300')).toBe(300);
    expect(() => positive('0')).toThrow('must be a number > 0');
  });
});
