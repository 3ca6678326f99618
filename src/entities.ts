// Every TypeORM entity of the service, listed once (no globs: they cannot be loaded under ESM
// test runners). A feature that adds an entity adds it here. Entities describe the schema the
// migrations build, for TypeORM's migration generator (database/data-source.ts) and the test that
// keeps them in agreement; the running service has no entity metadata and talks SQL through
// database/Sql.
// This list sits beside app.module.ts, not in database/, because it names the rooms that own
// the tables (the database room imports no feature).
import { UnmatchedCallbackEntity } from './callbacks/unmatched-callback.entity.js';
import { SubmissionEventEntity } from './submissions/submission-event.entity.js';
import { SubmissionEntity } from './submissions/submission.entity.js';

export const ENTITIES: Function[] = [SubmissionEntity, SubmissionEventEntity, UnmatchedCallbackEntity];
