package dev.idempotency.gateway.testsupport;

import com.github.tomakehurst.wiremock.WireMockServer;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** A WireMock server standing in for the legacy upstream; its request journal counts executions. */
public final class Upstream {

    private Upstream() {
    }

    public static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().dynamicPort().containerThreads(40).jettyAcceptors(2));
        server.start();
        return server;
    }
}
