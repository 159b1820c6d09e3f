// The mapping of a WFM 6.5 database (6.5.104 or 6.5.201) to the 8.5.2 schema: per legacy table a
// transform for the copy, the users and roles derived from the supervisors, and the validation that finds
// every row breaking the documented encodings before anything is migrated.
export type { LegacyContext, LegacySupervisor, Mapped, OffsetOwner, ParentKeys, Rejection, TableMapping } from './types.ts';
export { TABLE_MAPPINGS } from './mappings.ts';
export { loadLegacyContext } from './context.ts';
export { legacyContextData, legacyTransformSpec, type LegacyContextData } from './row-transform.ts';
export { derivedUsersAndRoles, type DerivedUsersAndRoles, ROLE_COLUMNS, ROLE_PRIVILEGE_COLUMNS, WFM_USER_COLUMNS } from './users.ts';
export { validateLegacy } from './validate.ts';
export { valuesNotUtf8 } from './text.ts';
export { privilegesForRights, READ_REQUIRED_BY, RIGHT_CODES, RIGHT_PRIVILEGES, type RightCode } from './rights.ts';
export { COLUMN_RULES, type ColumnRule, type Rule } from './rules.ts';
export { PERFORMANCE_TABLES, SOURCE_KEYS } from './legacy-tables.ts';
