package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import dev.idempotency.gateway.core.Digests;

/**
 * The rule files a location names, read once: one file, or the visible {@code *.yml} and
 * {@code *.yaml} files of a directory in name order.
 * <p>
 * A Kubernetes ConfigMap volume holds {@code orders.yml -> ..data/orders.yml} and
 * {@code ..data -> ..2024_11_27_10_00_00.123}; an update writes a new timestamped directory and
 * swaps the {@code ..data} link atomically. Reading the visible names (and skipping every name
 * that starts with a dot) sees exactly one version of each file, never the internals twice.
 */
record RuleFiles(String location, Path root, Map<Path, byte[]> contents) {

    /** Reads the files; a missing location or a directory without rule files is an error. */
    static RuleFiles read(String location) throws RulesValidationException {
        Path root = pathOf(location);
        try {
            List<Path> files = list(location, root);
            Map<Path, byte[]> contents = new LinkedHashMap<>();
            for (Path file : files) {
                contents.put(file, Files.readAllBytes(file));
            }
            return new RuleFiles(location, root, contents);
        }
        catch (IOException | UncheckedIOException ex) {
            throw new RulesValidationException(location,
                    List.of(RuleProblem.of("cannot read the rules: " + ex.getMessage())));
        }
    }

    /** A digest of the names and contents, or null while the files cannot be read (a swap in progress). */
    static String fingerprintOf(String location) {
        try {
            return read(location).fingerprint();
        }
        catch (RulesValidationException ex) {
            return null;
        }
    }

    String fingerprint() {
        MessageDigest digest = Digests.sha256();
        this.contents.forEach((file, bytes) -> {
            digest.update(displayName(file).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(bytes);
            digest.update((byte) 0);
        });
        return HexFormat.of().formatHex(digest.digest());
    }

    /** How a file is named in messages: as the user would reach it from the location they gave. */
    String displayName(Path file) {
        if (file.equals(this.root)) {
            return this.location;
        }
        String dir = this.location.endsWith("/") ? this.location : this.location + "/";
        return dir + file.getFileName();
    }

    List<String> displayNames() {
        return this.contents.keySet().stream().map(this::displayName).toList();
    }

    static Path pathOf(String location) {
        String path = location.strip();
        if (path.startsWith("file:")) {
            path = path.substring("file:".length());
        }
        return Path.of(path);
    }

    private static List<Path> list(String location, Path root) throws IOException {
        if (!Files.exists(root)) {
            throw new RulesValidationException(location, List.of(RuleProblem.of(
                    "idempotency.rules.location names neither a file nor a directory: " + root.toAbsolutePath())));
        }
        if (!Files.isDirectory(root)) {
            return List.of(root);
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(RuleFiles::isRuleFile).sorted().forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new RulesValidationException(location, List.of(RuleProblem.of(
                    "the rules directory " + root.toAbsolutePath() + " holds no *.yml or *.yaml file")));
        }
        return files;
    }

    private static boolean isRuleFile(Path path) {
        String name = path.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        // Files.isRegularFile follows links: a ConfigMap's visible names are links into ..data.
        return !name.startsWith(".") && (lower.endsWith(".yml") || lower.endsWith(".yaml")) && Files.isRegularFile(path);
    }
}
