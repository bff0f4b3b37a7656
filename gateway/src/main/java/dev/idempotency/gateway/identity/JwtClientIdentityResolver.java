package dev.idempotency.gateway.identity;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Identifies a client by a JWT bearer token ({@code Authorization: Bearer ...}, RFC 6750) that
 * Spring Security's reactive decoder verifies (signature, expiry, issuer, audience; see
 * {@link BearerTokenDecoders}); the client is the value of one claim, {@code sub} by default. A
 * refused token is {@link ClientIdentity.Invalid} with the {@link BearerTokenRejection} that says why.
 * Only the decoder is used, not Spring Security's web filter chain: the gateway's routes stay as
 * they are, and only filters that need the identity ask for it.
 */
public class JwtClientIdentityResolver extends CredentialResolver {

    public static final String DEFAULT_CLAIM = "sub";

    private static final String BEARER = "bearer ";

    // RFC 6750 §2.1 b64token.
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private static final Log logger = LogFactory.getLog(JwtClientIdentityResolver.class);

    private final ReactiveJwtDecoder decoder;

    private final String claim;

    public JwtClientIdentityResolver(ReactiveJwtDecoder decoder, String claim) {
        this.decoder = decoder;
        this.claim = claim;
    }

    @Override
    public Mono<ClientIdentity> identify(ServerWebExchange exchange) {
        List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (values == null || values.isEmpty()) {
            return Mono.just(new ClientIdentity.Absent());
        }
        if (values.size() != 1) {
            return Mono.just(new ClientIdentity.Invalid("more than one Authorization header", "ambiguous"));
        }
        String authorization = values.get(0).strip();
        if (!authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            // Another scheme (Basic for the upstream, say) is no bearer token at all.
            return Mono.just(new ClientIdentity.Absent());
        }
        String token = authorization.substring(BEARER.length()).strip();
        if (!B64TOKEN.matcher(token).matches()) {
            return Mono.just(invalid(BearerTokenRejection.MALFORMED));
        }
        // Deferred: a decoder may throw while parsing instead of returning an error.
        return Mono.defer(() -> this.decoder.decode(token))
            .map(this::clientOf)
            .onErrorResume(BadJwtException.class, ex -> Mono.just(invalid(ex instanceof BearerTokenRejectedException
                    rejected ? rejected.reason() : BearerTokenRejection.MALFORMED)))
            .onErrorMap(this::verificationUnavailable);
    }

    private static ClientIdentity invalid(BearerTokenRejection rejection) {
        return new ClientIdentity.Invalid(rejection.description(), rejection.code());
    }

    /**
     * Not the token's fault (the JWK set could not be fetched: the decoder says "Could not obtain
     * the keys"): no 401 that would make clients drop good tokens, but a 503. The cause is logged,
     * not attached: the problem handler would report a connect failure in it as "upstream unreachable".
     */
    private Throwable verificationUnavailable(Throwable error) {
        logger.warn("Bearer token not verified, the keys are unavailable: " + error);
        return new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                "The bearer token could not be verified now; retry later.");
    }

    private ClientIdentity clientOf(Jwt jwt) {
        Object value = jwt.getClaims().get(this.claim);
        String clientId = (value instanceof String || value instanceof Number) ? value.toString() : null;
        return usableClientId(clientId) ? new ClientIdentity.Identified(clientId)
                : new ClientIdentity.Invalid("the token has no usable '" + this.claim + "' claim", "no_client_claim");
    }

    @Override
    protected String challenge(ClientIdentity notIdentified) {
        // RFC 6750 §3.1: no error code when the request carried no token at all.
        return notIdentified instanceof ClientIdentity.Invalid
                ? "Bearer realm=\"" + REALM + "\", error=\"invalid_token\""
                : "Bearer realm=\"" + REALM + "\"";
    }

    @Override
    protected String detail(ClientIdentity notIdentified) {
        return notIdentified instanceof ClientIdentity.Invalid invalid
                ? "The request's " + invalid.reason() + " was rejected: get a new token and retry."
                : "This route needs a client identity: send a bearer token in the Authorization header.";
    }

    public String claim() {
        return this.claim;
    }
}
