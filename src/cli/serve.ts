// tracelens serve: migrate, build the app, listen, and shut down cleanly on
// SIGTERM; with --workers N > 1, a primary process supervising N of those.
import cluster from 'node:cluster';
import { buildApp } from '../app.js';
import { randomBytes } from 'node:crypto';
import { createVerifier } from '../auth/verifier.js';
import { mintToken } from '../auth/tokens.js';
import { isDevelopmentMode, loadConfig, type Config } from '../config.js';
import { openAdminDriver, openDrivers } from '../storage/open.js';
import { GinPendingMerger } from '../storage/gin-merger.js';
import { RollupFolder } from '../storage/rollup-folder.js';
import { partitionUpkeep } from '../storage/partitions.js';
import { PeriodicTask } from '../storage/periodic-task.js';
import { SchemaGate } from '../storage/schema-gate.js';
import { createQueryMonitor } from '../storage/observe.js';
import { loadDemoDataIfEmpty } from '../seed/demo.js';
import { ReadRouter } from '../replica/read-router.js';
import { answerMetricsCollects } from '../cluster/cluster-metrics.js';
import { superviseWorkers } from '../cluster/supervisor.js';
import { primaryLog } from '../cluster/primary-log.js';
import { onStopSignal } from '../cluster/stop-signals.js';
import { defaultWorkerCount, MAX_WORKERS } from '../cluster/worker-count.js';
import { collectDriverGauges } from '../metrics/index.js';
import { parseFlags, UsageError } from './args.js';

const SHUTDOWN_GRACE_MS = 25_000;
/** Partition upkeep (days ahead, retention): the day boundary is what matters, an hour is ample. */
const UPKEEP_INTERVAL_MS = 3_600_000;

/**
 * Development mode reads like a tool: one coloured line per event (pino-pretty,
 * in pino's worker thread). Anything else logs JSON lines for a log shipper.
 */
function loggerOptions(config: Config): object {
  if (!isDevelopmentMode(config)) return { level: config.logLevel };
  return {
    level: config.logLevel,
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true } },
  };
}

const HELP = `usage: tracelens serve [--workers N]

  --workers N   API processes sharing the port (default: one per core when
                NODE_ENV=production, else 1); N > 1 needs DATABASE_URL
`;

