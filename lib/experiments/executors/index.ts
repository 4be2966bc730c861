/** Where units run: one interface, worker threads (default) or a BullMQ queue on Redis (loaded on use). */
export * as executor from './executor';
export * as local from './local';
export * as open from './open';
export * as redis from './redis';
export * as redisWorker from './redis-worker';
export * as build from './build';
