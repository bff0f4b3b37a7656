package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.render;
import static dev.idempotency.gateway.helm.Manifests.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * identity.default and identity.sources: rendered into the rules file in the gateway's property
 * names, API-key files mounted from Secrets; the real gateway, started from the rendered
 * Deployment, authenticates with them.
 */
class IdentityChartTest {

    private final Manifests manifests = render("identity");

    private final Manifest properties = new Manifest(new Yaml().load(HelmChart.rulesFile(manifests)));

    @Test
    void rendersTheDefaultSourceWithTheJwtIssuerAndJwkSetFromValues() {
        assertThat(properties.map("idempotency.client-identity")).containsEntry("source", "jwt");
        assertThat(properties.map("idempotency.client-identity.jwt"))
            .containsEntry("issuer", "https://idp.example.com/realms/shop")
            .containsEntry("jwk-set-uri", "https://idp.example.com/realms/shop/protocol/openid-connect/certs");
        assertThat(properties.list("idempotency.client-identity.jwt.audiences")).containsExactly("orders");
    }

    @Test
    void mountsTheApiKeyFileOfANamedSourceFromItsSecret() {
        assertThat(properties.map("idempotency.client-identities.partners"))
            .containsEntry("source", "api-key")
            .containsEntry("api-key-header", "X-Api-Key")
            .containsEntry("api-keys-file", "/etc/idempotency-gateway/api-keys/partners/api-keys")
            .doesNotContainKey("apiKeysSecret");
        Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template.spec"));
        assertThat(pod.map("volumes[name=idempotency-gateway-api-keys-partners].secret"))
            .containsEntry("secretName", "partner-api-keys");
        assertThat(pod.map("volumes[name=idempotency-gateway-api-keys-partners].secret.items[0]"))
            .isEqualTo(Map.of("key", "api-keys.txt", "path", "api-keys"));
        Manifest c = new Manifest(manifests.gatewayContainer());
        // The directory (no subPath), so the kubelet's Secret updates reach the gateway's reloading key file.
        assertThat(c.map("volumeMounts[name=idempotency-gateway-api-keys-partners]"))
            .containsEntry("mountPath", "/etc/idempotency-gateway/api-keys/partners")
            .containsEntry("readOnly", true)
            .doesNotContainKey("subPath");
    }

    @Test
    void routesPickANamedSourceAndTheSelfTestGetsItsOwn() {
        assertThat(properties.<String>at("spring.cloud.gateway.server.webflux.routes[id=partner-orders].filters[0].args.clientIdentity"))
            .isEqualTo("partners");
        assertThat(properties.map("idempotency.client-identities.helm-test")).containsEntry("source", "header");
        assertThat(env(manifests.gatewayContainer())).containsEntry("IDEMPOTENCY_SELFTEST_CLIENTIDENTITY", "helm-test");
    }

    @Test
    void rendersNothingOfItsOwnWithoutIdentityValues() {
        Manifest defaults = new Manifest(new Yaml().load(HelmChart.rulesFile(render(null))));
        assertThat(defaults.<Object>at("idempotency")).isNull();
        assertThat(new Manifest(render(null).one("Deployment").map("spec.template.spec")).namesAt("volumes"))
            .noneMatch(name -> name.contains("api-keys"));
    }

    @Test
    void theRealGatewayAuthenticatesWithTheSourcesFromValues(@TempDir Path work) throws Exception {
        String apiKey = "partner-a-key-0123456789";
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(apiKey.getBytes(StandardCharsets.UTF_8)));
        Map<String, Map<String, String>> secrets = Map.of("partner-api-keys", Map.of("api-keys.txt", "partner-a:" + digest + "\n"));
        try (RenderedGateway gateway = RenderedGateway.start(manifests, work, secrets)) {
            // The default source is jwt: no bearer token, no identity.
            assertThat(post(gateway, "/orders/1", "X-Client-Id", "someone")).isEqualTo(401);
            // The partners route takes API keys from the file the Secret holds.
            assertThat(post(gateway, "/partner/orders/1", "X-Api-Key", "wrong-key-0123456789")).isEqualTo(401);
            assertThat(post(gateway, "/partner/orders/1", "X-Api-Key", apiKey)).as("identified, then the upstream (absent here)")
                .isNotIn(400, 401, 403);
            // The self-test route uses tests.clientIdentity (a header source), so helm test works next to jwt.
            assertThat(post(gateway, "/idempotency-gateway/self-test", "X-Client-Id", "helm-test")).isEqualTo(201);
        }
    }

    private static int post(RenderedGateway gateway, String path, String header, String value) {
        return RenderedGateway.send(HttpRequest.newBuilder(URI.create(gateway.url(path)))
            .header(header, value)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode();
    }
}
