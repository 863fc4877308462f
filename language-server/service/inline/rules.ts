// What makes a call or a literal an order payload. Three rules, in the order they win when two
// find the same literal: an SDK order call, a literal posted to `/orders` over HTTP, a literal
// that is plainly an order by its keys. Precision comes first: a rule that is unsure finds
// nothing, and a value it cannot read is dynamic, never guessed at.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PayloadValue } from '../payload';
import type { Resolver } from './resolve';
import type {
  Candidate,
  CallSyntax,
  ContainerSyntax,
  Dialect,
  FieldRole,
  RawField,
  RawPayload,
  RuleName,
  Span,
} from './syntax';
import { spanOf } from './syntax';
import { isPlainOrder, keysOf } from './plain-order';

/** Calls that never post: `requests.get(url + "/orders")` lists orders. */
const notPosting = new Set(['get', 'delete', 'put', 'patch', 'head', 'options']);
const urlKeywords = new Set(['url', 'path', 'endpoint', 'uri', 'route']);
const bodyKeywords = new Set(['json', 'body', 'data', 'payload', 'order', 'request']);
const requestOptionKeys = new Set(['method', 'headers', 'body', 'json', 'data']);
const httpMethods = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i;
const headerNames = new Set(['authorization', 'accept', 'cookie', 'host', 'origin', 'referer']);
const maxDepth = 4;

/** A candidate before it knows its anchor. */
type Found = Omit<Candidate, 'anchor'>;

interface Body {
  container: ContainerSyntax;
  dependsOn: Span[];
  /** Touched between its assignment and the call: may hold more than is written. */
  touched: boolean;
}

export class Rules {
  private readonly found = new Map<string, Candidate[]>();

  constructor(
    readonly dialect: Dialect,
    readonly resolver: Resolver,
    /** The module imports the Timber SDK: `place_order` there is the SDK's. */
    readonly importsSdk: boolean,
  ) {}

  /** `ctx.buy(...)`, `ctx.sell(...)`, `place_order({...})`, `placeOrder({...})`. */
  sdkCall(node: Node): Candidate[] {
    return this.once('sdk-call', node, () => {
      const call = this.dialect.call(node);
      if (call === undefined) return [];
      if (call.name === 'buy' || call.name === 'sell') return this.sideCall(call);
      if (call.name === (this.dialect.grammar === 'python' ? 'place_order' : 'placeOrder')) {
        return this.placeOrderCall(call);
      }
      return [];
    });
  }

  /** A call that posts a literal to a URL ending in `/orders`. */
  httpCall(node: Node): Candidate[] {
    return this.once('http-call', node, () => {
      const call = this.dialect.call(node);
      if (call === undefined || notPosting.has(call.name.toLowerCase())) return [];
      return this.posted(call);
    });
  }

  /** `{"method": "POST", "path": "/orders", "body": {...}}`: a request written as data. */
  requestDescription(node: Node): Candidate[] {
    return this.once('request-description', node, () => {
      const description = this.dialect.container(node);
      if (description === undefined) return [];
      let url: Span[] | undefined;
      let method: PayloadValue | undefined;
      const bodies: Node[] = [];
      for (const entry of description.entries) {
        if (entry.kind !== 'pair' || entry.key === undefined) continue;
        const key = entry.key.toLowerCase();
        if (urlKeywords.has(key)) url ??= this.resolver.ordersUrl(entry.valueNode);
        else if (key === 'method') method = this.dialect.value(entry.valueNode);
        else if (key === 'body' || key === 'json' || key === 'data') bodies.push(entry.valueNode);
      }
      if (url === undefined || method?.kind !== 'string') return [];
      if (method.value.toUpperCase() !== 'POST') return [];
      return bodies.flatMap((body) =>
        this.bodyPayload(body, description.node, [spanOf(description.node), ...url]),
      );
    });
  }

  /** A literal whose keys say it is an order, wherever it is. */
  literal(node: Node): Candidate[] {
    return this.once('literal', node, () => {
      const literal = this.dialect.container(node);
      if (literal === undefined || !isPlainOrder(literal)) return [];
      const { fields, open } = this.fieldsOf(literal, (key) => key, false);
      const payload: RawPayload = {
        source: 'literal',
        span: spanOf(literal.node),
        fields,
        implied: {},
        open,
        insert: { at: literal.insertAt, style: literal.style, naming: 'api' },
      };
      return [{ payload, dependsOn: [spanOf(literal.node)] }];
    });
  }

