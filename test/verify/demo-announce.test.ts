// The demo terminal's lines for cases that change status after they were first announced.
import { expect, it } from 'vitest';
import { statusChangeLine } from '../../scripts/demo/field-loop.ts';

it('announces a case reopened by a new sighting, and stays quiet for other or no changes', () => {
  const c = { id: 7, type: 'illegal_parking', source: { id: 'demo-dog-street' } };
  expect(statusChangeLine({ ...c, status: 'reopened' }, 'handled')).toBe('reopened   #7 illegal_parking at demo-dog-street: seen again after it was handled');
  expect(statusChangeLine({ ...c, status: 'reopened' }, 'reopened')).toBeUndefined();
  expect(statusChangeLine({ ...c, status: 'confirmed' }, 'pending_review')).toBeUndefined();
});
