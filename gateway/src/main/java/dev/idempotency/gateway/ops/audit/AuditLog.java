package dev.idempotency.gateway.ops.audit;

import java.net.InetSocketAddress;
import java.util.Optional;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.identity.ClientAuthenticationException;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.identity.UnauthenticatedRequestListener;
import dev.idempotency.gateway.ops.metrics.TagValues;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

/**
 * Writes one event per decision to the logger {@value #LOGGER}: {@code executed},
 * {@code replayed}, {@code rejected} (the {@code outcome} says why), {@code failed_open},
 * {@code observed}, then {@code settled} for each executed request, {@code unauthenticated} for a
 * request refused 401 for a missing or invalid credential, and the admin API's
 * {@code admin_inspect} and {@code admin_purge}. Client ids and keys appear only as
 * {@link Pseudonyms}; requests the filter merely passes through are not audited.
 *
 * <p>Answers are logged as they are committed, so the event carries the status the client got;
 * {@code executed} is logged at once, before the upstream is called, and {@code settled} follows
 * with the upstream's status.
 */
public final class AuditLog implements IdempotencyListener, UnauthenticatedRequestListener {

    public static final String LOGGER = "idempotency.audit";

    private static final Logger logger = LoggerFactory.getLogger(LOGGER);

    private final Pseudonyms pseudonyms;

    public AuditLog(AuditProperties properties) {
        this.pseudonyms = new Pseudonyms(properties.getHashSecret());
        if (!this.pseudonyms.isKeyed()) {
            logger.info("Audit events hash client ids and keys with plain SHA-256; set " + AuditProperties.PREFIX
                    + ".hash-secret so that guessable client ids cannot be recomputed from them");
        }
    }

    @Override
    public void onOutcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        String event = eventFor(outcome);
        if (event == null || !logger.isInfoEnabled()) {
            return;
        }
        AuditEvent line = aboutRequest(event, routeId, exchange).with("outcome", TagValues.of(outcome));
        if (outcome == IdempotencyOutcome.EXECUTED || outcome == IdempotencyOutcome.FAILED_OPEN) {
            line.writeTo(logger);
            return;
        }
        exchange.getResponse().beforeCommit(() -> {
            HttpStatusCode status = exchange.getResponse().getStatusCode();
            line.with("status", status != null ? status.value() : null).writeTo(logger);
            return Mono.empty();
        });
    }

    private static String eventFor(IdempotencyOutcome outcome) {
        return switch (outcome) {
            case PASSED_THROUGH -> null;
            case EXECUTED -> "executed";
            case REPLAYED -> "replayed";
            case FAILED_OPEN -> "failed_open";
            case IN_FLIGHT_CONFLICT, FINGERPRINT_MISMATCH, KEY_MISSING, KEY_INVALID, CLIENT_IDENTITY_MISSING,
                    BODY_TOO_LARGE, STORE_UNAVAILABLE, ADMISSION_REFUSED, IN_FLIGHT_LIMITED -> "rejected";
            default -> TagValues.of(outcome);
        };
    }

    @Override
    public void onObserved(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        if (logger.isInfoEnabled()) {
            aboutRequest("observed", routeId, exchange).with("outcome", TagValues.OBSERVED_ONLY)
                .with("would_be", TagValues.of(wouldBe))
                .writeTo(logger);
        }
    }

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        if (logger.isInfoEnabled()) {
            AuditEvent.named("settled").with("route", routeId).with("settlement", TagValues.of(settlement))
                .with("status", upstreamStatus > 0 ? upstreamStatus : null)
                .writeTo(logger);
        }
    }

    /**
     * A request refused 401: no client identity, so no client hash; the credential is never
     * written, not even hashed (a hash of a short or guessed credential could be checked offline).
     * The TCP peer says where repeated failures come from.
     */
    @Override
    public void onUnauthenticated(ServerWebExchange exchange, ClientAuthenticationException failure) {
        if (logger.isInfoEnabled()) {
            Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
            InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
            IdempotencyKey key = key(exchange);
            AuditEvent.named("unauthenticated")
                .with("route", route != null ? route.getId() : null)
                .with("outcome", failure.credentialPresented() ? "invalid_credential" : "missing_credential")
                .with("reason", failure.credentialPresented() ? failure.reason() : null)
                .with("status", 401)
                .with("key_hash", key != null ? this.pseudonyms.of(key.value()) : null)
                .with("peer", peer != null && peer.getAddress() != null ? peer.getAddress().getHostAddress() : null)
                .with("trace_id", traceId(exchange))
                .writeTo(logger);
        }
    }

    /** An operator read a key through the admin API. */
    public void adminInspected(String routeId, String clientId, IdempotencyKey key, boolean found, boolean withBody) {
        AuditEvent.named("admin_inspect").with("route", routeId).with("client_hash", this.pseudonyms.of(clientId))
            .with("key_hash", this.pseudonyms.of(key.value())).with("found", found).with("include_body", withBody)
            .writeTo(logger);
    }

    /** An operator deleted a key through the admin API: its next request executes again. */
    public void adminPurged(String routeId, String clientId, IdempotencyKey key, boolean purged) {
        AuditEvent.named("admin_purge").with("route", routeId).with("client_hash", this.pseudonyms.of(clientId))
            .with("key_hash", this.pseudonyms.of(key.value())).with("purged", purged)
            .writeTo(logger);
    }

    private AuditEvent aboutRequest(String event, String routeId, ServerWebExchange exchange) {
        String clientId = clientId(exchange);
        IdempotencyKey key = key(exchange);
        return AuditEvent.named(event)
            .with("route", routeId)
            .with("client_hash", clientId != null ? this.pseudonyms.of(clientId) : null)
            .with("key_hash", key != null ? this.pseudonyms.of(key.value()) : null)
            .with("trace_id", traceId(exchange));
    }

    // Read defensively: an audit line without the client beats a listener that throws.
    private static String clientId(ServerWebExchange exchange) {
        Object resolved = exchange.getAttribute(ClientIdentityResolver.IDENTITY_ATTRIBUTE);
        return resolved instanceof Optional<?> identity && identity.orElse(null) instanceof String clientId
                ? clientId : null;
    }

    // The key the route's filter read, wherever the route reads it (never a header it ignores).
    private static IdempotencyKey key(ServerWebExchange exchange) {
        return exchange.getAttribute(IdempotencyGatewayFilterFactory.KEY_ATTRIBUTE) instanceof IdempotencyKey key
                ? key : null;
    }

    // The request's trace, so that an audit line leads to its spans.
    private static String traceId(ServerWebExchange exchange) {
        ServerRequestObservationContext context = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
            .orElse(null);
        TracingObservationHandler.TracingContext tracing = context != null
                ? context.get(TracingObservationHandler.TracingContext.class) : null;
        Span span = tracing != null ? tracing.getSpan() : null;
        String id = span != null ? span.context().traceId() : null;
        return id != null && !isAllZeros(id) ? id : null;
    }

    private static boolean isAllZeros(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
