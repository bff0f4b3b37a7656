package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.Fuzz;

import static dev.idempotency.gateway.core.Fuzz.forAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The rules reader against generated YAML-ish files: it reads them or lists problems, never fails otherwise. */
class RuleSetReaderFuzzTests {

    private static final List<String> TOKENS = List.of("spring:", "cloud:", "gateway:", "server:", "webflux:",
            "routes:", "spring.cloud.gateway.server.webflux.routes:", "idempotency:", "defaults:", "ttl:", "id:",
            "uri:", "predicates:", "filters:", "- ", "  ", "    ", "\n", "\n  ", ": ", ":", "[", "]", "{", "}", ",",
            "\"", "'", "&a ", "*a", "<<: ", "!!binary ", "!!map ", "!!python/object ", "? ", "|\n", ">-\n", "---\n",
            "...\n", "%YAML 1.1\n", "#", "~", "null", "12h", "1e3", "0x1F", "Idempotency", "Path=/o/**",
            "http://o", "a.b", "[a.b]", "é", "\t", "\\", "=");

    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("rules-fuzz");
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Test
    void anyFileIsReadOrItsProblemsListed() {
        forAll(RuleSetReaderFuzzTests::yamlish, content -> {
            Path file = dir.resolve("rules.yml");
            Files.writeString(file, content, StandardCharsets.UTF_8);
            Throwable failure = catchThrowable(() -> RuleSet.load(file.toString()));
            if (failure != null) {
                assertThat(failure).isInstanceOf(RulesValidationException.class);
                assertThat(((RulesValidationException) failure).getProblems()).isNotEmpty();
            }
        });
    }

    /** Five in six: up to 40 tokens of the rules grammar and YAML; else any text. */
    private static String yamlish(Random random) {
        if (random.nextInt(6) < 5) {
            return String.join("", Fuzz.list(random, 0, 40, token -> TOKENS.get(token.nextInt(TOKENS.size()))));
        }
        return Fuzz.anyString(random, 60);
    }
}