  /** Runs the rule once per node and extraction; its candidates carry the node as anchor. */
  run(rule: RuleName, node: Node): Candidate[] {
    switch (rule) {
      case 'sdk-call':
        return this.sdkCall(node);
      case 'http-call':
        return this.httpCall(node);
      case 'request-description':
        return this.requestDescription(node);
      case 'literal':
        return this.literal(node);
    }
  }

  private once(rule: RuleName, node: Node, find: () => Found[]): Candidate[] {
    const key = `${rule}:${node.id}`;
    let candidates = this.found.get(key);
    if (candidates === undefined) {
      // Each candidate owns its spans: kept candidates are moved in place after an edit.
      candidates = find().map((found) => ({
        payload: found.payload,
        dependsOn: found.dependsOn.map((span) => ({ start: span.start, end: span.end })),
        anchor: { rule, span: spanOf(node) },
      }));
      this.found.set(key, candidates);
    }
    return candidates;
  }

  private sideCall(call: CallSyntax): Found[] {
    if (call.receiver === undefined) return [];
    const receiver = this.contextReceiver(call.receiver);
    if (receiver === undefined) return [];
    const { dialect } = this;
    const fields: RawField[] = [];
    const dependsOn = [spanOf(call.node), ...receiver];
    let open = false;
    let positional = 0;
    let options: ContainerSyntax | undefined;
    for (const argument of call.args) {
      if (argument.kind === 'spread' || argument.kind === 'keyword-spread') {
        open = true;
        continue;
      }
      if (argument.kind === 'keyword') {
        if (dialect.isAbsent(argument.node)) continue;
        fields.push(field(argument.name, argument.name, argument.nameNode, argument.node, dialect));
        continue;
      }
      const index = positional++;
      if (index < 2) {
        const name = index === 0 ? 'symbol' : 'quantity';
        fields.push(field(name, name, argument.node, argument.node, dialect, 'positional'));
      } else if (index === 2 && dialect.grammar === 'typescript') {
        if (dialect.isAbsent(argument.node)) continue;
        const body = this.resolveBody(argument.node, call.node);
        if (body === undefined) {
          open = true;
          continue;
        }
        options = body.container;
        dependsOn.push(spanOf(options.node), ...body.dependsOn);
        const named = this.fieldsOf(options, (key) => dialect.optionName(key), true);
        fields.push(...named.fields);
        open ||= named.open || body.touched;
      }
    }
    const payload: RawPayload = {
      source: 'sdk-call',
      span: spanOf(call.node),
      fields,
      implied: sideDefaults(call.name, fields, open),
      open,
    };
    if (dialect.grammar === 'python') {
      const last = call.args.at(-1);
      payload.insert = {
        at: last?.node.endIndex ?? call.argumentsNode.startIndex + 1,
        style: 'python-kwargs',
        naming: 'api',
      };
    } else if (options !== undefined) {
      payload.insert = { at: options.insertAt, style: options.style, naming: 'camel' };
    }
    return [{ payload, dependsOn }];
  }

  private placeOrderCall(call: CallSyntax): Found[] {
    const first = call.args[0];
    if (first?.kind !== 'positional') return [];
    const body = this.resolveBody(first.node, call.node);
    if (body === undefined) return [];
    const onContext =
      call.receiver !== undefined && this.contextReceiver(call.receiver) !== undefined;
    const onClient = call.receiver !== undefined && /client$/i.test(lastName(call.receiver) ?? '');
    const keys = keysOf(body.container);
    // Another library's place_order: unless it is called on the context, or on a client in a
    // module that imports the SDK, only an order's own keys make it one.
    const plainlyOrder = keys.includes('symbol') && keys.includes('action');
    if (!onContext && !(onClient && this.importsSdk) && !plainlyOrder) return [];
    return [this.payloadOf('sdk-call', body, [spanOf(call.node)])];
  }

