package dev.idempotency.gateway.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds Spring Cloud Gateway route properties the way a user's YAML would set them:
 * {@code Routes.route("orders", uri).path("/orders/**").filter("Idempotency", Map.of("ttl", "24h"))}.
 */
public final class Routes {

    private static final String PREFIX = "spring.cloud.gateway.server.webflux.routes";

    private final List<Route> routes = new ArrayList<>();

    public static Routes create() {
        return new Routes();
    }

    public Route route(String id, String uri) {
        Route route = new Route(this, this.routes.size(), id, uri);
        this.routes.add(route);
        return route;
    }

    public List<String> properties() {
        List<String> properties = new ArrayList<>();
        this.routes.forEach(route -> properties.addAll(route.properties));
        return properties;
    }

    public static final class Route {

        private final Routes routes;

        private final String prefix;

        private final List<String> properties = new ArrayList<>();

        private int predicates;

        private int filters;

        private Route(Routes routes, int index, String id, String uri) {
            this.routes = routes;
            this.prefix = PREFIX + "[" + index + "]";
            this.properties.add(this.prefix + ".id=" + id);
            this.properties.add(this.prefix + ".uri=" + uri);
        }

        public Route path(String pattern) {
            this.properties.add(this.prefix + ".predicates[" + this.predicates++ + "]=Path=" + pattern);
            return this;
        }

        public Route metadata(String name, Object value) {
            this.properties.add(this.prefix + ".metadata." + name + "=" + value);
            return this;
        }

        public Route filter(String name) {
            return filter(name, Map.of());
        }

        public Route filter(String name, Map<String, Object> args) {
            String filter = this.prefix + ".filters[" + this.filters++ + "]";
            this.properties.add(filter + ".name=" + name);
            new LinkedHashMap<>(args).forEach((arg, value) -> this.properties.add(filter + ".args." + arg + "=" + value));
            return this;
        }

        public Route route(String id, String uri) {
            return this.routes.route(id, uri);
        }

        public List<String> properties() {
            return this.routes.properties();
        }
    }
}
