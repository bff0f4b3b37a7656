package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import io.netty.channel.ChannelOption;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;

/**
 * Builds Spring Security's {@link NimbusReactiveJwtDecoder} for the JWT identity source: keys from a
 * JWK Set URI (fetched and cached by the decoder, refetched for an unknown {@code kid}) or one static
 * RSA public key (PEM); signature algorithms RS256 unless configured; expiry and not-before with
 * Spring Security's 60 s clock skew; the issuer and the audience are required, so a token issued for
 * another API by the same identity provider is not accepted here.
 */
public final class BearerTokenDecoders {

    private static final Duration JWK_SET_TIMEOUT = Duration.ofSeconds(5);

    private BearerTokenDecoders() {
    }

    /**
     * @param jwkSetUri where the issuer publishes its keys, or {@code null}
     * @param publicKeyFile a PEM {@code PUBLIC KEY} file, used when there is no JWK Set URI
     * @param issuer the {@code iss} every token must carry
     * @param audiences values of which a token's {@code aud} must contain at least one
     * @param algorithms JWS algorithm names (RS256, ES256, ...); empty means RS256
     */
    public static ReactiveJwtDecoder create(String jwkSetUri, Path publicKeyFile, String issuer, List<String> audiences,
            List<String> algorithms) {
        checkConfigured(jwkSetUri, publicKeyFile, issuer, audiences);
        List<SignatureAlgorithm> signatureAlgorithms = signatureAlgorithms(algorithms);
        NimbusReactiveJwtDecoder decoder;
        if (jwkSetUri != null && !jwkSetUri.isBlank()) {
            decoder = NimbusReactiveJwtDecoder.withJwkSetUri(jwkSetUri)
                .jwsAlgorithms(set -> set.addAll(signatureAlgorithms))
                .webClient(jwkSetClient())
                .build();
        }
        else {
            if (signatureAlgorithms.size() != 1 || !signatureAlgorithms.get(0).getName().startsWith("RS")) {
                throw new IllegalArgumentException(
                        "idempotency.client-identity.jwt.algorithms: a static public key is an RSA key; use one of RS256, RS384, RS512");
            }
            decoder = NimbusReactiveJwtDecoder.withPublicKey(readRsaPublicKey(publicKeyFile))
                .signatureAlgorithm(signatureAlgorithms.get(0))
                .build();
        }
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(JwtValidators.createDefaultWithIssuer(issuer));
        validators.add(audience(audiences));
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        return decoder;
    }

    /**
     * WebClient's default waits forever: an identity provider that hangs would hold every
     * authenticated request. Bounded, a fetch fails fast and the request gets a 503.
     */
    private static WebClient jwkSetClient() {
        HttpClient httpClient = HttpClient.create()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) JWK_SET_TIMEOUT.toMillis())
            .responseTimeout(JWK_SET_TIMEOUT);
        return WebClient.builder().clientConnector(new ReactorClientHttpConnector(httpClient)).build();
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
        OAuth2Error error = new OAuth2Error("invalid_token", "The token is not meant for this audience", null);
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
