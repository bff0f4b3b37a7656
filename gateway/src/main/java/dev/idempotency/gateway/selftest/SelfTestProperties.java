package dev.idempotency.gateway.selftest;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The self-test route that `helm test` sends its requests to, under {@value #PREFIX}. */
@ConfigurationProperties(SelfTestProperties.PREFIX)
public class SelfTestProperties {

    public static final String PREFIX = "idempotency.self-test";

    /**
     * Adds the route POST /idempotency-gateway/self-test, protected by the Idempotency filter and
     * forwarded to an echo upstream the gateway hosts itself, so a deployment can prove replay
     * without calling a real upstream. Off by default.
     */
    private boolean enabled;

    /** The identity source (idempotency.client-identities.<name>) of the route; empty: the default one. */
    private String clientIdentity;

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getClientIdentity() {
        return this.clientIdentity;
    }

    public void setClientIdentity(String clientIdentity) {
        this.clientIdentity = clientIdentity;
    }
}
