package dev.idempotency.gateway.rules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.idempotency.gateway.rules.TestRules.route;
import static dev.idempotency.gateway.rules.TestRules.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** How a rules file or directory becomes one set of properties. */
class RuleSetReaderTests {

    private static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

    @TempDir
    Path dir;

    static Map<String, String> plain(RuleSet rules) {
        Map<String, String> plain = new TreeMap<>();
        rules.properties().forEach((key, value) -> plain.put(key, String.valueOf(value)));
        return plain;
    }

    @Test
    void filesOfADirectoryMergeRoutesConcatenatedDefaultsDeepMerged() {
        TestRules.write(this.dir.resolve("b-payments.yml"), routes(route("payments", "/payments/**", "http://p"))
                + "idempotency:\n  defaults:\n    ttl: 12h\n"
                + "spring.cloud.gateway.server.webflux.default-filters:\n  - AddResponseHeader=X-A, 1\n");
        TestRules.write(this.dir.resolve("a-orders.yaml"), routes(route("orders", "/orders/**", "http://o"))
                + "idempotency.defaults.lock-timeout: 20s\n"
                + "spring.cloud.gateway.server.webflux.default-filters:\n  - AddResponseHeader=X-A, 1\n  - AddResponseHeader=X-B, 2\n");

        RuleSet rules = RuleSet.load(this.dir.toString());

        assertThat(plain(rules)).containsEntry(ROUTES + "[0].id", "orders").containsEntry(ROUTES + "[1].id", "payments")
            .containsEntry("idempotency.defaults.ttl", "12h").containsEntry("idempotency.defaults.lock-timeout", "20s")
            .containsEntry("spring.cloud.gateway.server.webflux.default-filters[0]", "AddResponseHeader=X-A, 1")
            .containsEntry("spring.cloud.gateway.server.webflux.default-filters[1]", "AddResponseHeader=X-B, 2")
            .doesNotContainKey("spring.cloud.gateway.server.webflux.default-filters[2]");
        assertThat(rules.routeFiles()).containsExactly(Map.entry("orders", this.dir + "/a-orders.yaml"),
                Map.entry("payments", this.dir + "/b-payments.yml"));
        assertThat(rules.fileNames()).containsExactly(this.dir + "/a-orders.yaml", this.dir + "/b-payments.yml");
    }

    @Test
    void aKeySetDifferentlyInTwoFilesAndARouteIdDeclaredTwiceAreErrors() {
        TestRules.write(this.dir.resolve("a.yml"), routes(route("orders", "/orders/**", "http://o"))
                + "idempotency:\n  store: memory\n  defaults:\n    ttl: 24h\n");
        TestRules.write(this.dir.resolve("b.yml"), routes(route("orders", "/v2/orders/**", "http://o"))
                + "idempotency:\n  store: redis\n  defaults:\n    ttl: 24h\n");

        assertThatExceptionOfType(RulesValidationException.class).isThrownBy(() -> RuleSet.load(this.dir.toString()))
            .satisfies(ex -> assertThat(ex.getProblems()).map(RuleProblem::toString).containsExactly(
                    "'idempotency.store' is set to memory in " + this.dir + "/a.yml and to redis in " + this.dir
                            + "/b.yml; set it in one file only",
                    this.dir + "/b.yml: Route 'orders' is declared twice (also in " + this.dir + "/a.yml); route ids "
                            + "must be unique across all rule files"));
    }

    @Test
    void hiddenFilesOtherExtensionsAndSubdirectoriesAreSkipped() throws Exception {
        TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**", "http://o")));
        TestRules.write(this.dir.resolve(".orders.yml.swp"), "not: [yaml");
        TestRules.write(this.dir.resolve(".hidden.yml"), routes(route("hidden", "/h/**", "http://o")));
        TestRules.write(this.dir.resolve("README.md"), "# notes");
        TestRules.write(this.dir.resolve("old/orders.yml"), routes(route("old", "/old/**", "http://o")));

        assertThat(RuleSet.load(this.dir.toString()).routeFiles()).containsOnlyKeys("orders");
        assertThat(RuleSet.load("file:" + this.dir.resolve("orders.yml")).routeFiles()).containsOnlyKeys("orders");
        assertThat(Files.exists(this.dir.resolve("old/orders.yml"))).isTrue();
    }

