package dev.idempotency.gateway.ops.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the admin API, under {@value #PREFIX}. */
@ConfigurationProperties(AdminProperties.PREFIX)
public class AdminProperties {

    public static final String PREFIX = "idempotency.admin";

    /**
     * Bearer token for the admin API on the management port (from a Secret, e.g.
     * IDEMPOTENCY_ADMIN_TOKEN); at least 16 characters. Unset or blank: the admin API is off.
     */
    private String token;

    public String getToken() {
        return this.token;
    }

    public void setToken(String token) {
        this.token = token;
    }

    @Override
    public String toString() {
        return "AdminProperties[token=" + (this.token == null ? "unset" : "******") + "]";
    }
}
