import type { z } from 'zod';
import { Account, FillList } from '../api/account';
import type { AccountFill } from '../api/account';
import { TokenResponse } from '../api/auth';
import type { Order } from '../api/orders';
import { OrderList } from '../api/orders';

/** The API could not be reached or answered an error: an environment problem (exit code 3). */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiCredentials {
  keyId: string;
  secret: string;
}

/** The few calls the runner itself makes with a run's key, each answer parsed with the contract. */
export class ApiClient {
  private token: string | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly credentials: ApiCredentials,
  ) {}

  async request<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    if (path !== '/oauth/token' && this.token === null) await this.authenticate();
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(this.token !== null &&
            path !== '/oauth/token' && { Authorization: `Bearer ${this.token}` }),
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiProblem(
        `cannot reach the API at ${this.baseUrl} (${(error as Error).message}); check the URL and the network`,
      );
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!response.ok) {
      const message =
        (json as { error?: { message?: string } } | null)?.error?.message ?? response.statusText;
      throw new ApiProblem(
        `${method} ${path} answered ${response.status}: ${message}`,
        response.status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiProblem(
        `${method} ${path} answered something this runner does not understand: ${parsed.error.issues[0]?.message}`,
      );
    return parsed.data;
  }

  async authenticate(): Promise<void> {
    const answer = await this.request(TokenResponse, 'POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: this.credentials.keyId,
      client_secret: this.credentials.secret,
    });
    this.token = answer.access_token;
  }

  account(): Promise<Account> {
    return this.request(Account, 'GET', '/account');
  }

  /** Orders created in [from, to] (API clock), oldest first. */
  async ordersBetween(from: number, to: number): Promise<Order[]> {
    const orders: Order[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page++) {
      const query: string = `/orders?status=all&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer: z.infer<typeof OrderList> = await this.request(OrderList, 'GET', query);
      for (const order of answer.orders)
        if (order.created_at >= from && order.created_at <= to) orders.push(order);
      cursor = answer.next_cursor;
      if (cursor === null) break;
    }
    return orders.sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  }

  /** Fills in [from, to] (API clock), oldest first. */
  async fillsBetween(from: number, to: number): Promise<AccountFill[]> {
    const fills: AccountFill[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page++) {
      const query: string = `/account/fills?since=${from}&limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer: z.infer<typeof FillList> = await this.request(FillList, 'GET', query);
      for (const fill of answer.fills) if (fill.t >= from && fill.t <= to) fills.push(fill);
      cursor = answer.next_cursor;
      if (cursor === null) break;
    }
    return fills.sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
  }
}
