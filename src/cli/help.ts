/** The text of `--help`. Tool ids come from the adapter registry, wrapped to fit 80 columns. */
import { EXAMPLE_TOOLS, TOOL_IDS } from '../../adapters/tool-ids.js';

const { terminal, editor, apps } = EXAMPLE_TOOLS;

/** Words joined with two spaces, broken into lines of at most `width` characters, each indented. */
function wrapWords(words: readonly string[], indent: string, width = 80): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent.length + line.length + 2 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line}  ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((text) => indent + text).join('\n');
}

export const HELP = `mittwald-mcp-setup — connect your AI agent tools to the mittwald MCP server, and prove it works.

Usage
  mittwald-mcp-setup [setup] [options]     interactive wizard; with --tool it runs non-interactively
  mittwald-mcp-setup status [--tool …] [--json]
  mittwald-mcp-setup remove --tool <id> [--scope user|project] [--dry-run]
  mittwald-mcp-setup doctor [--tool …] [--fix] [--json]   what is wrong, and the one thing to do
  mittwald-mcp-setup report [--json]       a support report with secrets masked
  mittwald-mcp-setup ci github|gitlab [--tool …] [--write] [--yes] [--json]
                                           a CI pipeline that sets up the tools from a MITTWALD_API_TOKEN secret

Tools
${wrapWords(TOOL_IDS, '  ')}
  detected (every installed tool)   all

Options
  --tool <id>[,<id>…]     tools to set up (repeatable)
  --token-stdin           read the API token from standard input (or set MITTWALD_API_TOKEN)
  --token <token>         the API token itself; it lands in shell history and the process list,
                          so prefer MITTWALD_API_TOKEN or --token-stdin
  --oauth                 use OAuth (the default when no token is given)
  --access read|write|all what the tools may do with OAuth: read only (default: mittwald's read-only
                          scopes), read and change (no deleting, no ordering), or everything
  --scopes <s>[,<s>…]     the exact OAuth scopes instead of --access
  --secret ref|literal    store the token as a reference (an env var) or literally (0600 file)
  --scope user|project    where the entry goes, for tools that have both (default: user); a project
                          file is shared through git, so it always gets a reference, never the token
  --server-url <url>      MCP endpoint (default https://mcp.mittwald.de/mcp, env MITTWALD_MCP_URL)
  --api-url <url>         mittwald API (default https://api.mittwald.de, env MITTWALD_API_URL)
  --name <name>           the entry's name in each tool (default: mittwald)
  --dry-run               print the plan and a diff per file; change nothing
  --write                 ci: add the pipeline file to the repository (shows the diff, asks unless --yes)
  --json                  print one JSON result object on stdout, nothing else
  --no-verify             skip the connection checks
  --no-browser            print the sign-in URL instead of opening a browser
  --no-color              plain output (NO_COLOR is honoured too)
  --debug                 stack traces and HTTP traces (secrets stay masked)
  -y, --yes               accept defaults, never prompt
  --fix                   doctor: run the safe fixes (after asking; with --yes without asking)
  -h, --help              show this help
  -v, --version           print the version

Exit status: 0 configured and verified, 1 a tool or check failed, 2 usage error, 130 cancelled.

Examples
  npx mittwald-mcp-setup
  MITTWALD_API_TOKEN=… npx mittwald-mcp-setup --tool ${terminal.join(',')} --yes
  pbpaste | npx mittwald-mcp-setup --tool ${editor} --token-stdin
  npx mittwald-mcp-setup --tool ${editor} --token-stdin < token.txt
  npx mittwald-mcp-setup --tool ${editor} --scope project --dry-run
  npx mittwald-mcp-setup --tool ${apps.join(',')}
  npx mittwald-mcp-setup status --json
  npx mittwald-mcp-setup remove --tool ${editor}
  npx mittwald-mcp-setup doctor --fix
  npx mittwald-mcp-setup ci github --tool ${EXAMPLE_TOOLS.ci} --write
`;
