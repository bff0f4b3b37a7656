/**
 * What operators see of the gateway: metrics ({@code metrics}), a span and a timer per store
 * operation ({@code store}), one audit log event per decision ({@code audit}), the authenticated
 * admin API on the management port ({@code admin}), the store's readiness check
 * ({@code health}), the trace context sent to the upstream ({@code tracing}) and the console's
 * log pattern ({@code logging}). Everything here
 * listens or decorates; nothing changes how a request is answered. docs/operations.md describes
 * the names and how to use them.
 */
package dev.idempotency.gateway.ops;