  private posted(call: CallSyntax): Found[] {
    const { dialect, resolver } = this;
    let url: Span[] | undefined;
    const methods: PayloadValue[] = [];
    const bodies: Node[] = [];
    const others: Node[] = [];
    for (const argument of call.args) {
      if (argument.kind === 'keyword') {
        const keyword = argument.name.toLowerCase();
        if (urlKeywords.has(keyword)) url ??= resolver.ordersUrl(argument.node);
        else if (keyword === 'method') methods.push(dialect.value(argument.node));
        else if (bodyKeywords.has(keyword)) bodies.push(argument.node);
      } else if (argument.kind === 'positional') {
        const found = url === undefined ? resolver.ordersUrl(argument.node) : undefined;
        if (found !== undefined) {
          url = found;
          continue;
        }
        const value = dialect.value(argument.node);
        if (value.kind === 'string' && httpMethods.test(value.value)) methods.push(value);
        else others.push(argument.node);
      }
    }
    if (url === undefined) return [];
    const dependsOn = [spanOf(call.node), ...url];
    // Positional objects: fetch-style options ({method, body}), headers, or the body itself.
    let positionalBody = false;
    for (const other of others) {
      const resolved = this.resolveBody(other, call.node);
      if (resolved === undefined) continue;
      const keys = keysOf(resolved.container);
      if (keys.some((key) => requestOptionKeys.has(key)) && !keys.includes('symbol')) {
        dependsOn.push(spanOf(resolved.container.node), ...resolved.dependsOn);
        for (const entry of resolved.container.entries) {
          if (entry.kind !== 'pair' || entry.key === undefined) continue;
          if (entry.key === 'method') methods.push(dialect.value(entry.valueNode));
          else if (entry.key === 'body' || entry.key === 'json' || entry.key === 'data') {
            bodies.push(entry.valueNode);
          }
        }
      } else if (!positionalBody && !isHeaderLike(keys)) {
        positionalBody = true;
        bodies.push(other);
      }
    }
    if (!this.posts(call, methods)) return [];
    return bodies.flatMap((body) => this.bodyPayload(body, call.node, dependsOn));
  }

  /** Whether the methods written (or their absence) mean POST for this call. */
  private posts(call: CallSyntax, methods: PayloadValue[]): boolean {
    if (methods.length > 0) {
      return methods.every((method) => method.kind === 'string' && /^post$/i.test(method.value));
    }
    // fetch() and new Request() send GET unless told otherwise.
    const defaultsToGet =
      this.dialect.grammar === 'typescript' && (call.name === 'fetch' || call.name === 'Request');
    return !defaultsToGet;
  }

  private bodyPayload(body: Node, user: Node, dependsOn: Span[]): Found[] {
    const resolved = this.resolveBody(body, user);
    if (resolved === undefined) return [];
    return [this.payloadOf('http-body', resolved, dependsOn)];
  }

  private payloadOf(source: 'http-body' | 'sdk-call', body: Body, dependsOn: Span[]): Found {
    const { container } = body;
    const { fields, open } = this.fieldsOf(container, (key) => key, false);
    const payload: RawPayload = {
      source,
      span: spanOf(container.node),
      fields,
      implied: {},
      open: open || body.touched,
      insert: { at: container.insertAt, style: container.style, naming: 'api' },
    };
    return { payload, dependsOn: [...dependsOn, spanOf(container.node), ...body.dependsOn] };
  }

  /** The literal an argument stands for: written there, or assigned to the name it reads. */
  private resolveBody(node: Node, user: Node): Body | undefined {
    const { dialect, resolver } = this;
    const dependsOn: Span[] = [];
    let touched = false;
    let current = dialect.unwrapJson(node);
    for (let depth = 0; depth <= maxDepth; depth++) {
      const container = dialect.container(current);
      if (container !== undefined) return { container, dependsOn, touched };
      if (!dialect.isIdentifier(current)) return undefined;
      const binding = resolver.resolve(current);
      if (binding === undefined) return undefined;
      const statement = binding.assignment.statement;
      dependsOn.push(spanOf(statement));
      if (binding.sameScope) dependsOn.push({ start: statement.startIndex, end: user.endIndex });
      touched ||= resolver.touchedBetween(binding, current);
      current = dialect.unwrapJson(binding.assignment.value);
    }
    return undefined;
  }

