package dev.idempotency.gateway.identity;

import java.util.List;
import java.util.Optional;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Takes the identity from a request header that a trusted, authenticating proxy in front of the
 * gateway sets (by default {@code X-Client-Id}). Blank, repeated or over-long values count as none,
 * and so does the header on a request whose TCP peer is outside the {@link TrustedNetworks}: only
 * the proxy may name the client.
 */
public class HeaderClientIdentityResolver implements ClientIdentityResolver {

    public static final String DEFAULT_HEADER = "X-Client-Id";

    static final int MAX_LENGTH = 256;

    private final String headerName;

    private final TrustedNetworks trustedNetworks;

    public HeaderClientIdentityResolver(String headerName) {
        this(headerName, TrustedNetworks.any());
    }

    public HeaderClientIdentityResolver(String headerName, TrustedNetworks trustedNetworks) {
        this.headerName = headerName;
        this.trustedNetworks = trustedNetworks;
    }

    @Override
    public Mono<Optional<String>> resolve(ServerWebExchange exchange) {
        // The peer of the TCP connection, never X-Forwarded-For: the sender writes that one itself.
        if (!this.trustedNetworks.contains(exchange.getRequest().getRemoteAddress())) {
            return Mono.just(Optional.empty());
        }
        List<String> values = exchange.getRequest().getHeaders().get(this.headerName);
        if (values == null || values.size() != 1) {
            return Mono.just(Optional.empty());
        }
        String value = values.get(0).strip();
        boolean usable = !value.isEmpty() && value.length() <= MAX_LENGTH;
        return Mono.just(usable ? Optional.of(value) : Optional.empty());
    }

    public String headerName() {
        return this.headerName;
    }

    public TrustedNetworks trustedNetworks() {
        return this.trustedNetworks;
    }
}
