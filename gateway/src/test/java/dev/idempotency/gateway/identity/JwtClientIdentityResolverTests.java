package dev.idempotency.gateway.identity;

import java.util.List;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;

import dev.idempotency.gateway.testsupport.FreePorts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** What is not the token's fault is no 401. */
class JwtClientIdentityResolverTests {

    @Test
    void anUnreachableJwkSetIsNoInvalidToken() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        JwtClientIdentityResolver resolver = new JwtClientIdentityResolver(BearerTokenDecoders.create(
                "http://127.0.0.1:" + FreePorts.next() + "/jwks.json", null, JwtIdentityTests.ISSUER,
                List.of(JwtIdentityTests.AUDIENCE), List.of()), "sub");
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/orders")
            .header("Authorization", "Bearer " + JwtIdentityTests.token(key, JwtIdentityTests.claims("a").build())));
        assertThatExceptionOfType(ResponseStatusException.class).isThrownBy(() -> resolver.identify(exchange).block())
            .satisfies(ex -> assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
    }
}
