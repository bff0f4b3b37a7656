package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Writes rule files for tests: plain files, or a Kubernetes ConfigMap volume with its symlinks. */
final class TestRules {

    private TestRules() {
    }

    /** A rules file with one route {@code id} on {@code /path/**} whose filters are the given YAML list items. */
    static String route(String id, String path, String uri, String... filterLines) {
        StringBuilder yaml = new StringBuilder()
            .append("            - id: ").append(id).append('\n')
            .append("              uri: ").append(uri).append('\n')
            .append("              predicates:\n")
            .append("                - Path=").append(path).append('\n');
        if (filterLines.length > 0) {
            yaml.append("              filters:\n");
            for (String line : filterLines) {
                yaml.append("                ").append(line).append('\n');
            }
        }
        return yaml.toString();
    }

    static String routes(String... routes) {
        return "spring:\n  cloud:\n    gateway:\n      server:\n        webflux:\n          routes:\n" + String.join("", routes);
    }

    static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Lays out {@code dir} the way the kubelet mounts a ConfigMap: the files live in a timestamped
     * hidden directory, {@code ..data} links to it, and each visible name links into {@code ..data}.
     * Calling it again publishes a new version the way the kubelet does: a new directory, then an
     * atomic rename of a fresh {@code ..data} link over the old one.
     */
    static void configMap(Path dir, String version, List<String> names, List<String> contents) {
        try {
            Files.createDirectories(dir);
            Path versionDir = dir.resolve("..2026_11_27_" + version);
            Files.createDirectories(versionDir);
            for (int i = 0; i < names.size(); i++) {
                Files.writeString(versionDir.resolve(names.get(i)), contents.get(i));
            }
            Path next = dir.resolve("..data_tmp");
            Files.deleteIfExists(next);
            Files.createSymbolicLink(next, versionDir.getFileName());
            Files.move(next, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String name : names) {
                Path visible = dir.resolve(name);
                if (!Files.isSymbolicLink(visible)) {
                    Files.createSymbolicLink(visible, Path.of("..data", name));
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
