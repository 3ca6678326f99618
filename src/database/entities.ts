// Every TypeORM entity of the service, listed once (no globs: they cannot be loaded under ESM
// test runners). A feature that adds an entity adds it here.
export const ENTITIES: Function[] = [];
