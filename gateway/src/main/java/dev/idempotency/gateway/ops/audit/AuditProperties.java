package dev.idempotency.gateway.ops.audit;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the audit log, under {@value #PREFIX}. */
@ConfigurationProperties(AuditProperties.PREFIX)
public class AuditProperties {

    public static final String PREFIX = "idempotency.audit";

    /**
     * Secret for HMAC-SHA256 of client ids and keys in audit events (from a Secret, e.g.
     * IDEMPOTENCY_AUDIT_HASH_SECRET). Without it they are plain SHA-256, which anyone can recompute
     * for a guessable client id. The same secret on every replica keeps the hashes comparable.
     */
    private String hashSecret;

    public String getHashSecret() {
        return this.hashSecret;
    }

    public void setHashSecret(String hashSecret) {
        this.hashSecret = hashSecret;
    }
}
