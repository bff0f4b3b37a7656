package dev.idempotency.gateway.rules;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.idempotency.gateway.rules.TestRules.route;
import static dev.idempotency.gateway.rules.TestRules.routes;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code --validate}, run in-process: exit code and output, for the examples and for each kind of bad rule. */
class RulesValidationCommandTests {

    @TempDir
    Path dir;

    record Result(int exitCode, String output) {
    }

    static Result validate(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exitCode = RulesValidationCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Result(exitCode, bytes.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource({ "../config/accounts.yml, 1", "../config/orders.yml, 2", "../config/payments.yml, 3", "../config/exchange.yml, 2",
            "../config/rate-limits.yml, 1", "../config/defaults.yml, 0", "../config, 9" })
    void everyExampleIsValidAloneAndTheDirectoryAsAWhole(String location, int routes) {
        Result result = validate("--validate", location);

        assertThat(result.output()).startsWith("OK: " + routes + " routes in ");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void theDirectoryListsItsFilesInNameOrder() {
        assertThat(validate("--validate=../config").output().strip()).isEqualTo("OK: 9 routes in ../config/accounts.yml, ../config/defaults.yml, "
                + "../config/exchange.yml, ../config/orders.yml, ../config/payments.yml, ../config/rate-limits.yml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            unknown argument  | - { name: Idempotency, args: { tll: 24h } }            | Route 'orders': Idempotency argument 'tll' is not known (did you mean 'ttl'?); accepted arguments: ambiguousOutcome,
            bad duration      | - { name: Idempotency, args: { ttl: a day } }          | Route 'orders': Idempotency argument 'ttl' must be a duration such as 500ms, 30s, 5m or 24h (was a day)
            negative duration | - Idempotency=true,-5s                                 | Route 'orders': Idempotency argument 'ttl' must be a positive duration such as 24h (was PT-5S)
            negative size     | - { name: Idempotency, args: { maxRequestBodySize: -1KB } } | Route 'orders': Idempotency argument 'maxRequestBodySize' must be zero or more, such as 1MB (was -1024B)
            bad size          | - { name: Idempotency, args: { maxRequestBodySize: big } }  | Route 'orders': Idempotency argument 'maxRequestBodySize' must be a size such as 512KB or 1MB (was big)
            bad JSON Pointer  | - { name: Idempotency, args: { keySource: json-body, jsonPointer: client_order_id } } | Route 'orders': Idempotency argument 'jsonPointer' must be an RFC 6901 JSON Pointer
            unknown mode      | - { name: Idempotency, args: { mode: enforcing } }     | Route 'orders': Idempotency argument 'mode' must be one of enforce, observe (was enforcing)
            unknown key source | - { name: Idempotency, args: { keySource: cookie } }  | Route 'orders': Idempotency argument 'keySource' must be header, query, json-body, or a list of parts joined into one key, each a source with an optional name: header:X-Account-Id, query:account, json-body:/client_order_id, path:accountId (was cookie)
            unknown key part  | - { name: Idempotency, args: { keySource: 'header:X-Account-Id,cookie:sid' } } | Route 'orders': Idempotency argument 'keySource' must be header, query, json-body, or a list of parts joined into one key, each a source with an optional name: header:X-Account-Id, query:account, json-body:/client_order_id, path:accountId (was cookie:sid)
            path without name | - { name: Idempotency, args: { keySource: 'path,json-body:/id' } } | Route 'orders': Idempotency argument 'keySource' part 'path' must name a variable of the route's Path pattern, such as path:accountId for /accounts/{accountId}/orders (was path)
            path variable unknown | - { name: Idempotency, args: { keySource: 'path:accountId,json-body:/id' } } | Route 'orders': Idempotency argument 'keySource' part 'path:accountId' names no variable of the route's Path predicate [/orders/**] (variables: none)
            part listed twice | - { name: Idempotency, args: { keySource: [ 'header:X-A', 'header:X-A' ] } } | Route 'orders': Idempotency argument 'keySource' lists the part 'header:X-A' twice
            bad part pointer  | - { name: Idempotency, args: { keySource: 'header:X-A,json-body:id' } } | Route 'orders': Idempotency argument 'keySource' part 'json-body:id' must name an RFC 6901 JSON Pointer, such as json-body:/client_order_id (was id)
            empty part name   | - { name: Idempotency, args: { keySource: 'header:,query' } } | Route 'orders': Idempotency argument 'keySource' part 'header:' names nothing after ':'; such as header:X-Account-Id
            status nonsense   | - { name: Idempotency, args: { releaseStatuses: 'server-errors' } } | Route 'orders': Idempotency argument 'releaseStatuses' entry 'server-errors' is not a status: write a code (503), a class (5xx) or a range (500-599)
            status too high   | - { name: Idempotency, args: { releaseStatuses: '503,600' } } | Route 'orders': Idempotency argument 'releaseStatuses' entry '600' is outside the HTTP statuses 100-599
            status class 6xx  | - { name: Idempotency, args: { releaseStatuses: '6xx' } } | Route 'orders': Idempotency argument 'releaseStatuses' entry '6xx' is outside the HTTP statuses 100-599
            reversed range    | - { name: Idempotency, args: { releaseStatuses: '599-500' } } | Route 'orders': Idempotency argument 'releaseStatuses' entry '599-500' is reversed: write 500-599
            overlap           | - { name: Idempotency, args: { releaseStatuses: [ 5xx, 503 ] } } | Route 'orders': Idempotency argument 'releaseStatuses' entries '5xx' and '503' overlap (503); list each status once
            overlapping ranges | - { name: Idempotency, args: { releaseStatuses: '408,500-510,505-599' } } | Route 'orders': Idempotency argument 'releaseStatuses' entries '500-510' and '505-599' overlap (505-510); list each status once
            pointers need canonical | - { name: Idempotency, args: { fingerprintIgnoreJsonPointers: /sent_at } } | Route 'orders': Idempotency argument 'fingerprintIgnoreJsonPointers' needs bodyComparison: canonical-json (parts of a body are compared as JSON) (was BYTES)
            pointers need body | - { name: Idempotency, args: { bodyComparison: canonical-json, fingerprintParts: 'method,path', fingerprintJsonPointers: /amount } } | Route 'orders': Idempotency argument 'fingerprintJsonPointers' needs body in fingerprintParts (was [METHOD, PATH])
            bad body pointer  | - { name: Idempotency, args: { bodyComparison: canonical-json, fingerprintJsonPointers: amount } } | Route 'orders': Idempotency argument 'fingerprintJsonPointers' must list RFC 6901 JSON Pointers to parts of the body, such as /amount or /items/0/sku (was amount)
            whole body pointer | - { name: Idempotency, args: { bodyComparison: canonical-json, fingerprintIgnoreJsonPointers: [ '' ] } } | Route 'orders': Idempotency argument 'fingerprintIgnoreJsonPointers' must list RFC 6901 JSON Pointers to parts of the body, such as /amount or /items/0/sku (was )
            both pointer lists | - { name: Idempotency, args: { bodyComparison: canonical-json, fingerprintJsonPointers: /amount, fingerprintIgnoreJsonPointers: /sent_at } } | Route 'orders': Idempotency argument 'fingerprintJsonPointers' and 'fingerprintIgnoreJsonPointers' exclude each other: name the parts that count or the parts that do not (was [/amount] and [/sent_at])
            unknown part      | - { name: Idempotency, args: { fingerprintParts: 'method,headers' } } | Route 'orders': Idempotency argument 'fingerprintParts' must be a comma-separated list of method, path, query, content-type, body (was method,headers)
            not a boolean     | - Idempotency=yes please                               | Route 'orders': Idempotency argument 'required' must be true or false (was yes please)
            too many values   | - Idempotency=true,24h,30s                             | Route 'orders': Idempotency takes at most 2 values in its one-line form (required, ttl)
            unknown filter    | - Idempotancy=true                                     | Route 'orders': unknown filter 'Idempotancy' in filters[0] (did you mean 'Idempotency'?); known filters: AddRequestHeader,
            rate limit        | - { name: RateLimit, args: { clientLimits: [ { capacity: 0, refillPeriod: 1m } ] } } | Route 'orders': RateLimit argument 'clientLimits[0].capacity' must be at least 1 (was 0)
            rate limit field  | - { name: RateLimit, args: { clientLimits: [ { capacty: 5, refillPeriod: 1m } ] } }  | Route 'orders': RateLimit argument 'clientLimits[0].capacty' is not known (did you mean 'capacity'?); accepted arguments: capacity, name, refillPeriod, refillStyle, refillTokens
            rate limit form   | - RateLimit=5                                          | Route 'orders': RateLimit has no one-line form
            """)
    void eachKindOfBadRuleIsNamedWithItsRouteFieldAndAcceptedValues(String kind, String filter, String message) {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**",
                "http://localhost:9000", filter)));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains(rules + ": " + message);
        assertThat(result.output()).contains("1 problem in " + rules);
        assertThat(result.exitCode()).isEqualTo(1);
    }

    /** docs/rules.md: each route has an id, a uri and at least one predicate. */
    @Test
    void aRouteWithoutPredicatesIsAnError() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), """
                spring.cloud.gateway.server.webflux.routes:
                  - id: orders
                    uri: http://localhost:9000
                    filters:
                      - Idempotency
                """);

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains(rules + ": Route 'orders' needs at least one predicate, such as '- Path=/orders/**'");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void everyProblemIsListedNotJustTheFirst() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(
                route("a", "/a/**", "http://localhost:9000", "- { name: Idempotency, args: { ttl: soon, mode: loud } }"),
                route("b", "/b/**", "http://localhost:9000", "- Idempotency=maybe")));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains("Route 'a': Idempotency argument 'ttl'", "Route 'a': Idempotency argument 'mode'",
                "Route 'b': Idempotency argument 'required'", "3 problems in ");
    }

    @Test
    void everyOwnCheckOfOneFilterIsReportedInOneRun() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**",
                "http://localhost:9000", "- { name: Idempotency, args: { jsonPointer: bad, lockTimeout: -5s, "
                        + "maxRequestBodySize: -1KB, releaseStatuses: '5xx,503,700' } }")));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output().lines().filter(line -> line.contains("Route 'orders': Idempotency argument"))).containsExactly(
                rules + ": Route 'orders': Idempotency argument 'lockTimeout' must be a positive duration such as 30s (was PT-5S)",
                rules + ": Route 'orders': Idempotency argument 'maxRequestBodySize' must be zero or more, such as 1MB (was -1024B)",
                rules + ": Route 'orders': Idempotency argument 'releaseStatuses' entries '5xx' and '503' overlap (503); list each status once",
                rules + ": Route 'orders': Idempotency argument 'releaseStatuses' entry '700' is outside the HTTP statuses 100-599",
                rules + ": Route 'orders': Idempotency argument 'jsonPointer' must be an RFC 6901 JSON Pointer: empty or "
                        + "'/'-separated tokens, '~' only as ~0 or ~1, such as /client_order_id (was bad)");
        assertThat(result.output()).contains("5 problems in " + rules);
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void everyOwnCheckOfTheRateLimitFilterIsReportedInOneRun() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**",
                "http://localhost:9000", "- { name: RateLimit, args: { bucket: 'no spaces', clientLimits: [ "
                        + "{ capacity: 0, refillPeriod: 1m }, { capacity: 5, refillPeriod: -1s, refillStyle: sometimes } ] } }")));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output().lines().filter(line -> line.contains("Route 'orders': RateLimit argument"))).containsExactly(
                rules + ": Route 'orders': RateLimit argument 'clientLimits[0].capacity' must be at least 1 (was 0)",
                rules + ": Route 'orders': RateLimit argument 'clientLimits[1].refillPeriod' must be a positive duration "
                        + "such as 1m (was PT-1S)",
                rules + ": Route 'orders': RateLimit argument 'clientLimits[1].refillStyle' must be one of greedy, "
                        + "intervally (was sometimes)",
                rules + ": Route 'orders': RateLimit argument 'bucket' must be 1 to 64 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit (was no spaces)");
        assertThat(result.output()).contains("4 problems in " + rules);
    }

    @Test
    void statusRangesAndKeyPartsWorkAsDefaultsInEitherYamlForm() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/accounts/{accountId}/orders",
                "http://localhost:9000", "- Idempotency=true,24h")) + """
                idempotency:
                  defaults:
                    release-statuses: [ 408, 5xx, 420-422 ]
                    key-source: [ path:accountId, json-body:/client_order_id ]
                """);
        assertThat(validate("--validate", rules.toString()).output()).startsWith("OK: 1 routes in ");

        TestRules.write(rules, routes(route("orders", "/orders/**", "http://localhost:9000", "- Idempotency=true,24h")) + """
                idempotency:
                  defaults:
                    release-statuses: [ 408, 600, 5xx, 503 ]
                """);
        assertThat(validate("--validate", rules.toString()).output()).contains(
                rules + ": Route 'orders': Idempotency argument 'releaseStatuses' entry '600' is outside the HTTP statuses 100-599",
                rules + ": Route 'orders': Idempotency argument 'releaseStatuses' entries '5xx' and '503' overlap (503); "
                        + "list each status once", "2 problems in ");
    }

    @Test
    void aPathKeyPartMustNameAVariableOfTheRoutesPathPattern() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders",
                "/accounts/{accountId}/orders/{*rest}", "http://localhost:9000",
                "- { name: Idempotency, args: { keySource: 'path:accountId,path:rest,path:acount' } }")));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains(rules + ": Route 'orders': Idempotency argument 'keySource' part "
                + "'path:acount' names no variable of the route's Path predicate [/accounts/{accountId}/orders/{*rest}] "
                + "(variables: accountId, rest)", "1 problem in ");
    }

    @Test
    void unknownPredicatesAndMissingPartsOfARoute() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(
                "            - id: a\n              uri: http://localhost:9000\n              predicates: [ 'Paht=/a' ]\n",
                "            - id: b\n              predicates: [ 'Path=/b' ]\n",
                "            - uri: http://localhost:9000\n              predicates: [ 'Path=/c' ]\n"));

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains("route #3 has no id; every route needs a stable id");
        assertThat(result.exitCode()).isEqualTo(1);
        TestRules.write(rules, routes(
                "            - id: a\n              uri: http://localhost:9000\n              predicates: [ 'Paht=/a' ]\n",
                "            - id: b\n              predicates: [ 'Path=/b' ]\n"));
        assertThat(validate("--validate", rules.toString()).output()).contains(
                "Route 'a': unknown predicate 'Paht' (did you mean 'Path'?); known predicates: After, Before,",
                "Route 'b': 'uri' is required, such as http://orders:8080 or lb://orders");
    }

    @Test
    void unknownGlobalPropertiesAndBadDefaults() {
        Path rules = TestRules.write(this.dir.resolve("defaults.yml"), """
                idempotency:
                  stor: redis
                  defaults:
                    ttl: forever
                  rate-limit:
                    defaults:
                      fail-opne: false
                """);

        Result result = validate("--validate", rules.toString());

        assertThat(result.output()).contains(
                rules + ": 'idempotency.stor' is not a property of this gateway (did you mean 'idempotency.store'?)",
                rules + ": 'idempotency.rate-limit.defaults.fail-opne' is not a property of this gateway (did you mean "
                        + "'idempotency.rate-limit.defaults.fail-open'?)",
                rules + ": 'idempotency.defaults.ttl' must be a duration such as 500ms, 30s, 5m or 24h (was forever)");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void yamlThatDoesNotParseNamesItsFile() {
        Path rules = TestRules.write(this.dir.resolve("broken.yml"), "spring:\n  cloud: [ unclosed\n");

        Result result = validate("--validate", this.dir.toString());

        assertThat(result.output()).startsWith(this.dir + "/broken.yml: is not valid YAML: ");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void aMissingLocationAndAMissingArgument() {
        assertThat(validate("--validate", this.dir.resolve("nope.yml").toString()).output())
            .contains("idempotency.rules.location names neither a file nor a directory");
        Result usage = validate("--validate");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.output()).startsWith("usage: java -jar idempotency-gateway-exec.jar --validate <rules file or directory>");
    }
}