  /**
   * Whether the receiver is the strategy context: named so (`ctx`, `self.ctx`, `context`), or a
   * parameter annotated `timber.Context` / `StrategyContext`. The spans that tell, if it is.
   */
  private contextReceiver(receiver: Node): Span[] | undefined {
    const name = lastName(receiver);
    if (name === undefined) return undefined;
    if (/(^|_)(ctx|context)$/i.test(name) || /[a-z](Ctx|Context)$/.test(name)) return [];
    if (!this.dialect.isIdentifier(receiver)) return undefined;
    for (let scope: Node | null = receiver.parent; scope !== null; scope = scope.parent) {
      if (!this.dialect.isFunction(scope)) continue;
      const annotation = this.dialect.parameterAnnotation(scope, name);
      if (annotation === undefined) continue;
      if (!isContextType(annotation)) return undefined;
      const parameters = scope.childForFieldName('parameters') ?? scope;
      return [spanOf(parameters)];
    }
    return undefined;
  }

  private fieldsOf(
    container: ContainerSyntax,
    rename: (key: string) => string,
    skipAbsent: boolean,
  ): { fields: RawField[]; open: boolean } {
    const fields: RawField[] = [];
    let open = false;
    for (const entry of container.entries) {
      if (entry.kind === 'spread' || entry.key === undefined) {
        // `**extra`, `...rest`, `[key]: value`: what else is sent cannot be read.
        open = true;
        continue;
      }
      if (skipAbsent && this.dialect.isAbsent(entry.valueNode)) continue;
      fields.push(
        field(rename(entry.key), entry.key, entry.keyNode, entry.valueNode, this.dialect),
      );
    }
    return { fields, open };
  }
}

function field(
  name: string,
  written: string,
  keyNode: Node,
  valueNode: Node,
  dialect: Dialect,
  role?: FieldRole,
): RawField {
  const found: RawField = {
    name,
    written,
    key: spanOf(keyNode),
    value: dialect.value(valueNode),
    valueSpan: spanOf(valueNode),
  };
  if (role === undefined) return found;
  if (role === 'key-only') {
    found.value = { kind: 'dynamic' };
    found.valueSpan = { start: keyNode.endIndex, end: keyNode.endIndex };
  }
  return { role, ...found };
}

/** What the SDKs' buy/sell fill in: the action, and market/gtc unless told otherwise. */
function sideDefaults(
  action: string,
  fields: RawField[],
  open: boolean,
): Partial<Record<string, PayloadValue>> {
  const implied: Partial<Record<string, PayloadValue>> = {
    action: { kind: 'string', value: action },
  };
  const named = (name: string) => fields.find((each) => each.name === name);
  if (named('order_type') === undefined) {
    const limitPrice = named('limit_price');
    // Python's None and TypeScript's undefined never get here: they mean "not given".
    if (limitPrice !== undefined) {
      implied.order_type =
        limitPrice.value.kind === 'dynamic' ? limitPrice.value : { kind: 'string', value: 'limit' };
    } else implied.order_type = open ? { kind: 'dynamic' } : { kind: 'string', value: 'market' };
  }
  if (named('time_in_force') === undefined) {
    implied.time_in_force = open ? { kind: 'dynamic' } : { kind: 'string', value: 'gtc' };
  }
  return implied;
}

function lastName(node: Node): string | undefined {
  if (node.childCount === 0) return node.text;
  const last = node.childForFieldName('attribute') ?? node.childForFieldName('property');
  return last?.text;
}

function isContextType(annotation: string): boolean {
  const bare = annotation
    .replace(/["'\s]/g, '')
    .replace(/^Optional\[(.*)\]$/, '$1')
    .replace(/\|(undefined|None)$/, '');
  return /^(timber\.)?(Strategy)?Context$/.test(bare);
}

function isHeaderLike(keys: string[]): boolean {
  return (
    keys.length > 0 && keys.every((key) => key.includes('-') || headerNames.has(key.toLowerCase()))
  );
}
