package dev.idempotency.gateway.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import dev.idempotency.gateway.IdempotencyGatewayApplication;

/**
 * The real gateway application on a random port, talked to over real HTTP. Several instances may
 * run side by side (two replicas on one Redis).
 */
public final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private final int port;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /**
     * Starts a gateway with the given {@code name=value} properties on top of its defaults (a random
     * {@code server.port} unless one is given), plus
     * any test configuration classes (e.g. a recording listener).
     */
    public static GatewayInstance start(List<String> properties, Class<?>... testConfigurations) {
        List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "logging.level.root=WARN"));
        // A repeated command-line option would join its values ("0,8080"): a given port replaces the random one.
        if (properties.stream().noneMatch(property -> property.startsWith("server.port="))) {
            all.add("server.port=0");
        }
        all.addAll(properties);
        // As command-line arguments: they must win over application.yml, as a user's would.
        ConfigurableApplicationContext context = new SpringApplicationBuilder(IdempotencyGatewayApplication.class)
            .sources(IsolatedNettyResources.class)
            .sources(testConfigurations)
            .run(all.stream().map(property -> "--" + property).toArray(String[]::new));
        return new GatewayInstance(context);
    }

    public int port() {
        return this.port;
    }

    public String baseUrl() {
        return "http://localhost:" + this.port;
    }

    public ConfigurableApplicationContext context() {
        return this.context;
    }

    public WebTestClient client() {
        // identity: assertions compare the bytes on the wire, not a body the client decompressed.
        return WebTestClient.bindToServer()
            .baseUrl(baseUrl())
            .defaultHeader("Accept-Encoding", "identity")
            .responseTimeout(Duration.ofSeconds(20))
            .build();
    }

    /**
     * A client of the management server; the gateway must have been started with
     * {@code management.server.port=0}. Each request opens a connection of its own and closes it,
     * as the kubelet's probes and an operator's {@code curl} do, rather than reusing one from the
     * test JVM's shared pool. A request left unanswered fails with a report of the JVM's threads
     * and sockets ({@link StalledRequestReport}).
     */
    public WebTestClient managementClient() {
        HttpClient probe = HttpClient.create(ConnectionProvider.newConnection());
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(probe))
            .baseUrl("http://localhost:" + managementPort())
            .filter(StalledRequestReport.after(Duration.ofSeconds(15)))
            .responseTimeout(Duration.ofSeconds(20))
            .build();
    }

    public int managementPort() {
        return Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.management.port"));
    }

    @Override
    public void close() {
        this.context.close();
    }
}
