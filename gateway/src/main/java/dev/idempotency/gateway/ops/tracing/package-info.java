/**
 * The trace context the upstream gets: the gateway's server span as the parent of the upstream's,
 * written without a client observation per request.
 */
package dev.idempotency.gateway.ops.tracing;
