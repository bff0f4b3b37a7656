package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import reactor.core.publisher.Mono;

/**
 * Builds Spring Security's {@link NimbusReactiveJwtDecoder} for the JWT identity source: keys from a
 * JWK Set URI (cached with a lifetime, refetched at most once per interval for an unknown
 * {@code kid}: {@link JwkSetCache}) or one static RSA public key (PEM); signature algorithms RS256
 * unless configured; expiry and not-before with a configurable clock skew; the issuer and the
 * audience are required, so a token issued for another API by the same identity provider is not
 * accepted here. A refused token fails with a {@link BearerTokenRejectedException} that says why.
 */
public final class BearerTokenDecoders {

    /** Connect and read timeout of one JWK set fetch: an identity provider that hangs must not hold requests. */
    static final Duration JWK_SET_FETCH_TIMEOUT = Duration.ofSeconds(5);

    private BearerTokenDecoders() {
    }

    /** With the properties' defaults (clock skew 60 s; JWK set for 5 min, refetched at most every 30 s, 30 min of grace). */
    public static ReactiveJwtDecoder create(String jwkSetUri, Path publicKeyFile, String issuer, List<String> audiences,
            List<String> algorithms) {
        return create(new Verification(jwkSetUri, publicKeyFile, issuer, audiences, algorithms, Duration.ofSeconds(60),
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(30)), "default", JwkSetObserver.NONE);
    }

