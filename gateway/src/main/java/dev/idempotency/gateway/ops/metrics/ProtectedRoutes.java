package dev.idempotency.gateway.ops.metrics;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.context.ApplicationListener;

/**
 * Registers the request counters of every route that has an Idempotency filter (its own or a
 * default filter) at zero whenever the routes load. Prometheus' {@code increase()} cannot see the
 * first increment of a series that appears with the value 1, so without this each restart would
 * lose one request per route and outcome from "how many yesterday".
 */
final class ProtectedRoutes implements ApplicationListener<RefreshRoutesResultEvent> {

    private static final Log logger = LogFactory.getLog(ProtectedRoutes.class);

    private final RouteDefinitionLocator routeDefinitions;

    private final GatewayProperties gatewayProperties;

    private final String filterName;

    private final IdempotencyMetrics metrics;

    ProtectedRoutes(RouteDefinitionLocator routeDefinitions, GatewayProperties gatewayProperties, String filterName,
            IdempotencyMetrics metrics) {
        this.routeDefinitions = routeDefinitions;
        this.gatewayProperties = gatewayProperties;
        this.filterName = filterName;
        this.metrics = metrics;
    }

    @Override
    public void onApplicationEvent(RefreshRoutesResultEvent event) {
        if (!event.isSuccess()) {
            return;
        }
        boolean byDefault = hasFilter(this.gatewayProperties.getDefaultFilters());
        this.routeDefinitions.getRouteDefinitions()
            .filter(route -> byDefault || hasFilter(route.getFilters()))
            .map(RouteDefinition::getId)
            .subscribe(this.metrics::register,
                    error -> logger.debug("Route counters not pre-registered; they appear on first use", error));
    }

    private boolean hasFilter(List<FilterDefinition> filters) {
        return filters != null && filters.stream().anyMatch(filter -> this.filterName.equals(filter.getName()));
    }
}
