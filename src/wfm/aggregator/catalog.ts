// What an event may refer to: the activities, agents, agent states and reasons of a WFM database. The
// aggregator refuses an event that names anything else, and serves this catalog to event sources
// (`GET /catalog`) so that `wfm simulate` can send realistic events without reading the database itself.
import type { Connection } from '../../engine/dialect/types.ts';

export interface CatalogActivity {
  id: number;
  site_id: number;
  service_level_seconds: number;
}

export interface CatalogAgent {
  id: number;
  site_id: number;
  /** The activities the agent is skilled for. */
  activity_ids: number[];
}

export interface CatalogAgentState {
  id: number;
  code: string;
  name: string;
}

export interface CatalogReason {
  id: number;
  code: string;
  name: string;
  agent_state_id: number | null;
}

export interface Catalog {
  activities: CatalogActivity[];
  agents: CatalogAgent[];
  agent_states: CatalogAgentState[];
  reasons: CatalogReason[];
}

const num = (value: unknown): number => Number(value);

/** The catalog of an 8.5.2 database: activities and agents still in use, every agent state and reason. */
export async function loadCatalog(connection: Connection): Promise<Catalog> {
  const activities = await connection.query('SELECT id, site_id, service_level_seconds FROM activity WHERE deleted = 0 ORDER BY id');
  const agents = await connection.query('SELECT id, site_id FROM agent WHERE termination_date IS NULL ORDER BY id');
  const skills = await connection.query('SELECT agent_id, activity_id FROM agent_activity ORDER BY agent_id, activity_id');
  const states = await connection.query('SELECT id, code, name FROM agent_state ORDER BY id');
  const reasons = await connection.query('SELECT id, code, name, agent_state_id FROM reason ORDER BY id');
  const skillsOf = new Map<number, number[]>();
  for (const row of skills) {
    const list = skillsOf.get(num(row.agent_id)) ?? [];
    list.push(num(row.activity_id));
    skillsOf.set(num(row.agent_id), list);
  }
  return {
    activities: activities.map((r) => ({ id: num(r.id), site_id: num(r.site_id), service_level_seconds: num(r.service_level_seconds) })),
    agents: agents.map((r) => ({ id: num(r.id), site_id: num(r.site_id), activity_ids: skillsOf.get(num(r.id)) ?? [] })),
    agent_states: states.map((r) => ({ id: num(r.id), code: String(r.code), name: String(r.name) })),
    reasons: reasons.map((r) => ({ id: num(r.id), code: String(r.code), name: String(r.name), agent_state_id: r.agent_state_id === null ? null : num(r.agent_state_id) })),
  };
}
