// Fastify type augmentation: what the app and each request carry.
import '@fastify/swagger';
import type { Config } from '../config.js';
import type { Driver, Queryable } from '../storage/driver.js';
import type { Principal } from '../auth/principal.js';
import type { ExportWorker } from '../export/worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    driver: Driver;
    /** Serves the read endpoints: a replica when DATABASE_READ_URL is set, else driver. */
    reader: Driver;
    /** The reader for analytics statements, at most DB_ANALYTICS_PARALLELISM of them at once (src/storage/statement-limit.ts). */
    analyticsReader: Queryable;
    /** False while migrations have not run yet (database down at start). */
    schemaReady: () => boolean;
    /** Runs export jobs of the shared queue; started by the server once the schema is migrated. */
    exportWorker: ExportWorker;
  }
  interface FastifyRequest {
    /** Set by the auth plugin in the protected context; null elsewhere. */
    principal: Principal | null;
    /** performance.now() when the request arrived; feeds meta.execution_time_ms. */
    startedAt: number;
  }
}

export {};
