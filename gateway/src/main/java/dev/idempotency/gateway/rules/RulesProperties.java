package dev.idempotency.gateway.rules;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Where the route rules come from and how often they are checked for changes, under {@value #PREFIX}. */
@ConfigurationProperties(RulesProperties.PREFIX)
public class RulesProperties {

    public static final String PREFIX = "idempotency.rules";

    /**
     * A rules file, or a directory whose *.yml and *.yaml files are merged into one set of rules
     * (hidden files and Kubernetes ConfigMap internals such as ..data are skipped). Spring Cloud
     * Gateway's own syntax: spring.cloud.gateway.server.webflux.routes, default-filters and
     * idempotency.* defaults.
     */
    private String location;

    /**
     * How often the rules location is checked for changes; a valid change replaces the routes
     * without a restart, a broken one is logged and ignored. 0 turns live reload off.
     */
    private Duration reloadInterval = Duration.ofSeconds(5);

    public String getLocation() {
        return this.location;
    }

    public void setLocation(String location) {
        this.location = location;
    }

    public Duration getReloadInterval() {
        return this.reloadInterval;
    }

    public void setReloadInterval(Duration reloadInterval) {
        this.reloadInterval = reloadInterval;
    }
}
