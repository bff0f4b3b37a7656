package dev.idempotency.gateway.rules;

import java.util.List;
import java.util.Map;

/**
 * The rules of one location, merged into the flat properties one YAML file would have given
 * Spring: {@code spring.cloud.gateway.server.webflux.routes[0].id=orders-create}, ... Each value
 * remembers the file it came from.
 *
 * @param files the files read
 * @param properties flattened properties, values wrapped with their file as origin
 * @param routeFiles the file that declares each route id
 */
record RuleSet(RuleFiles files, Map<String, Object> properties, Map<String, String> routeFiles) {

    /** Reads and merges the rules, or fails with every problem found (syntax, conflicts, duplicate ids). */
    static RuleSet load(String location) throws RulesValidationException {
        return new RuleSetReader(RuleFiles.read(location)).read();
    }

    String location() {
        return this.files.location();
    }

    String fingerprint() {
        return this.files.fingerprint();
    }

    int routeCount() {
        return this.routeFiles.size();
    }

    List<String> fileNames() {
        return this.files.displayNames();
    }
}
