package dev.idempotency.gateway.web;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.rules.ArgumentProblems;
import dev.idempotency.gateway.rules.ArgumentProblems.InvalidArgumentsException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A route's {@code keySource} as written: how each entry binds, and every problem named at once. */
class KeyPartsTests {

    private static final String PREFIX = "Route 'r': Idempotency argument ";

    /** The one place the code under test is called: every problem of these entries, in order. */
    private static List<String> problems(List<KeyPart> parts, String queryParameter, String jsonPointer) {
        ArgumentProblems problems = new ArgumentProblems("r", "Idempotency");
        KeyParts.check(parts, queryParameter, jsonPointer, problems);
        if (problems.isEmpty()) {
            return List.of();
        }
        return catchThrowableOfType(InvalidArgumentsException.class, problems::throwIfAny).problems().stream()
            .map(problem -> problem.substring(PREFIX.length()))
            .toList();
    }

    private static List<String> problems(String... written) {
        return problems(Arrays.stream(written).map(KeyPart::valueOf).toList(), "idempotency_key", "/client_order_id");
    }

    @Test
    void anEntryIsASourceAndOptionallyANameAfterTheFirstColon() {
        assertThat(KeyPart.valueOf("header")).isEqualTo(new KeyPart(KeySource.HEADER, null, "header"));
        assertThat(KeyPart.valueOf(" Query : account ")).isEqualTo(new KeyPart(KeySource.QUERY, "account", "Query : account"));
        assertThat(KeyPart.valueOf("json-body:/a:b")).isEqualTo(new KeyPart(KeySource.JSON_BODY, "/a:b", "json-body:/a:b"));
        assertThat(KeyPart.valueOf(":x")).isEqualTo(new KeyPart(null, "x", ":x"));
        assertThat(KeyPart.valueOf("path:")).isEqualTo(new KeyPart(KeySource.PATH, "", "path:"));
        assertThat(KeyPart.valueOf("cookie:sid")).isEqualTo(new KeyPart(null, "sid", "cookie:sid"));
        assertThat(KeyPart.of(KeySource.JSON_BODY)).isEqualTo(new KeyPart(KeySource.JSON_BODY, null, "json-body"));
        assertThat(KeyPart.valueOf(" json-body:/a ")).hasToString("json-body:/a");
    }

    @Test
    void aPartWithoutANameTakesTheRoutesArgumentForItsSource() {
        assertThat(KeyPart.valueOf("header").named("Idempotency-Key", "q", "/p")).isEqualTo(
                new KeyPart(KeySource.HEADER, "Idempotency-Key", "header"));
        assertThat(KeyPart.valueOf("query").named("H", "q", "/p")).isEqualTo(new KeyPart(KeySource.QUERY, "q", "query"));
        assertThat(KeyPart.valueOf("json-body").named("H", "q", "/p")).isEqualTo(new KeyPart(KeySource.JSON_BODY, "/p", "json-body"));
        assertThat(KeyPart.valueOf("path").named("H", "q", "/p")).isEqualTo(new KeyPart(KeySource.PATH, null, "path"));
        assertThat(KeyPart.valueOf("header:X-A").named("H", "q", "/p")).isEqualTo(new KeyPart(KeySource.HEADER, "X-A", "header:X-A"));
        assertThat(KeyPart.valueOf("nope").named("H", "q", "/p")).isEqualTo(new KeyPart(null, null, "nope"));
    }

    @Test
    void eachPartSaysWhereItIsLookedFor() {
        assertThat(List.of(new KeyPart(KeySource.HEADER, "X-A", "").describe(), new KeyPart(KeySource.QUERY, "a", "").describe(),
                new KeyPart(KeySource.JSON_BODY, "/a", "").describe(), new KeyPart(KeySource.PATH, "a", "").describe()))
            .containsExactly("X-A header", "a query parameter", "JSON body field /a", "path segment {a}");
    }

    @Test
    void validEntriesHaveNoProblem() {
        assertThat(problems("header", "header:X-Account_Id.1~", "query", "query:account", "json-body", "json-body:/a~1b/0",
                "path:accountId")).isEmpty();
    }

