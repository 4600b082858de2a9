// Cameras as the operator configured them, one JSON document each; the camera workers read them
// through GET /v1/cameras. Zones live inside their camera's document.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Db } from '../store/db.ts';

export async function listCameras(db: Db): Promise<CameraConfig[]> {
  const rows = await db.query<{ config: CameraConfig }>('SELECT config FROM cameras ORDER BY id');
  return rows.map((r) => r.config);
}

export async function getCamera(db: Db, id: string): Promise<CameraConfig | null> {
  const [row] = await db.query<{ config: CameraConfig }>('SELECT config FROM cameras WHERE id = $1', [id]);
  return row?.config ?? null;
}

/** Creates or replaces; true when it was created. */
export async function putCamera(db: Db, camera: CameraConfig, now: Date): Promise<boolean> {
  const [row] = await db.query<{ created: boolean }>(
    `INSERT INTO cameras (id, config, created_at, updated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (id) DO UPDATE SET config = EXCLUDED.config, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS created`,
    [camera.id, JSON.stringify(camera), now],
  );
  return row!.created;
}

export async function deleteCamera(db: Db, id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM cameras WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}

/** Read-modify-write of one camera under a row lock (zone edits), so two operators cannot lose each other's change. */
export async function updateCamera(
  db: Db,
  id: string,
  change: (camera: CameraConfig) => CameraConfig,
  now: Date,
): Promise<CameraConfig | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ config: CameraConfig }>('SELECT config FROM cameras WHERE id = $1 FOR UPDATE', [id]);
    if (!row) return null;
    const next = change(row.config);
    await tx.query('UPDATE cameras SET config = $2, updated_at = $3 WHERE id = $1', [id, JSON.stringify(next), now]);
    return next;
  });
}
