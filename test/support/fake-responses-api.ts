/** A fake model behind the OpenAI Responses API (`POST /v1/responses`, streamed as server-sent events), so
 * that a real agent CLI (Codex) runs a whole turn offline: the test decides what the "model" answers — a
 * function call, or a message — and reads what the agent sent it (the tools it offered, the tool outputs it
 * sent back).
 *
 * The stream is the one OpenAI sends (created; per output item: added, deltas, done; completed with the whole
 * output), which both Codex and the Copilot CLI (in its BYOK mode) read. Every other path answers 404 and is
 * recorded, so a test sees what else was asked. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One item of a response's output, as the Responses API streams it. */
export type OutputItem =
  | { type: 'message'; role: 'assistant'; id: string; content: Array<{ type: 'output_text'; text: string }> }
  | { type: 'function_call'; id: string; call_id: string; name: string; namespace?: string; arguments: string };

/** What the agent sent in one `POST /v1/responses`. */
export interface ResponsesRequest {
  body: Record<string, unknown>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Decides the output of the `index`-th (0-based) model request. */
export type FakeModel = (request: ResponsesRequest, index: number) => OutputItem[];

export interface FakeResponsesApi {
  /** `http://127.0.0.1:<port>/v1`: a provider's base_url. */
  readonly baseUrl: string;
  /** Every `POST /v1/responses`, oldest first. */
  readonly requests: readonly ResponsesRequest[];
  /** Requests to any other path, as `METHOD path`. */
  readonly unknown: readonly string[];
  close(): Promise<void>;
}

/** An assistant message with `text`. */
export function message(text: string): OutputItem {
  return { type: 'message', role: 'assistant', id: `msg_${Math.random().toString(36).slice(2)}`, content: [{ type: 'output_text', text }] };
}

/** A call of the function `name` (in `namespace`, as Codex groups an MCP server's tools) with `args`. */
export function functionCall(name: string, args: Record<string, unknown>, namespace?: string): OutputItem {
  const id = Math.random().toString(36).slice(2);
  return { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name, ...(namespace ? { namespace } : {}), arguments: JSON.stringify(args) };
}

/** The functions a request offers the model, as `namespace/name` (or just `name` outside a namespace).
 * Codex sends an MCP server's tools either as functions named in a namespace or as a `namespace` tool that
 * holds them; both read the same here. */
export function offeredFunctions(request: ResponsesRequest): string[] {
  const tools = Array.isArray(request.body.tools) ? (request.body.tools as unknown[]) : [];
  const names: string[] = [];
  const visit = (tool: unknown, namespace: string | undefined): void => {
    if (typeof tool !== 'object' || tool === null) return;
    const { type, name, tools: inner, namespace: own } = tool as { type?: unknown; name?: unknown; tools?: unknown; namespace?: unknown };
    const ns = typeof own === 'string' ? own : namespace;
    if (Array.isArray(inner)) {
      for (const child of inner) visit(child, typeof name === 'string' ? name : ns);
      return;
    }
    if (type === 'function' && typeof name === 'string') names.push(ns ? `${ns}/${name}` : name);
  };
  for (const tool of tools) visit(tool, undefined);
  return names;
}

/** The `function_call_output` items a request sends back, by call id. */
export function functionOutputs(request: ResponsesRequest): Map<string, string> {
  const input = Array.isArray(request.body.input) ? (request.body.input as unknown[]) : [];
  const outputs = new Map<string, string>();
  for (const item of input) {
    const { type, call_id: callId, output } = (item ?? {}) as { type?: unknown; call_id?: unknown; output?: unknown };
    if (type === 'function_call_output' && typeof callId === 'string') outputs.set(callId, typeof output === 'string' ? output : JSON.stringify(output));
  }
  return outputs;
}

/** Starts the fake model on 127.0.0.1 with a random port. */
export async function startFakeResponsesApi(model: FakeModel): Promise<FakeResponsesApi> {
  const requests: ResponsesRequest[] = [];
  const unknown: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== '/v1/responses') {
      unknown.push(`${req.method} ${path}`);
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no ${path} here` } }));
      return;
    }
    void readJson(req).then(
      (body) => {
        const request: ResponsesRequest = { body, headers: req.headers };
        const index = requests.push(request) - 1;
        let output: OutputItem[];
        try {
          output = model(request, index);
        } catch (error) {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(error) } }));
          return;
        }
        const id = `resp_${index}`;
        const modelName = typeof body.model === 'string' ? body.model : 'fake-model';
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let sequence = 0;
        const send = (event: Record<string, unknown>): void =>
          void res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: sequence++ })}\n\n`);
        const response = (status: string, output: OutputItem[]) => ({ id, object: 'response', created_at: Math.floor(Date.now() / 1000), status, model: modelName, output, usage: null });
        send({ type: 'response.created', response: response('in_progress', []) });
        output.forEach((item, outputIndex) => streamItem(send, item, outputIndex));
        send({
          type: 'response.completed',
          response: { ...response('completed', output), usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 } },
        });
        res.end();
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    unknown,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The events of one output item, in the order OpenAI streams them: added, the content or argument deltas,
 * done. Clients that build the item from the deltas and clients that take the final item both get it. */
function streamItem(send: (event: Record<string, unknown>) => void, item: OutputItem, outputIndex: number): void {
  const base = { output_index: outputIndex, item_id: item.id };
  if (item.type === 'message') {
    send({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
    item.content.forEach((part, contentIndex) => {
      send({ type: 'response.content_part.added', ...base, content_index: contentIndex, part: { type: 'output_text', text: '', annotations: [] } });
      send({ type: 'response.output_text.delta', ...base, content_index: contentIndex, delta: part.text, logprobs: [] });
      send({ type: 'response.output_text.done', ...base, content_index: contentIndex, text: part.text, logprobs: [] });
      send({ type: 'response.content_part.done', ...base, content_index: contentIndex, part: { ...part, annotations: [] } });
    });
  } else {
    send({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
    send({ type: 'response.function_call_arguments.delta', ...base, delta: item.arguments });
    send({ type: 'response.function_call_arguments.done', ...base, arguments: item.arguments });
  }
  send({ type: 'response.output_item.done', output_index: outputIndex, item: { ...item, status: 'completed' } });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  return parsed as Record<string, unknown>;
}
