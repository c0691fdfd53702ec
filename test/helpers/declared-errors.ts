// Every error a route answers must be declared in its response schema (and so
// in the OpenAPI document): the test app turns an undeclared code into a 500
// naming it, so whichever test provokes the code fails until the route lists
// it with errorResponses([...]).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const UNDECLARED_ERROR = 'TEST_UNDECLARED_ERROR_CODE';

/** The codes a route's schema declares for `status` (empty when it declares none). */
export function declaredCodes(request: FastifyRequest, status: number): readonly string[] {
  const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, ResponseSchema>;
  const schema = responses[String(status)];
  // A status that answers either a body of its own or an error (GET /health's 503) lists the error in anyOf.
  return [schema, ...(schema?.anyOf ?? [])].flatMap((s) => s?.properties?.error?.properties?.code?.enum ?? []);
}

interface ResponseSchema {
  properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
  anyOf?: ResponseSchema[];
}

export function guardDeclaredErrors(app: FastifyInstance): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // Unmatched paths (ROUTE_NOT_FOUND) and router errors have no route to declare anything.
    if (reply.statusCode < 400 || request.routeOptions.url === undefined || typeof payload !== 'string') return payload;
    let code: unknown;
    try {
      code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    } catch {
      return payload;
    }
    if (typeof code !== 'string' || declaredCodes(request, reply.statusCode).includes(code)) return payload;
    const message = `${request.method} ${request.routeOptions.url} answered ${reply.statusCode} ${code} without declaring it in its response schema`;
    reply.code(500);
    return JSON.stringify({ error: { code: UNDECLARED_ERROR, message } });
  });
}