    @Test
    void anEmptyListIsAProblem() {
        assertThat(problems(List.of(), "q", "/p")).containsExactly("'keySource' must be header, query, json-body, or a list "
                + "of parts joined into one key, each a source with an optional name: header:X-Account-Id, query:account, "
                + "json-body:/client_order_id, path:accountId (was empty)");
        assertThat(problems(null, "q", "/p")).hasSize(1).allMatch(problem -> problem.endsWith("(was empty)"));
    }

    @Test
    void everyProblemOfEveryPartIsNamed() {
        assertThat(problems("cookie:sid", "header:", "header:X A", "path", "json-body:a", "json-body:/~2", "query:", "path:"))
            .containsExactly(
                    "'keySource' must be header, query, json-body, or a list of parts joined into one key, each a source "
                            + "with an optional name: header:X-Account-Id, query:account, json-body:/client_order_id, "
                            + "path:accountId (was cookie:sid)",
                    "'keySource' part 'header:' names nothing after ':'; such as header:X-Account-Id",
                    "'keySource' part 'header:X A' must name a header, such as header:X-Account-Id (was X A)",
                    "'keySource' part 'path' must name a variable of the route's Path pattern, such as path:accountId "
                            + "for /accounts/{accountId}/orders (was path)",
                    "'keySource' part 'json-body:a' must name an RFC 6901 JSON Pointer, such as json-body:/client_order_id (was a)",
                    "'keySource' part 'json-body:/~2' must name an RFC 6901 JSON Pointer, such as json-body:/client_order_id (was /~2)",
                    "'keySource' part 'query:' names nothing after ':'; such as query:account",
                    "'keySource' part 'path:' names nothing after ':'; such as path:accountId");
        assertThat(problems("json-body:")).containsExactly("'keySource' part 'json-body:' names nothing after ':'; such as "
                + "json-body:/client_order_id");
    }

    @Test
    void aSourceWithoutNameNeedsTheRoutesArgument() {
        assertThat(problems(List.of(KeyPart.valueOf("query")), " ", "/p"))
            .containsExactly("'queryParameter' must name the query parameter when keySource is query (was  )");
        assertThat(problems(List.of(KeyPart.valueOf("query")), null, "/p"))
            .containsExactly("'queryParameter' must name the query parameter when keySource is query (was null)");
        assertThat(problems(List.of(KeyPart.valueOf("json-body")), "q", null))
            .containsExactly("'jsonPointer' must be a JSON Pointer such as /client_order_id when keySource is json-body (was null)");
        assertThat(problems(List.of(KeyPart.valueOf("query:account")), null, null)).isEmpty();
        assertThat(problems(List.of(KeyPart.valueOf("json-body:/a")), null, null)).isEmpty();
    }

    @Test
    void aPartListedTwiceIsAProblemEvenWhenSpelledDifferently() {
        assertThat(problems("header:X-A", "query", "header:X-A")).containsExactly("'keySource' lists the part 'header:X-A' twice");
        assertThat(problems("query", "query:idempotency_key")).containsExactly(
                "'keySource' lists the part 'query:idempotency_key' twice");
        assertThat(problems("json-body:/a", "query:a", "path:a", "header:a")).isEmpty();
    }

    @Test
    void onlyWhatRfc6901AllowsIsAPointer() {
        assertThat(JsonBodyKeys.isValidPointer("")).isTrue();
        assertThat(JsonBodyKeys.isValidPointer("/a~0~1b")).isTrue();
        assertThat(JsonBodyKeys.isValidPointer("/a~")).isFalse();
        assertThat(JsonBodyKeys.isValidPointer("/~2")).isFalse();
        assertThat(JsonBodyKeys.isValidPointer("a")).isFalse();
    }

    @Test
    void sourcesAreWrittenInLowerCaseWithDashes() {
        assertThat(Arrays.stream(KeySource.values()).map(KeySource::written)).containsExactly("header", "query", "json-body", "path");
        assertThat(KeySource.fromWritten(" Json-Body ")).isEqualTo(KeySource.JSON_BODY);
        assertThat(KeySource.fromWritten("json_body")).isNull();
    }
}
