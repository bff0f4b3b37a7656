package dev.idempotency.gateway.testsupport;

import java.util.List;
import java.util.function.Consumer;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The fixture of the HTTP test contracts: a WireMock upstream and the real gateway in front of it,
 * both started once per class, the upstream reset and stubbed afresh before each test, both stopped
 * after the class (after the class's own {@code @AfterAll} methods). Registered on a field of a
 * {@code PER_CLASS} test class:
 * <pre>
 * &#64;RegisterExtension
 * final GatewayWithUpstream fixture = new GatewayWithUpstream(this::gatewayProperties, this::stubUpstream);
 * </pre>
 */
public final class GatewayWithUpstream implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    /** The gateway's {@code name=value} properties, given the upstream's base URL. */
    @FunctionalInterface
    public interface Properties {

        List<String> forUpstream(String upstreamUri) throws Exception;
    }

    private final Properties properties;

    private final Consumer<WireMockServer> stubs;

    private final Class<?>[] testConfigurations;

    private WireMockServer upstream;

    private GatewayInstance gateway;

    private WebTestClient client;

    // @Nested classes inherit the extension and call it too: only the outermost class starts and stops.
    private String owner;

    /**
     * @param properties the gateway's properties
     * @param stubs what the upstream answers in every test, stubbed after each reset
     * @param testConfigurations configuration classes added to the gateway's context
     */
    public GatewayWithUpstream(Properties properties, Consumer<WireMockServer> stubs, Class<?>... testConfigurations) {
        this.properties = properties;
        this.stubs = stubs;
        this.testConfigurations = testConfigurations;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (this.owner != null) {
            return;
        }
        this.owner = context.getUniqueId();
        this.upstream = Upstream.start();
        this.gateway = GatewayInstance.start(this.properties.forUpstream(this.upstream.baseUrl()), this.testConfigurations);
        this.client = this.gateway.client();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        this.upstream.resetAll();
        this.stubs.accept(this.upstream);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getUniqueId().equals(this.owner)) {
            return;
        }
        if (this.gateway != null) {
            this.gateway.close();
        }
        if (this.upstream != null) {
            this.upstream.stop();
        }
    }

    public WireMockServer upstream() {
        return this.upstream;
    }

    public GatewayInstance gateway() {
        return this.gateway;
    }

    /** A client of the gateway (see {@link GatewayInstance#client()}). */
    public WebTestClient client() {
        return this.client;
    }
}
