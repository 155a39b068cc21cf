/** GitHub's Copilot cloud agent, for `ci github`: the repository MCP configuration it reads on GitHub. */
import type { HostedAgent } from '../../src/kit/adapter.js';
import { TOKEN_ENV_VAR } from '../../src/model.js';

/** The secret the cloud agent's MCP configuration refers to: its secret store only hands names with this
 * prefix to MCP servers. */
export const CLOUD_AGENT_SECRET = `COPILOT_MCP_${TOKEN_ENV_VAR}`;

/** GitHub's Copilot cloud agent (formerly "coding agent") takes MCP servers only from the repository's MCP
 * configuration on GitHub, no OAuth servers, and secrets only from the "Agents" secret store, by a
 * `COPILOT_MCP_` name in `$VAR` / `${VAR}` form. Format and steps as documented on 2026-12-01 in
 * https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/configure-mcp-servers
 * (`mcpServers.<name>`: `type` "http", `url`, `headers`, required `tools`) and
 * https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/customize-cloud-agent/configure-secrets-and-variables
 * (Settings → Secrets and variables → Agents; the old `copilot` environment's secrets were moved there). */
export const cloudAgent: HostedAgent = {
  provider: 'github',
  name: 'GitHub Copilot cloud agent',
  note: "It reads MCP servers from the repository's settings on GitHub, not from a file, and takes no OAuth servers: it needs an API token from its own secret store.",
  secret: CLOUD_AGENT_SECRET,
  configuration: ({ name, serverUrl }) =>
    `${JSON.stringify({ mcpServers: { [name]: { type: 'http', url: serverUrl, headers: { Authorization: `Bearer \${${CLOUD_AGENT_SECRET}}` }, tools: ['*'] } } }, null, 2)}\n`,
  steps: [
    'On GitHub, in the repository: Settings → Copilot → Cloud agent → "Model Context Protocol (MCP)": paste the configuration into "MCP configuration" and click "Save MCP configuration".',
    `Settings → Secrets and variables → Agents → New repository secret: name it ${CLOUD_AGENT_SECRET} and paste a mittwald API token. The agent calls the tools without asking, so give it a read-only token (api_read), or list only the tools it needs in "tools".`,
  ],
  sources: [
    'https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/configure-mcp-servers',
    'https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/customize-cloud-agent/configure-secrets-and-variables',
  ],
};
