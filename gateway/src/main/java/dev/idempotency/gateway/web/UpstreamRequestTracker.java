package dev.idempotency.gateway.web;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import reactor.netty.http.client.HttpClient;
import reactor.util.context.ContextView;

/**
 * Tells an idempotent request whether Spring Cloud Gateway's HTTP client began sending it.
 *
 * <p>The gateway's response timeout covers connecting as well as waiting for the answer, so a
 * timeout alone does not say whether the upstream could have executed the request. The client
 * calls {@code doOnRequest} once it holds a connection and is about to write the request: from
 * then on the outcome is unknown; before it, the request certainly never left the gateway and its
 * key can be released for a retry.
 */
public final class UpstreamRequestTracker implements HttpClientCustomizer {

    @Override
    public HttpClient customize(HttpClient httpClient) {
        return httpClient.doOnRequest((request, connection) -> Marker.in(request.currentContextView()));
    }

    /** Put into the Reactor context of one forwarded request; marked when it starts to go out. */
    static final class Marker {

        private volatile boolean sent;

        boolean sent() {
            return this.sent;
        }

        private static void in(ContextView context) {
            Marker marker = context.getOrDefault(Marker.class, null);
            if (marker != null) {
                marker.sent = true;
            }
        }
    }
}
