/**
 * The trace context the upstream gets: the gateway's server span as the parent of the upstream's,
 * written without a client observation per request; and which traces are sampled, none of the
 * gateway's own while there is nowhere to send their spans; and no tracing in the Redis client while
 * its command observations are off.
 */
package dev.idempotency.gateway.ops.tracing;
