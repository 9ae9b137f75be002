import { createScenario } from './create';
import { mixedScenario } from './mixed';
import type { Scenario } from './scenario';
import { sendScenario } from './send';
import { soakScenario } from './soak';

export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([createScenario, sendScenario, mixedScenario, soakScenario].map((s) => [s.name, s]));
export type { Scenario, ScenarioContext, ScenarioOptions } from './scenario';
