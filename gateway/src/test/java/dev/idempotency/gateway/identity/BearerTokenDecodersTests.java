package dev.idempotency.gateway.identity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The static public key variant, and the settings a JWT source refuses to start without. */
class BearerTokenDecodersTests {

    @TempDir
    Path dir;

    Path pem(RSAKey key) throws Exception {
        Path file = this.dir.resolve("issuer.pem");
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.toRSAPublicKey().getEncoded());
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n");
        return file;
    }

    @Test
    void verifiesTokensWithAStaticPublicKey() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        ReactiveJwtDecoder decoder = BearerTokenDecoders.create(null, pem(key), JwtIdentityTests.ISSUER,
                List.of(JwtIdentityTests.AUDIENCE), List.of());
        assertThat(decoder.decode(JwtIdentityTests.token(key, JwtIdentityTests.claims("shop-1").build())).block()
            .getSubject()).isEqualTo("shop-1");
        RSAKey other = new RSAKeyGenerator(2048).keyID("k1").generate();
        assertThatExceptionOfType(BadJwtException.class).isThrownBy(
                () -> decoder.decode(JwtIdentityTests.token(other, JwtIdentityTests.claims("shop-1").build())).block());
    }

    @Test
    void theDefaultsAreTheOnesDocsSecurityGives() {
        ClientIdentityProperties.Source.Jwt jwt = new ClientIdentityProperties().getClientIdentity().getJwt();
        assertThat(jwt.getClockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(jwt.getJwkSetCacheTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(jwt.getJwkSetRefetchInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(jwt.getJwkSetOutageGracePeriod()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void refusesBadJwkSetAndClockSettings() {
        assertThatIllegalArgumentException().isThrownBy(() -> BearerTokenDecoders.create(new BearerTokenDecoders.Verification(
                "http://127.0.0.1:1/jwks.json", null, "iss", List.of("aud"), List.of(), Duration.ofSeconds(-1),
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ZERO), "default", JwkSetObserver.NONE))
            .withMessageContaining("clock-skew");
        assertThatIllegalArgumentException().isThrownBy(() -> BearerTokenDecoders.create(new BearerTokenDecoders.Verification(
                "http://127.0.0.1:1/jwks.json", null, "iss", List.of("aud"), List.of(), Duration.ZERO,
                Duration.ZERO, Duration.ofSeconds(30), Duration.ZERO), "default", JwkSetObserver.NONE))
            .withMessageContaining("jwk-set-cache-ttl");
    }

    @Test
    void refusesToStartWithoutIssuerAudienceOrKeys() throws Exception {
        Path pem = pem(new RSAKeyGenerator(2048).generate());
        assertThatIllegalArgumentException()
            .isThrownBy(() -> BearerTokenDecoders.create(null, pem, null, List.of("aud"), List.of()))
            .withMessageContaining("issuer is required");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> BearerTokenDecoders.create(null, pem, "iss", List.of(), List.of()))
            .withMessageContaining("audiences is required");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> BearerTokenDecoders.create(null, null, "iss", List.of("aud"), List.of()))
            .withMessageContaining("exactly one of jwk-set-uri and public-key-location");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> BearerTokenDecoders.create(null, pem, "iss", List.of("aud"), List.of("HS256")))
            .withMessageContaining("RS256");
    }
}
