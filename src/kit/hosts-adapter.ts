/** One tool whose MCP servers live in several apps' files (its hosts), each host an adapter of its own (built
 * with the servers-file kit, its files named with the host). Setup writes every host that is found here (the
 * first host when none is), remove takes the entry out wherever it is, status reads them all. */
import type { Adapter } from './adapter.js';
import type { Detection, Environment, Scope, ToolId, ToolPlan } from '../model.js';
import { planChanges } from './plan.js';

export interface ToolHost {
  /** Display name, the same as the `host` of its files (e.g. "Cline CLI"). */
  name: string;
  /** The host's adapter: its id is the tool's, its files carry `host: name`. */
  adapter: Adapter;
}

export interface MultiHostTool {
  id: Adapter['id'];
  name: string;
  secretReference: Adapter['secretReference'];
  /** In order of preference: the first is configured when none is found. */
  hosts: readonly ToolHost[];
}

const found = (detection: Detection): boolean => detection.state !== 'not-installed';

async function detections(tool: MultiHostTool, environment: Environment): Promise<Array<{ host: ToolHost; detection: Detection }>> {
  return Promise.all(tool.hosts.map(async (host) => ({ host, detection: await host.adapter.detect(environment) })));
}

/** A tool's detection from those of the hosts found (by name): installed when one is, its settings found
 * when any host was found at all. */
export function detectionOfHosts(tool: ToolId, hosts: ReadonlyArray<{ name: string; detection: Detection }>): Detection {
  const state = hosts.some(({ detection }) => detection.state === 'installed') ? 'installed' : hosts.length > 0 ? 'config-found' : 'not-installed';
  return { tool, state, hosts: hosts.map(({ name }) => name), evidence: hosts.flatMap(({ detection }) => detection.evidence) };
}

const withHost = (host: ToolHost) => (plan: ToolPlan): ToolPlan => ({ ...plan, host: host.name });

export function defineMultiHostAdapter(tool: MultiHostTool): Adapter {
  const [first] = tool.hosts;
  if (!first) throw new Error(`${tool.name} has no host.`);
  const scopes: Scope[] = (['user', 'project'] as const).filter((scope) => tool.hosts.some((host) => host.adapter.scopes.includes(scope)));
  return {
    id: tool.id,
    name: tool.name,
    kind: 'config',
    scopes,
    acceptsToken: true,
    secretReference: tool.secretReference,
    async detect(environment): Promise<Detection> {
      const all = await detections(tool, environment);
      return detectionOfHosts(tool.id, all.filter(({ detection }) => found(detection)).map(({ host, detection }) => ({ name: host.name, detection })));
    },
    async plan(environment, request): Promise<ToolPlan[]> {
      const able = (await detections(tool, environment)).filter(({ host }) => host.adapter.scopes.includes(request.scope));
      const seen = able.filter(({ detection }) => found(detection)).map(({ host }) => host);
      const fallback = able[0]?.host ?? first;
      const hosts = seen.length > 0 ? seen : [fallback];
      const plans = (await Promise.all(hosts.map(async (host) => (await host.adapter.plan(environment, request)).map(withHost(host))))).flat();
      if (seen.length === 0 && tool.hosts.length > 1) {
        const names = tool.hosts.map((host) => host.name).join(', ');
        plans[0]?.warnings.unshift(`No ${tool.name} host (${names}) was found here; configuring ${fallback.name}.`);
      }
      return plans;
    },
    async planRemove(environment, options): Promise<ToolPlan[]> {
      const able = tool.hosts.filter((host) => host.adapter.scopes.includes(options.scope));
      const plans = (await Promise.all(able.map(async (host) => (await host.adapter.planRemove(environment, options)).map(withHost(host))))).flat();
      const changing = plans.filter(planChanges);
      return changing.length > 0 ? changing : plans.slice(0, 1);
    },
    async inspect(environment, options) {
      return (await Promise.all(tool.hosts.map((host) => host.adapter.inspect(environment, options)))).flat();
    },
  };
}
