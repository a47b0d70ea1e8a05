import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Metrics } from '../metrics';

/** What clients send to create an item. */
interface NewItem {
  readonly name: string;
  readonly quantity?: number;
}

interface ItemRow {
  id: string;
  name: string;
  quantity: number;
  created_at: Date;
}

const itemSchema = {
  type: 'object',
  required: ['id', 'name', 'quantity', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    quantity: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const newItemSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    quantity: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
  },
} as const;

const COLUMNS = 'id, name, quantity, created_at';

/** `POST /items`, `GET /items`, `GET /items/:id`: the small resource that proves the database path works. */
export function registerItems(app: FastifyInstance, pool: Pool, metrics: Metrics): void {
  app.post<{ Body: NewItem }>(
    '/items',
    { schema: { body: newItemSchema, response: { 201: itemSchema } } },
    async (request, reply) => {
      const { rows } = await pool.query<ItemRow>(
        `INSERT INTO items (name, quantity) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [request.body.name, request.body.quantity ?? 0],
      );
      metrics.itemsCreated.inc();
      return reply.code(201).header('location', `/items/${rows[0]?.id}`).send(toItem(rows[0]));
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/items',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } } },
      },
    },
    async (request) => {
      const { rows } = await pool.query<ItemRow>(
        `SELECT ${COLUMNS} FROM items ORDER BY created_at DESC, id DESC LIMIT $1`,
        [request.query.limit],
      );
      return { items: rows.map(toItem) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/items/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
        },
        response: { 200: itemSchema },
      },
    },
    async (request, reply) => {
      const { rows } = await pool.query<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = $1`, [request.params.id]);
      if (rows[0] === undefined)
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such item' });
      return toItem(rows[0]);
    },
  );
}

function toItem(row: ItemRow | undefined) {
  if (row === undefined) throw new Error('expected a row from the database');
  // BIGINT arrives as a string; ids stay far below 2^53.
  return { id: Number(row.id), name: row.name, quantity: row.quantity, createdAt: row.created_at.toISOString() };
}
