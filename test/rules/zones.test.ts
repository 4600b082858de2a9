import { describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import { activeForSeconds, boxInZone, groundPoint, pointInPolygon } from '../../pipeline/rules/zones.ts';

const square: Array<[number, number]> = [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]];

describe('zones', () => {
  it('puts a point inside, outside and on the edge of a polygon', () => {
    expect(pointInPolygon([0.4, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.1, 0.4], square)).toBe(false);
    expect(pointInPolygon([0.6, 0.4], square)).toBe(true); // on the right edge
    expect(pointInPolygon([0.2, 0.2], square)).toBe(true); // on a corner
    expect(pointInPolygon([0.6000001, 0.4], square)).toBe(false);
    // A concave polygon (an L): the notch is outside.
    const l: Array<[number, number]> = [[0, 0], [1, 0], [1, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]];
    expect(pointInPolygon([0.75, 0.75], l)).toBe(false);
    expect(pointInPolygon([0.25, 0.75], l)).toBe(true);
  });

  it('judges a box by its bottom-centre point', () => {
    const zone: Zone = { id: 'z', kind: 'no_parking', polygon: square };
    const size = { width: 1000, height: 1000 };
    expect(groundPoint([300, 100, 500, 400], size)).toEqual([0.4, 0.4]);
    // The roof reaches out of the zone, the wheels stand in it.
    expect(boxInZone([300, 0, 500, 590], zone, size)).toBe(true);
    // The box overlaps the zone a lot but stands below it.
    expect(boxInZone([300, 300, 500, 650], zone, size)).toBe(false);
  });

  describe('schedules, in the camera time zone', () => {
    const day = [{ start: '07:00', end: '20:00' }];
    it('is active inside the window and says since when', () => {
      expect(activeForSeconds(day, new Date('2026-05-04T09:30:00+08:00'), 'Asia/Shanghai')).toBe(2.5 * 3600);
      expect(activeForSeconds(day, new Date('2026-05-04T06:59:59+08:00'), 'Asia/Shanghai')).toBeNull();
      expect(activeForSeconds(day, new Date('2026-05-04T07:00:00+08:00'), 'Asia/Shanghai')).toBe(0);
      expect(activeForSeconds(day, new Date('2026-05-04T20:00:00+08:00'), 'Asia/Shanghai')).toBeNull();
      expect(activeForSeconds(undefined, new Date(), 'Asia/Shanghai')).toBe(Infinity);
    });
    it('uses the camera time zone, not the server one', () => {
      // 09:30 in Shanghai is 01:30 UTC: active there, not active for a camera in London (02:30 BST).
      const at = new Date('2026-05-04T01:30:00Z');
      expect(activeForSeconds(day, at, 'Asia/Shanghai')).not.toBeNull();
      expect(activeForSeconds(day, at, 'Europe/London')).toBeNull();
    });
    it('runs an overnight window past midnight, on the day it started', () => {
      const night = [{ start: '22:00', end: '06:00', days: [5] }]; // Friday night only
      expect(activeForSeconds(night, new Date('2026-05-08T23:00:00+08:00'), 'Asia/Shanghai')).toBe(3600); // Fri 23:00
      expect(activeForSeconds(night, new Date('2026-05-09T05:00:00+08:00'), 'Asia/Shanghai')).toBe(7 * 3600); // Sat 05:00
      expect(activeForSeconds(night, new Date('2026-05-09T23:00:00+08:00'), 'Asia/Shanghai')).toBeNull(); // Sat 23:00
      expect(activeForSeconds(night, new Date('2026-05-08T05:00:00+08:00'), 'Asia/Shanghai')).toBeNull(); // Fri 05:00 belongs to Thursday
    });
    it('honours weekdays', () => {
      const weekdays = [{ start: '07:00', end: '20:00', days: [1, 2, 3, 4, 5] }];
      expect(activeForSeconds(weekdays, new Date('2026-05-04T10:00:00+08:00'), 'Asia/Shanghai')).not.toBeNull(); // Monday
      expect(activeForSeconds(weekdays, new Date('2026-05-09T10:00:00+08:00'), 'Asia/Shanghai')).toBeNull(); // Saturday
    });
  });
});
