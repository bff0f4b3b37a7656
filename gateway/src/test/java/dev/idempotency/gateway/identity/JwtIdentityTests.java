package dev.idempotency.gateway.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bearer tokens verified against a JWK set that a stand-in identity provider (WireMock) serves, with
 * the records in a real Redis. Isolation holds as for every source; each way a token can be wrong
 * is a 401 with an RFC 6750 challenge, and nothing reaches the upstream.
 */
class JwtIdentityTests extends ClientIsolationContract {

    static final String ISSUER = "https://idp.example.test/";

    static final String AUDIENCE = "orders-gateway";

    static final String INVALID_TOKEN = "Bearer realm=\"idempotency-gateway\", error=\"invalid_token\"";

    RSAKey signingKey;

    WireMockServer identityProvider;

    RedisServer redis;

    @Override
    List<String> gatewayProperties(String upstreamUri) throws JOSEException {
        this.signingKey = new RSAKeyGenerator(2048).keyID("k1").generate();
        this.identityProvider = Upstream.start();
        this.identityProvider.stubFor(get(urlEqualTo("/jwks.json")).willReturn(
                okForContentType("application/jwk-set+json", new JWKSet(this.signingKey.toPublicJWK()).toString())));
        this.redis = RedisServer.launch();
        List<String> properties = exampleConfiguration("identity-jwt.yml", upstreamUri,
                "JWT_ISSUER=" + ISSUER, "JWT_AUDIENCES=" + AUDIENCE + ",other-audience",
                "JWT_JWK_SET_URI=" + this.identityProvider.baseUrl() + "/jwks.json");
        properties.addAll(List.of(this.redis.storeProperties()));
        return properties;
    }

    @AfterAll
    void stopIdentityProvider() {
        this.identityProvider.stop();
        this.redis.close();
    }

    @Override
    void authenticateAs(String client, HttpHeaders headers) {
        headers.setBearerAuth(token(this.signingKey, claims(client).build()));
    }

    static JWTClaimsSet.Builder claims(String subject) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE)
            .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    static String token(RSAKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    WebTestClient.ResponseSpec post(String authorization, String... extraHeader) {
        WebTestClient.RequestBodySpec request = this.fixture.gateway().client().post().uri("/orders")
            .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", newKey());
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (extraHeader.length == 2) {
            request.header(extraHeader[0], extraHeader[1]);
        }
        return request.bodyValue(BODY_A).exchange();
    }

    void assertRejected(String authorization, String challenge) {
        post(authorization).expectStatus().isUnauthorized()
            .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, challenge)
            .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/unauthenticated");
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void aValidTokenIdentifiesTheClient() {
        post("Bearer " + token(this.signingKey, claims("a").build())).expectStatus().isCreated();
    }

    @Test
    void withoutATokenTheChallengeCarriesNoErrorCode() {
        assertRejected(null, "Bearer realm=\"idempotency-gateway\"");
        assertRejected("Basic dXNlcjpwYXNz", "Bearer realm=\"idempotency-gateway\"");
    }

    @Test
    void anExpiredTokenIsRejected() {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        assertRejected("Bearer " + token(this.signingKey, claims("a").issueTime(Date.from(past))
            .expirationTime(Date.from(past.plus(Duration.ofMinutes(5)))).build()), INVALID_TOKEN);
    }

    @Test
    void aTokenFromAnotherIssuerIsRejected() {
        assertRejected("Bearer " + token(this.signingKey, claims("a").issuer("https://evil.example.test/").build()),
                INVALID_TOKEN);
    }

    @Test
    void aTokenForAnotherAudienceIsRejected() {
        assertRejected("Bearer " + token(this.signingKey, claims("a").audience("payments-api").build()), INVALID_TOKEN);
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRejected() throws JOSEException {
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("k1").generate();
        assertRejected("Bearer " + token(impostor, claims("a").build()), INVALID_TOKEN);
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("k2").generate();
        assertRejected("Bearer " + token(unknown, claims("a").build()), INVALID_TOKEN);
    }

    @Test
    void unsignedAndMalformedTokensAreRejected() {
        assertRejected("Bearer " + new PlainJWT(claims("a").build()).serialize(), INVALID_TOKEN);
        assertRejected("Bearer not-a-jwt", INVALID_TOKEN);
        assertRejected("Bearer a b", INVALID_TOKEN);
    }

    @Test
    void aTokenWithoutTheClientClaimIsRejected() {
        assertRejected("Bearer " + token(this.signingKey, claims(null).build()), INVALID_TOKEN);
    }

    /** docs/security.md: a client identity has at most 256 characters; a longer claim is an invalid token. */
    @Test
    void aClientClaimOfMoreThan256CharactersIsRejected() {
        assertRejected("Bearer " + token(this.signingKey, claims("c".repeat(257)).build()), INVALID_TOKEN);
        post("Bearer " + token(this.signingKey, claims("c".repeat(256)).build())).expectStatus().isCreated();
    }

    @Test
    void theClientIdHeaderCannotChooseAnotherIdentity() {
        String key = newKey();
        assertFresh(send("b", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        this.fixture.gateway().client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .headers(headers -> authenticateAs("a", headers))
            .header("X-Client-Id", "b")
            .header("Idempotency-Key", key)
            .bodyValue(BODY_A)
            .exchange()
            .expectStatus().isCreated()
            .expectHeader().doesNotExist("Idempotent-Replayed");
        assertThat(executions()).isEqualTo(2);
    }

    /** docs/security.md: the example strips any X-Client-Id before forwarding. */
    @Test
    void theUpstreamSeesNoMadeUpClientId() {
        this.fixture.gateway().client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .headers(headers -> authenticateAs("a", headers))
            .header("X-Client-Id", "b")
            .header("Idempotency-Key", newKey())
            .bodyValue(BODY_A)
            .exchange()
            .expectStatus().isCreated();

        LoggedRequest forwarded = this.fixture.upstream().findAll(postRequestedFor(anyUrl())).get(0);
        assertThat(forwarded.containsHeader("X-Client-Id")).isFalse();
    }
}
