package dev.idempotency.gateway.web;

import java.util.List;

import org.junit.jupiter.api.AfterAll;

import dev.idempotency.gateway.testsupport.RedisServer;

/** The route-rules suite on a real Redis server. */
class RedisRouteRulesTests extends RouteRulesContract {

    private RedisServer redis;

    @Override
    List<String> storeProperties() {
        this.redis = RedisServer.launch();
        return List.of(this.redis.storeProperties());
    }

    @AfterAll
    void stopRedis() {
        if (this.redis != null) {
            this.redis.close();
        }
    }
}
