package dev.idempotency.gateway.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's layout table names the gateway's packages as they are: a row for every folder of
 * main code (a folder's subfolders go with it; a folder without code of its own, such as
 * {@code store/}, is named by its subfolders), and no row for a folder that is gone.
 */
class ReadmeLayoutTests {

    private static final Path SOURCES = Path.of("src/main/java/dev/idempotency/gateway");

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z/]+/)` \\|");

    @Test
    void theLayoutTableHasARowForEveryPackageAndNoOther() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String layout = readme.substring(readme.indexOf("## Layout"));
        int next = layout.indexOf("\n## ", 1);
        layout = next < 0 ? layout : layout.substring(0, next);
        List<String> rows = new ArrayList<>();
        for (String line : layout.lines().toList()) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                rows.add(row.group(1));
            }
        }
        assertThat(rows).containsExactlyInAnyOrderElementsOf(packageFolders());
    }

    /** The outermost folders below the root that hold Java files of their own. */
    private static List<String> packageFolders() throws IOException {
        List<String> folders = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(SOURCES)) {
            paths.filter(Files::isDirectory).filter(dir -> !dir.equals(SOURCES)).sorted().forEach(dir -> {
                String name = SOURCES.relativize(dir).toString().replace('\\', '/') + "/";
                if (folders.stream().noneMatch(name::startsWith) && hasJavaFiles(dir)) {
                    folders.add(name);
                }
            });
        }
        return folders;
    }

    private static boolean hasJavaFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(file -> file.toString().endsWith(".java"));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
