package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Identifies a client by the API key in a request header ({@code X-Api-Key} by default), looked up
 * by its SHA-256 in an {@link ApiKeyFile}. The file is read again every {@code reloadInterval} and
 * swapped in when its content changed (a Kubernetes Secret volume updates in place); a file that
 * no longer parses is logged and the previous keys stay in force.
 */
public class ApiKeyClientIdentityResolver extends CredentialResolver implements AutoCloseable {

    public static final String DEFAULT_HEADER = "X-Api-Key";

    private static final Log logger = LogFactory.getLog(ApiKeyClientIdentityResolver.class);

    /** Longer values are not keys anyone issued; they are not even hashed. */
    static final int MAX_KEY_LENGTH = 512;

    private final Path file;

    private final String headerName;

    private final ScheduledExecutorService reloader;

    private volatile ApiKeyFile keys;

    private volatile byte[] loadedContent;

    /** The last content that did not parse: warned about once, not on every check. */
    private volatile byte[] rejectedContent;

    /** @throws IllegalArgumentException when the file cannot be read or parsed: a gateway must not start without keys */
    public ApiKeyClientIdentityResolver(Path file, String headerName, Duration reloadInterval) {
        this.file = file;
        this.headerName = headerName;
        byte[] content = read();
        this.keys = ApiKeyFile.parse(new String(content, StandardCharsets.UTF_8));
        this.loadedContent = content;
        this.reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "api-key-file-reload");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(100, reloadInterval.toMillis());
        this.reloader.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public Mono<ClientIdentity> identify(ServerWebExchange exchange) {
        List<String> values = exchange.getRequest().getHeaders().get(this.headerName);
        if (values == null || values.isEmpty()) {
            return Mono.just(new ClientIdentity.Absent());
        }
        if (values.size() != 1) {
            return Mono.just(new ClientIdentity.Invalid("more than one API key", "ambiguous"));
        }
        String key = values.get(0).strip();
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return Mono.just(new ClientIdentity.Invalid("malformed API key", "malformed"));
        }
        String clientId = this.keys.clientFor(key);
        return Mono.just(clientId != null ? new ClientIdentity.Identified(clientId)
                : new ClientIdentity.Invalid("unknown API key", "unknown_key"));
    }

    @Override
    protected String challenge(ClientIdentity notIdentified) {
        return "ApiKey realm=\"" + REALM + "\", header=\"" + this.headerName + "\"";
    }

    @Override
    protected String detail(ClientIdentity notIdentified) {
        return notIdentified instanceof ClientIdentity.Invalid
                ? "The API key in " + this.headerName + " is not valid."
                : "This route needs a client identity: send your API key in the " + this.headerName + " header.";
    }

    public String headerName() {
        return this.headerName;
    }

    /** The number of key digests in force. */
    public int keyCount() {
        return this.keys.size();
    }

    void reloadIfChanged() {
        try {
            byte[] content = read();
            if (Arrays.equals(content, this.loadedContent) || Arrays.equals(content, this.rejectedContent)) {
                return;
            }
            ApiKeyFile reloaded = parseOrRemember(content);
            this.keys = reloaded;
            this.loadedContent = content;
            logger.info("Reloaded API key file " + this.file + ": " + reloaded.size() + " keys");
        }
        catch (RuntimeException ex) {
            logger.warn("API key file " + this.file + " not reloaded, the previous keys stay in force: "
                    + ex.getMessage());
        }
    }

    private ApiKeyFile parseOrRemember(byte[] content) {
        try {
            return ApiKeyFile.parse(new String(content, StandardCharsets.UTF_8));
        }
        catch (IllegalArgumentException ex) {
            this.rejectedContent = content;
            throw ex;
        }
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(this.file);
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("Cannot read the API key file " + this.file + ": " + ex, ex);
        }
    }

    @Override
    public void close() {
        this.reloader.shutdownNow();
    }
}
