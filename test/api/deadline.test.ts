// Handling limits counted in working time.
import { describe, expect, it } from 'vitest';
import { addWorkingMinutes, dueAt, type WorkingCalendar } from '../../api/case/deadline.ts';

const shanghai: WorkingCalendar = {
  timezone: 'Asia/Shanghai',
  days: [1, 2, 3, 4, 5],
  periods: [
    { start: '08:30', end: '12:00' },
    { start: '13:30', end: '17:30' },
  ],
  holidays: ['2026-10-01', '2026-10-02'],
  workdays: ['2026-10-10'],
};

const at = (local: string) => new Date(`${local}+08:00`);

describe('working time', () => {
  it('counts across lunch', () => {
    expect(addWorkingMinutes(at('2026-03-02T10:00:00'), 240, shanghai)).toEqual(at('2026-03-02T15:30:00'));
  });
  it('starts at the next working period when dispatched out of hours', () => {
    expect(addWorkingMinutes(at('2026-03-02T19:00:00'), 60, shanghai)).toEqual(at('2026-03-03T09:30:00'));
    expect(addWorkingMinutes(at('2026-03-02T12:30:00'), 30, shanghai)).toEqual(at('2026-03-02T14:00:00'));
  });
  it('skips weekends and holidays, and counts make-up working days', () => {
    expect(addWorkingMinutes(at('2026-03-06T17:00:00'), 60, shanghai)).toEqual(at('2026-03-09T09:00:00')); // Friday → Monday
    expect(addWorkingMinutes(at('2026-09-30T17:00:00'), 60, shanghai)).toEqual(at('2026-10-05T09:00:00')); // holidays 1-2 Oct, weekend 3-4
    expect(addWorkingMinutes(at('2026-10-09T17:00:00'), 60, shanghai)).toEqual(at('2026-10-10T09:00:00')); // Saturday 10 Oct is a workday
  });
  it('uses clock time when the type says so', () => {
    expect(dueAt(at('2026-03-07T23:30:00'), 60, false, shanghai)).toEqual(at('2026-03-08T00:30:00'));
  });
  it('refuses a calendar without working time', () => {
    expect(() => addWorkingMinutes(new Date(), 1, { ...shanghai, days: [] })).toThrow(/no working time/);
  });
});
