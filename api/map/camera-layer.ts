// Cameras on the map: where a camera stands (its configured location) and, for a camera calibrated
// to the ground, the stretch of road it places sightings on: the hull of the marks an operator
// measured, which is where its ground fit holds (pipeline/cameras/ground-plane.ts). Its zones are
// drawn on the picture in normalised coordinates and the picture's height is not in the config, so
// they are not projected; the marks' hull is what the camera can honestly claim on the map.
// Nothing else of the camera leaves: no stream URL, so any map reader may see this layer.
import type { CameraConfig } from '../../contracts/camera.ts';
import { collection, convexHull, point, polygon, type Collection, type LonLat } from './geojson.ts';

export function cameraLayer(cameras: CameraConfig[]): Collection {
  const features = cameras.flatMap((c) => {
    const props = { kind: 'camera', id: c.id, name: c.name, calibrated: !!c.ground, zones: c.zones.map((z) => z.id) };
    const out = [];
    if (c.location) out.push(point(c.location.lon, c.location.lat, props));
    if (c.ground) {
      const hull = convexHull(c.ground.points.map((p): LonLat => [p.lon, p.lat]));
      if (hull.length >= 3) out.push(polygon(hull, { ...props, kind: 'camera-view' }));
    }
    return out;
  });
  return collection(features);
}
