// BullMQ queue names (DESIGN.md, "Queues"): few, each named for one kind of work.
export const QUEUES = {
  /** One long-running job per camera: whoever holds it watches that camera. */
  cameraStreams: 'camera-streams',
  /** One job per uploaded drone image. */
  surveyImages: 'survey-images',
  /** One job per case observation to post to the dispatch API. */
  dispatch: 'dispatch',
  /** One job per training run: a classifier target's, or a detector fine-tune (models/versions/training-queue.ts). */
  training: 'training',
} as const;