    @Test
    void aConfigMapVolumeIsReadThroughItsVisibleNamesOnce() {
        Path volume = this.dir.resolve("rules");
        TestRules.configMap(volume, "v1", List.of("orders.yml"), List.of(routes(route("orders", "/orders/**", "http://o"))));
        String before = RuleFiles.fingerprintOf(volume.toString());

        TestRules.configMap(volume, "v2", List.of("orders.yml"), List.of(routes(route("orders-v2", "/orders/**", "http://o"))));

        RuleSet rules = RuleSet.load(volume.toString());
        assertThat(rules.routeFiles()).containsOnlyKeys("orders-v2");
        assertThat(rules.fileNames()).containsExactly(volume + "/orders.yml");
        assertThat(rules.fingerprint()).isNotEqualTo(before).isEqualTo(RuleFiles.fingerprintOf(volume.toString()));
    }

    @Test
    void theOldGatewayPrefixAndRoutesWithoutIdsAreNamed() {
        TestRules.write(this.dir.resolve("old.yml"), """
                spring.cloud.gateway.routes:
                  - id: orders
                    uri: http://o
                    predicates: [ "Path=/orders/**" ]
                spring.cloud.gateway.server.webflux.routes:
                  - uri: http://o
                    predicates: [ "Path=/x/**" ]
                """);

        assertThatExceptionOfType(RulesValidationException.class).isThrownBy(() -> RuleSet.load(this.dir.toString()))
            .satisfies(ex -> assertThat(ex.getMessage()).contains(
                    "old.yml: route #1 has no id; every route needs a stable id",
                    "old.yml: 'spring.cloud.gateway.routes' is the Spring Cloud Gateway 4 prefix, which this gateway "
                            + "ignores; write 'spring.cloud.gateway.server.webflux.routes'"));
    }

    @Test
    void valuesStayStringsAndRememberTheirFile() {
        TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**", "http://o",
                "- { name: Idempotency, args: { ttl: 2026-01-01, required: yes } }")));

        RulesPropertySource source = new RulesPropertySource(RuleSet.load(this.dir.toString()));

        assertThat(source.getProperty(ROUTES + "[0].filters[0].args.ttl")).isEqualTo("2026-01-01");
        assertThat(source.getProperty(ROUTES + "[0].filters[0].args.required")).isEqualTo(true);
        assertThat(source.getOrigin(ROUTES + "[0].id")).hasToString("file [" + this.dir.resolve("orders.yml") + "]");
    }

    @Test
    void anEmptyDirectoryIsAnError() {
        assertThatExceptionOfType(RulesValidationException.class).isThrownBy(() -> RuleSet.load(this.dir.toString()))
            .withMessageContaining("holds no *.yml or *.yaml file");
    }

    /** Found by RuleSetReaderFuzzTests (shrunk: {@code "? ... "}): a key of dots only was an ArrayIndexOutOfBoundsException. */
    @Test
    void aDottedKeyWithAnEmptyPartIsAProblem() {
        for (String content : List.of("? ... \n", "a..b: 1\n", ".a: 1\n", "a.: 1\n")) {
            Path file = TestRules.write(this.dir.resolve("rules.yml"), content);
            assertThatExceptionOfType(RulesValidationException.class).isThrownBy(() -> RuleSet.load(file.toString()))
                .satisfies(ex -> assertThat(ex.getProblems()).map(RuleProblem::toString)
                    .anyMatch(problem -> problem.contains("has an empty part between its dots")));
        }
    }
}
