package dev.idempotency.gateway.ops.admin;

import java.security.MessageDigest;

import dev.idempotency.gateway.core.Digests;

/**
 * The admin API's bearer token. Presented tokens are compared by their SHA-256 digests with
 * {@link MessageDigest#isEqual}, which takes the same time wherever the bytes differ; hashing
 * first also hides the token's length. The token itself is never printed.
 */
final class AdminToken {

    static final int MIN_LENGTH = 16;

    private static final String SCHEME = "Bearer ";

    private final byte[] digest;

    AdminToken(String token) {
        if (token == null || token.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException(AdminProperties.PREFIX + ".token must be at least " + MIN_LENGTH
                    + " characters, such as the output of 'openssl rand -hex 32'");
        }
        this.digest = Digests.sha256(token.strip());
    }

    /** @param authorization the request's {@code Authorization} header, or {@code null} */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return MessageDigest.isEqual(Digests.sha256(authorization.substring(SCHEME.length()).strip()), this.digest);
    }

    @Override
    public String toString() {
        return "AdminToken[******]";
    }
}
