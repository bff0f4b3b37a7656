package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

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

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("rules-fuzz");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Property
    void anyFileIsReadOrItsProblemsListed(@ForAll("yamlish") String content) throws IOException {
        Path file = dir.resolve("rules.yml");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Throwable failure = catchThrowable(() -> RuleSet.load(file.toString()));
        if (failure != null) {
            assertThat(failure).isInstanceOf(RulesValidationException.class);
            assertThat(((RulesValidationException) failure).getProblems()).isNotEmpty();
        }
    }

    @Provide
    Arbitrary<String> yamlish() {
        Arbitrary<String> tokens = Arbitraries.of(TOKENS).list().ofMaxSize(40).map(parts -> String.join("", parts));
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(60);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, tokens), net.jqwik.api.Tuple.of(1, any));
    }
}
