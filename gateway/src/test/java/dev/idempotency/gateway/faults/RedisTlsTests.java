package dev.idempotency.gateway.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.FreePorts;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The example config/redis/redis-acl-tls.yml as shipped: the gateway reaches a TLS-only Redis port
 * whose certificate a private CA signed (trusted through the PEM SSL bundle), as the ACL user of
 * users.acl. Certificates are made with the openssl CLI; skipped where it or redis-server is missing.
 */
class RedisTlsTests {

    static final String PASSWORD = "tls-test-" + UUID.randomUUID();

    @TempDir
    static Path dir;

    private static RedisServer redis;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(openssl("version"), "the openssl CLI is not installed");
        assumeTrue(openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
                "-keyout", file("ca-key.pem"), "-out", file("ca.pem")));
        assumeTrue(openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-keyout", file("redis-key.pem"), "-out", file("redis.csr")));
        java.nio.file.Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        assumeTrue(openssl("x509", "-req", "-in", file("redis.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca-key.pem"),
                "-CAcreateserial", "-days", "1", "-extfile", file("san.ext"), "-out", file("redis.pem")));

        int tlsPort = FreePorts.next();
        redis = RedisServer.launchLocal("--tls-port", Integer.toString(tlsPort), "--tls-cert-file",
                file("redis.pem"), "--tls-key-file", file("redis-key.pem"), "--tls-ca-cert-file", file("ca.pem"),
                "--tls-auth-clients", "no");
        List<String> setUser = new ArrayList<>(List.of("ACL", "SETUSER", RedisAclTests.USER));
        setUser.addAll(RedisAclTests.documentedRules());
        setUser.add(">" + PASSWORD);
        assertThat(redis.command(setUser.toArray(String[]::new))).isEqualTo("+OK\r\n");

        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"orderId\":\"42\"}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        properties.addAll(List.of("spring.config.additional-location=file:../config/redis/redis-acl-tls.yml",
                "REDIS_HOST=localhost", "REDIS_PORT=" + tlsPort, "REDIS_PASSWORD=" + PASSWORD,
                "REDIS_CA=file:" + file("ca.pem"), "spring.data.redis.timeout=3s"));
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    private static boolean openssl(String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (IOException notInstalled) {
            return false;
        }
    }

    static EntityExchangeResult<byte[]> send(String key) {
        return gateway.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Client-Id", "shop-1")
            .bodyValue("{\"item\":\"book\"}").exchange().expectBody().returnResult();
    }

    @Test
    void theExampleConnectsOverTlsTrustingThePrivateCaAsTheAclUser() {
        String key = "k-" + UUID.randomUUID();
        assertThat(send(key).getStatus().value()).isEqualTo(201);
        EntityExchangeResult<byte[]> replay = send(key);
        assertThat(replay.getStatus().value()).isEqualTo(201);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(redis.command("CLIENT", "LIST")).contains("user=" + RedisAclTests.USER);
        assertThat(redis.command("ACL", "LOG")).isEqualTo("*0\r\n");
    }
}
