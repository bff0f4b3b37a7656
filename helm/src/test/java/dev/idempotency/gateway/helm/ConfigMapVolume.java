package dev.idempotency.gateway.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A directory laid out the way the kubelet mounts a ConfigMap volume: each version's files in a
 * hidden timestamped directory, {@code ..data} linking to the current one, and each visible name a
 * link into {@code ..data}. {@link #publish} updates it the way the kubelet does: a new directory,
 * then an atomic rename of a fresh {@code ..data} link over the old one.
 */
final class ConfigMapVolume {

    private final Path dir;

    private final AtomicInteger versions = new AtomicInteger();

    ConfigMapVolume(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return this.dir;
    }

    /** Publishes a new version of the ConfigMap's data (file name to content). */
    ConfigMapVolume publish(Map<String, String> files) {
        try {
            Files.createDirectories(this.dir);
            Path version = this.dir.resolve("..2026_12_06_03_00_00." + this.versions.incrementAndGet());
            Files.createDirectories(version);
            for (Map.Entry<String, String> file : files.entrySet()) {
                Files.writeString(version.resolve(file.getKey()), file.getValue());
            }
            Path next = this.dir.resolve("..data_tmp");
            Files.deleteIfExists(next);
            Files.createSymbolicLink(next, version.getFileName());
            Files.move(next, this.dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String name : files.keySet()) {
                Path visible = this.dir.resolve(name);
                if (!Files.isSymbolicLink(visible)) {
                    Files.createSymbolicLink(visible, Path.of("..data", name));
                }
            }
            return this;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
