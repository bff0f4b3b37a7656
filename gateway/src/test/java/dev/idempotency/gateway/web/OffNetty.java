package dev.idempotency.gateway.web;

import java.lang.reflect.Proxy;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * A {@link RequestEventLoop} of an exchange that is not served by Reactor Netty, as in a unit test:
 * values pass through on the thread they come on, timers run on Reactor's parallel scheduler. (A
 * mock exchange will not do: it throws where the loop is looked for, as no running server would.)
 */
final class OffNetty {

    private OffNetty() {
    }

    static RequestEventLoop loop() {
        ServerHttpRequest request = (ServerHttpRequest) Proxy.newProxyInstance(OffNetty.class.getClassLoader(),
                new Class<?>[] { ServerHttpRequest.class }, (proxy, method, args) -> null);
        ServerWebExchange exchange = (ServerWebExchange) Proxy.newProxyInstance(OffNetty.class.getClassLoader(),
                new Class<?>[] { ServerWebExchange.class }, (proxy, method, args) -> method.getName().equals("getRequest") ? request : null);
        return RequestEventLoop.of(exchange);
    }
}
