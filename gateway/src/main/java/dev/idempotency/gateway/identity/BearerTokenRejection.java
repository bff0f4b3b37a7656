package dev.idempotency.gateway.identity;

import java.text.ParseException;
import java.util.Locale;
import java.util.Set;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jwt.JWTParser;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * Why a bearer token was refused, as the audit log, the 401's {@code reason} member and the
 * {@code idempotency.identity.rejected} metric say it: one fixed word each, never anything taken
 * from the token.
 */
public enum BearerTokenRejection {

    EXPIRED("expired bearer token"),

    NOT_YET_VALID("bearer token not yet valid"),

    WRONG_ISSUER("bearer token from another issuer"),

    WRONG_AUDIENCE("bearer token for another audience"),

    BAD_SIGNATURE("bearer token with a bad signature"),

    UNKNOWN_KEY("bearer token signed with an unknown key"),

    DISALLOWED_ALGORITHM("bearer token with a disallowed algorithm"),

    MALFORMED("malformed bearer token");

    /** The description {@link BearerTokenDecoders}' audience check gives its failures. */
    static final String AUDIENCE_ERROR = "The token is not meant for this audience";

    private final String description;

    BearerTokenRejection(String description) {
        this.description = description;
    }

    /** Safe to show the client and to log: what was wrong, in a few words. */
    public String description() {
        return this.description;
    }

    /** The low-cardinality code: {@code expired}, {@code unknown_key}, ... */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads Spring Security's and Nimbus' failure back into a reason. Claim checks fail with
     * {@link JwtValidationException} and their validators' descriptions; the signature step with
     * Nimbus' {@link BadJWSException} (a key matched, the signature did not) or a plain
     * {@link BadJOSEException} (no key for this header: either its algorithm is not accepted or its
     * key is not in the set, told apart by the header); parsing with a {@link ParseException}.
     * @param token the token, read again only on this failure path, for its {@code alg}
     * @param algorithms the accepted JWS algorithm names
     */
    static BearerTokenRejection of(BadJwtException failure, String token, Set<String> algorithms) {
        if (failure instanceof JwtValidationException invalid) {
            return invalid.getErrors().stream().map(BearerTokenRejection::ofClaimCheck).findFirst().orElse(MALFORMED);
        }
        if (hasCause(failure, BadJWSException.class)) {
            return BAD_SIGNATURE;
        }
        Algorithm algorithm = algorithm(token);
        if (algorithm == null) {
            return MALFORMED;
        }
        if (!algorithms.contains(algorithm.getName())) {
            // alg none, HS256 (key confusion), an encrypted JWT, or a signature algorithm not configured.
            return DISALLOWED_ALGORITHM;
        }
        return hasCause(failure, BadJOSEException.class) ? UNKNOWN_KEY : MALFORMED;
    }

    private static BearerTokenRejection ofClaimCheck(OAuth2Error error) {
        String description = String.valueOf(error.getDescription());
        // JwtTimestampValidator's and JwtIssuerValidator's descriptions in Spring Security 7.0.
        if (description.startsWith("Jwt expired")) {
            return EXPIRED;
        }
        if (description.startsWith("Jwt used before")) {
            return NOT_YET_VALID;
        }
        if (description.contains("iss claim")) {
            return WRONG_ISSUER;
        }
        if (description.equals(AUDIENCE_ERROR)) {
            return WRONG_AUDIENCE;
        }
        return MALFORMED;
    }

    private static Algorithm algorithm(String token) {
        try {
            return JWTParser.parse(token).getHeader().getAlgorithm();
        }
        catch (ParseException ex) {
            return null;
        }
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
