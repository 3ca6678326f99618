// Every TypeORM entity of the service, listed once (no globs: they cannot be loaded under ESM
// test runners). A feature that adds an entity adds it here.
import { UnmatchedCallbackEntity } from '../callbacks/unmatched-callback.entity.js';
import { SubmissionEventEntity } from '../submissions/submission-event.entity.js';
import { SubmissionEntity } from '../submissions/submission.entity.js';

export const ENTITIES: Function[] = [SubmissionEntity, SubmissionEventEntity, UnmatchedCallbackEntity];