export async function serveCommand(argv: string[] = []): Promise<void> {
  const flags = parseFlags(argv, { workers: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    process.stdout.write(HELP);
    return;
  }
  if (flags.workers !== undefined && (!/^\d+$/.test(flags.workers) || Number(flags.workers) < 1 || Number(flags.workers) > MAX_WORKERS)) {
    throw new UsageError(`--workers must be an integer between 1 and ${MAX_WORKERS}\n\n${HELP}`);
  }
  const workers = flags.workers === undefined ? defaultWorkerCount() : Number(flags.workers);
  // Checked before forking, so a bad variable fails once, not in every worker.
  const config = loadConfig();
  if (workers === 1) return serveOne(config);
  if (config.databaseUrl === null) {
    // The embedded engine is one process's files: a second process cannot open them.
    throw new UsageError(`--workers ${workers} needs DATABASE_URL: the embedded engine serves one process\n\n${HELP}`);
  }
  superviseWorkers({ workers, graceMs: SHUTDOWN_GRACE_MS, log: primaryLog(config.logLevel) });
}

/** One API process: the whole server, or one worker under --workers. */
export async function serveOne(config: Config = loadConfig()): Promise<void> {
  const monitor = createQueryMonitor({ slowQueryMs: config.slowQueryMs });
  const { primary: driver, reader } = await openDrivers(config, monitor.observe);
  const schemaGate = new SchemaGate();
  // Development mode: embedded engine and no key configured. A fresh secret per
  // run means tokens from an earlier run stop working, which is what we want
  // for a throw-away local setup.
  const devSecret = isDevelopmentMode(config) ? randomBytes(48).toString('base64url') : undefined;
  const app = await buildApp({ config, driver, reader, schemaGate, verifier: createVerifier(config, devSecret), logger: loggerOptions(config) });
  answerMetricsCollects(() => collectDriverGauges(driver));
  if (reader instanceof ReadRouter) {
    reader.useLogger(app.log);
    // Not awaited: until the first probe answers, reads go to the primary.
    void reader.start();
  }
  await app.listen({ port: config.port, host: config.host });
  // Not awaited before listening: a database that is down at start must not
  // keep the process from serving /health and honest 503s meanwhile.
  // Migrations run on their own connection without the API's statement
  // timeout: a new index on a large table takes minutes to build.
  const admin = await openAdminDriver(config, 0, driver);
  const startup = schemaGate
    .runUntilReady(admin, app.log, async () => {
      const demo = await loadDemoDataIfEmpty(driver, config);
      if (demo > 0) app.log.info({ spans: demo }, 'empty database: loaded the demo data set (DEMO_DATA=false turns this off)');
      app.exportWorker.start();
    })
    .finally(() => (admin === driver ? undefined : admin.close()));
  // GIN pending lists merged off the request path, on a connection of its own
  // without the API's statement timeout (a list left by a bulk load takes a while).
  // PostgreSQL only: the embedded engine has one connection, and every merge
  // would queue the API's queries behind it (it is for development and small
  // data; tracelens maintain merges there).
  const mergeDb = config.ginMergeIntervalMs > 0 && config.databaseUrl !== null ? await openAdminDriver(config, 0) : null;
  const merger = mergeDb ? new GinPendingMerger(mergeDb, config.ginMergeIntervalMs, app.log) : null;
  // ROLLUP_MODE=deferred: pending rollup deltas folded in the background, on both engines (the
  // embedded engine's one connection: a fold of a second of ingest is short), on PostgreSQL on a
  // connection of its own without the API's statement timeout.
  const foldDb = config.rollupMode !== 'deferred' ? null : config.databaseUrl === null ? driver : await openAdminDriver(config, 0);
  const folder = foldDb ? new RollupFolder(foldDb, config.rollupFoldIntervalMs, app.log) : null;
  // Partitions ahead and retention, at start and every hour, on both engines
  // (the embedded engine's one connection: an hourly pass is short).
  const upkeepDb = config.databaseUrl === null ? driver : await openAdminDriver(config, 0);
  const upkeep = new PeriodicTask(UPKEEP_INTERVAL_MS, () => partitionUpkeep(upkeepDb, config.retentionDays), 'partition upkeep failed; retrying every hour', app.log);
  // The slow-query log starts once start-up work is done: the demo load's
  // multi-row inserts are slow by design, and warning about them told a new
  // user that something was wrong when nothing was.
  // The first merge (a start-up or demo load's long lists) is start-up work too.
  void startup
    .then(() => merger?.mergeOnce().catch(() => undefined))
    .then(() => partitionUpkeep(upkeepDb, config.retentionDays).catch((err: Error) => app.log.warn({ err: err.message }, 'partition upkeep failed; retrying every hour')))
    .then(() => {
      monitor.useLogger(app.log);
      merger?.start();
      upkeep.start();
    });
  // The fold starts with the schema, not after the first upkeep pass: that pass can take minutes on a
  // large database (it analyses partitions), and ingest would pile up pending deltas meanwhile.
  void startup.then(() => folder?.start());
  // The embedded engine cannot be "down": wait, so the printed curl finds data.
  if (config.databaseUrl === null) await startup;
  else await Promise.race([startup, new Promise((r) => setTimeout(r, 5000).unref())]);
  if (devSecret) {
    const token = await mintToken(devSecret, {
      sub: 'dev-admin',
      role: 'admin',
      ttlS: 12 * 3600,
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    });
    const base = `http://localhost:${config.port}`;
    process.stdout.write(
      `\ntracelens is running on ${base} (embedded PostgreSQL in ${config.dataDir}).\n` +
        `Development mode: a 12-hour admin token was minted for you. Try:\n\n` +
        `  curl -H 'Authorization: Bearer ${token}' '${base}/api/v1/traces?limit=5'\n\n` +
        `API docs: ${base}/docs\n\n`,
    );
  }
  // SIGTERM: stop accepting, let in-flight requests finish (Fastify answers
  // new ones 503 while closing), then close the pool. Bounded, so a stuck
  // request cannot keep a terminating pod alive forever.
  const shutdown = async (signal: string) => {
    app.log.info({ signal, worker: cluster.isWorker ? process.env.TRACELENS_WORKER : undefined }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    schemaGate.stop();
    // server.close() drops only the keep-alive connections idle at that moment;
    // one that finishes its in-flight request afterwards stays open (up to the
    // 72 s keep-alive timeout) and held the process until the force exit (code 1).
    // Keep closing connections as they go idle until the server has closed.
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(closeIdle);
    app.log.info('http server closed: in-flight requests finished');
    await merger?.stop();
    await mergeDb?.close();
    // What ingest left pending is folded before the pool closes (another instance would fold it anyway).
    await folder?.stop();
    await folder?.foldOnce().catch((err: Error) => app.log.warn({ err: err.message }, 'final rollup fold failed; another instance or the next start folds it'));
    if (foldDb !== null && foldDb !== driver) await foldDb.close();
    await upkeep.stop();
    if (upkeepDb !== driver) await upkeepDb.close();
    if (reader !== driver) await reader.close();
    await driver.close();
    app.log.info('database pool closed');
    process.exit(0);
  };
  onStopSignal((signal) => void shutdown(signal));
}