    /**
     * @param identitySource the source's name in logs and metrics ({@code default} or a name under
     * {@code idempotency.client-identities})
     */
    public static ReactiveJwtDecoder create(Verification verification, String identitySource, JwkSetObserver observer) {
        checkConfigured(verification.jwkSetUri(), verification.publicKeyFile(), verification.issuer(),
                verification.audiences());
        List<SignatureAlgorithm> signatureAlgorithms = signatureAlgorithms(verification.algorithms());
        Set<String> algorithmNames = signatureAlgorithms.stream().map(SignatureAlgorithm::getName)
            .collect(Collectors.toUnmodifiableSet());
        NimbusReactiveJwtDecoder decoder;
        if (verification.jwkSetUri() != null && !verification.jwkSetUri().isBlank()) {
            JwkSetCache keys = new JwkSetCache(verification.jwkSetUri(), new JwkSetCache.Settings(
                    verification.jwkSetCacheTtl(), verification.jwkSetRefetchInterval(),
                    verification.jwkSetOutageGracePeriod(), JWK_SET_FETCH_TIMEOUT),
                    algorithmNames, identitySource, observer, Clock.systemUTC());
            // The builder's jwsAlgorithm takes one algorithm (the last one set wins): the key selector
            // is replaced with one that accepts all of them.
            Set<JWSAlgorithm> jwsAlgorithms = algorithmNames.stream().map(JWSAlgorithm::parse)
                .collect(Collectors.toUnmodifiableSet());
            decoder = NimbusReactiveJwtDecoder.withJwkSource(keys::keysFor)
                .jwtProcessorCustomizer(processor -> processor.setJWSKeySelector(
                        new JWSVerificationKeySelector<>(jwsAlgorithms, new JWKSecurityContextJWKSet())))
                .build();
        }
        else {
            if (signatureAlgorithms.size() != 1 || !signatureAlgorithms.get(0).getName().startsWith("RS")) {
                throw new IllegalArgumentException(
                        "idempotency.client-identity.jwt.algorithms: a static public key is an RSA key; use one of RS256, RS384, RS512");
            }
            decoder = NimbusReactiveJwtDecoder.withPublicKey(readRsaPublicKey(verification.publicKeyFile()))
                .signatureAlgorithm(signatureAlgorithms.get(0))
                .build();
        }
        // The timestamp validator itself, not a wrapper: the defaults add a 60 s one unless they find it.
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(checkClockSkew(verification.clockSkew())));
        validators.add(new JwtIssuerValidator(verification.issuer()));
        validators.add(audience(verification.audiences()));
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(validators));
        return new ReasonGivingDecoder(decoder, algorithmNames);
    }

    private static Duration checkClockSkew(Duration clockSkew) {
        if (clockSkew == null || clockSkew.isNegative()) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt.clock-skew must be zero or positive, was "
                    + clockSkew);
        }
        return clockSkew;
    }

    /**
     * How bearer tokens are verified.
     * @param jwkSetUri where the issuer publishes its keys, or {@code null}
     * @param publicKeyFile a PEM {@code PUBLIC KEY} file, used when there is no JWK Set URI
     * @param issuer the {@code iss} every token must carry
     * @param audiences values of which a token's {@code aud} must contain at least one
     * @param algorithms JWS algorithm names (RS256, ES256, ...); empty means RS256
     * @param clockSkew leeway for {@code exp} and {@code nbf}
     * @param jwkSetCacheTtl how long a fetched JWK set is used
     * @param jwkSetRefetchInterval the least time between two refetches for unknown key ids
     * @param jwkSetOutageGracePeriod how long past its lifetime a JWK set is used while the
     * identity provider cannot be reached
     */
    public record Verification(String jwkSetUri, Path publicKeyFile, String issuer, List<String> audiences,
            List<String> algorithms, Duration clockSkew, Duration jwkSetCacheTtl, Duration jwkSetRefetchInterval,
            Duration jwkSetOutageGracePeriod) {
    }

    /** Turns the decoder's {@link BadJwtException} into one that names the reason. */
    private record ReasonGivingDecoder(ReactiveJwtDecoder decoder, Set<String> algorithms) implements ReactiveJwtDecoder {

        @Override
        public Mono<Jwt> decode(String token) {
            // Deferred: the decoder throws while parsing instead of returning an error.
            return Mono.defer(() -> this.decoder.decode(token))
                .onErrorMap(ex -> ex instanceof BadJwtException && !(ex instanceof BearerTokenRejectedException),
                        ex -> new BearerTokenRejectedException(
                                BearerTokenRejection.of((BadJwtException) ex, token, this.algorithms), ex));
        }
    }

    private static void checkConfigured(String jwkSetUri, Path publicKeyFile, String issuer, List<String> audiences) {
        boolean uri = jwkSetUri != null && !jwkSetUri.isBlank();
        if (uri == (publicKeyFile != null)) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt: set exactly one of jwk-set-uri and"
                    + " public-key-location");
        }
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt.issuer is required: the 'iss' value"
                    + " of the identity provider whose tokens the gateway accepts");
        }
        if (audiences == null || audiences.stream().allMatch(String::isBlank)) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt.audiences is required: the 'aud'"
                    + " value(s) tokens for this gateway carry, so tokens issued for other APIs are refused");
        }
    }

    private static OAuth2TokenValidator<Jwt> audience(List<String> audiences) {
        OAuth2Error error = new OAuth2Error("invalid_token", BearerTokenRejection.AUDIENCE_ERROR, null);
        return jwt -> {
            List<String> aud = jwt.getAudience();
            return (aud != null && aud.stream().anyMatch(audiences::contains)) ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(error);
        };
    }

    private static List<SignatureAlgorithm> signatureAlgorithms(List<String> names) {
        if (names == null || names.isEmpty()) {
            return List.of(SignatureAlgorithm.RS256);
        }
        return names.stream().map(String::strip).map(name -> {
            SignatureAlgorithm algorithm = SignatureAlgorithm.from(name);
            if (algorithm == null) {
                throw new IllegalArgumentException("idempotency.client-identity.jwt.algorithms: '" + name
                        + "' is not an asymmetric JWS algorithm (RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512)");
            }
            return algorithm;
        }).toList();
    }

    static RSAPublicKey readRsaPublicKey(Path pem) {
        try {
            String text = Files.readString(pem, StandardCharsets.US_ASCII);
            String base64 = text.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        }
        catch (IOException | GeneralSecurityException | IllegalArgumentException | ClassCastException ex) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt.public-key-location: " + pem
                    + " is not a PEM RSA public key (-----BEGIN PUBLIC KEY-----)", ex);
        }
    }
}
