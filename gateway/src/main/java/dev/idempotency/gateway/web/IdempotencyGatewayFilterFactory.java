package dev.idempotency.gateway.web;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.util.unit.DataSize;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.IdempotencyListeners;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.identity.ClientIdentityResolvers;
import dev.idempotency.gateway.rules.PathVariablesUser;
import dev.idempotency.gateway.rules.RouteFilterConfig;

/**
 * Binds the {@code Idempotency} route filter's arguments and builds the filter. Each route starts
 * from the global defaults ({@code idempotency.defaults.*}) and overrides what its args name.
 *
 * <pre>
 * filters:
 *   - name: Idempotency
 *     args:
 *       required: true
 *       ttl: 24h
 * </pre>
 */
public class IdempotencyGatewayFilterFactory
        extends AbstractGatewayFilterFactory<IdempotencyGatewayFilterFactory.Config> {

    /**
     * The exchange attribute holding the {@code IdempotencyKey} the route's filter read from the
     * request, wherever the route reads it; absent until a valid key was read.
     */
    public static final String KEY_ATTRIBUTE = IdempotencyGatewayFilterFactory.class.getName() + ".key";

    private final IdempotencyStore store;

    private final InFlightKeys inFlightKeys;

    private final ClientIdentityResolvers clientIdentityResolvers;

    private final Config defaults;

    private final IdempotencyListeners listeners;

    private final Clock clock;

    private final PendingStores pendingStores;

    public IdempotencyGatewayFilterFactory(IdempotencyStore store, InFlightKeys inFlightKeys,
            ClientIdentityResolvers clientIdentityResolvers, Config defaults, List<IdempotencyListener> listeners,
            Clock clock, PendingStores pendingStores) {
        super(Config.class);
        this.pendingStores = pendingStores;
        this.store = store;
        this.inFlightKeys = inFlightKeys;
        this.clientIdentityResolvers = clientIdentityResolvers;
        this.defaults = defaults;
        this.listeners = new IdempotencyListeners(listeners);
        this.clock = clock;
    }

    @Override
    public Config newConfig() {
        return this.defaults.copy();
    }

    @Override
    public List<String> shortcutFieldOrder() {
        return List.of("required", "ttl");
    }

    @Override
    public GatewayFilter apply(Config config) {
        IdempotencyPolicy policy = IdempotencyPolicy.of(config);
        ClientIdentityResolver clientIdentityResolver = this.clientIdentityResolvers.forRoute(config.getRouteId(),
                "Idempotency", config.getClientIdentity());
        return new IdempotencyGatewayFilter(policy, this.store, this.inFlightKeys, clientIdentityResolver,
                this.listeners, this.clock, this.pendingStores);
    }

    /**
     * The arguments of one route's {@code Idempotency} filter, as bound; {@link IdempotencyPolicy#of}
     * checks and freezes them.
     */
    public static class Config extends RouteFilterConfig<Config> implements PathVariablesUser {

        private boolean required = true;

        private Duration ttl = Duration.ofHours(24);

        private Set<String> methods = new LinkedHashSet<>(List.of("POST", "PATCH"));

        private String headerName = "Idempotency-Key";

        private Duration lockTimeout = Duration.ofSeconds(30);

        private List<StatusRange> releaseStatuses = new ArrayList<>(
                List.of(StatusRange.of(408), StatusRange.of(425), StatusRange.of(429), StatusRange.of(503)));

        private DataSize maxRequestBodySize = DataSize.ofMegabytes(1);

        private DataSize maxResponseBodySize = DataSize.ofMegabytes(1);

        private AmbiguousOutcome ambiguousOutcome = AmbiguousOutcome.STORE;

        private List<String> excludedHeaders = new ArrayList<>();

        private List<KeyPart> keySource = new ArrayList<>(List.of(KeyPart.of(KeySource.HEADER)));

        private String queryParameter = "idempotency_key";

        private String jsonPointer;

        private Set<FingerprintPart> fingerprintParts = EnumSet.allOf(FingerprintPart.class);

        private List<String> fingerprintHeaders = new ArrayList<>();

        private BodyComparison bodyComparison = BodyComparison.BYTES;

        private List<String> fingerprintJsonPointers = new ArrayList<>();

        private List<String> fingerprintIgnoreJsonPointers = new ArrayList<>();

        private RolloutMode mode = RolloutMode.ENFORCE;

        private ConcurrentRequests concurrent = ConcurrentRequests.REJECT;

        private Duration waitTimeout = Duration.ofSeconds(10);

        private Duration executionTimeout = Duration.ofMinutes(5);

        private int maxInFlightPerClient = 0;

        public Config() {
            super(false);
        }

        @Override
        public List<PathVariable> pathVariables() {
            return this.keySource.stream().filter(part -> part.source() == KeySource.PATH && part.name() != null)
                .map(part -> new PathVariable("keySource", part.written(), part.name()))
                .toList();
        }

        /** The route's key parts, each with its name resolved from headerName, queryParameter or jsonPointer. */
        public List<KeyPart> keyParts() {
            return this.keySource.stream().map(part -> part.named(this.headerName, this.queryParameter, this.jsonPointer))
                .toList();
        }

        public boolean isRequired() {
            return this.required;
        }

        /** Whether a request without a key is rejected (400) rather than forwarded unprotected. */
        public Config setRequired(boolean required) {
            this.required = required;
            return this;
        }

        public Duration getTtl() {
            return this.ttl;
        }

        /** How long a completed result is kept and replayed. */
        public Config setTtl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        public Set<String> getMethods() {
            return this.methods;
        }

        /** Methods the filter protects; others pass straight through. */
        public Config setMethods(Set<String> methods) {
            Set<String> upperCase = new LinkedHashSet<>();
            methods.forEach(method -> upperCase.add(method.trim().toUpperCase(Locale.ROOT)));
            this.methods = upperCase;
            return this;
        }

        public String getHeaderName() {
            return this.headerName;
        }

        /** The request header that carries the key. */
        public Config setHeaderName(String headerName) {
            this.headerName = headerName;
            return this;
        }

        public Duration getLockTimeout() {
            return this.lockTimeout;
        }

        /** The in-flight lease: renewed while the request runs, so a crashed gateway blocks a key only this long. */
        public Config setLockTimeout(Duration lockTimeout) {
            this.lockTimeout = lockTimeout;
            return this;
        }

        public List<StatusRange> getReleaseStatuses() {
            return this.releaseStatuses;
        }

        /**
         * Upstream statuses meaning "not processed, try again": the key is freed instead of stored.
         * Codes (503), classes (5xx) or ranges (500-599), none listed twice.
         */
        public Config setReleaseStatuses(List<StatusRange> releaseStatuses) {
            this.releaseStatuses = new ArrayList<>(releaseStatuses);
            return this;
        }

        public DataSize getMaxRequestBodySize() {
            return this.maxRequestBodySize;
        }

        /** Larger request bodies are rejected with 413 before anything is stored or forwarded. */
        public Config setMaxRequestBodySize(DataSize maxRequestBodySize) {
            this.maxRequestBodySize = maxRequestBodySize;
            return this;
        }

        public DataSize getMaxResponseBodySize() {
            return this.maxResponseBodySize;
        }

        /** Larger responses are streamed to the client and marked not replayable. */
        public Config setMaxResponseBodySize(DataSize maxResponseBodySize) {
            this.maxResponseBodySize = maxResponseBodySize;
            return this;
        }

        public AmbiguousOutcome getAmbiguousOutcome() {
            return this.ambiguousOutcome;
        }

        public Config setAmbiguousOutcome(AmbiguousOutcome ambiguousOutcome) {
            this.ambiguousOutcome = ambiguousOutcome;
            return this;
        }

        public List<KeyPart> getKeySource() {
            return this.keySource;
        }

        /**
         * Where the key travels: header (default), query, json-body, or a list of parts joined into
         * one key, such as header:X-Account-Id, json-body:/client_order_id, path:accountId.
         */
        public Config setKeySource(List<KeyPart> keySource) {
            this.keySource = new ArrayList<>(keySource);
            return this;
        }

        public String getQueryParameter() {
            return this.queryParameter;
        }

        /** The query parameter that carries the key when keySource is query. */
        public Config setQueryParameter(String queryParameter) {
            this.queryParameter = queryParameter;
            return this;
        }

        public String getJsonPointer() {
            return this.jsonPointer;
        }

        /** The RFC 6901 JSON Pointer to the key when keySource is json-body, such as /client_order_id. */
        public Config setJsonPointer(String jsonPointer) {
            this.jsonPointer = jsonPointer;
            return this;
        }

        public Set<FingerprintPart> getFingerprintParts() {
            return this.fingerprintParts;
        }

        /** The parts of a request that make it "the same request"; all five by default. */
        public Config setFingerprintParts(Set<FingerprintPart> fingerprintParts) {
            this.fingerprintParts = fingerprintParts.isEmpty() ? EnumSet.noneOf(FingerprintPart.class)
                    : EnumSet.copyOf(fingerprintParts);
            return this;
        }

        public List<String> getFingerprintHeaders() {
            return this.fingerprintHeaders;
        }

        /** Request headers that also count towards the fingerprint, such as X-Account-Id. */
        public Config setFingerprintHeaders(List<String> fingerprintHeaders) {
            this.fingerprintHeaders = new ArrayList<>(fingerprintHeaders);
            return this;
        }

        public BodyComparison getBodyComparison() {
            return this.bodyComparison;
        }

        /** bytes (default) or canonical-json: key order and whitespace do not matter. */
        public Config setBodyComparison(BodyComparison bodyComparison) {
            this.bodyComparison = bodyComparison;
            return this;
        }

        public List<String> getFingerprintJsonPointers() {
            return this.fingerprintJsonPointers;
        }

        /**
         * Only these parts of a JSON body count towards the fingerprint, such as /amount,/currency
         * (with bodyComparison: canonical-json; a body that is not JSON counts whole, by its bytes).
         */
        public Config setFingerprintJsonPointers(List<String> fingerprintJsonPointers) {
            this.fingerprintJsonPointers = new ArrayList<>(fingerprintJsonPointers);
            return this;
        }

        public List<String> getFingerprintIgnoreJsonPointers() {
            return this.fingerprintIgnoreJsonPointers;
        }

        /**
         * Every part of a JSON body but these counts towards the fingerprint, such as /timestamp,/trace_id
         * (with bodyComparison: canonical-json; a body that is not JSON counts whole, by its bytes).
         */
        public Config setFingerprintIgnoreJsonPointers(List<String> fingerprintIgnoreJsonPointers) {
            this.fingerprintIgnoreJsonPointers = new ArrayList<>(fingerprintIgnoreJsonPointers);
            return this;
        }

        public RolloutMode getMode() {
            return this.mode;
        }

        /** enforce (default) or observe: forward everything and record what would have been done. */
        public Config setMode(RolloutMode mode) {
            this.mode = mode;
            return this;
        }

        public ConcurrentRequests getConcurrent() {
            return this.concurrent;
        }

        /** What a duplicate gets while the first request runs: reject (409, default) or wait. */
        public Config setConcurrent(ConcurrentRequests concurrent) {
            this.concurrent = concurrent;
            return this;
        }

        public Duration getWaitTimeout() {
            return this.waitTimeout;
        }

        /** With concurrent: wait, how long a duplicate is held before it gets 409. */
        public Config setWaitTimeout(Duration waitTimeout) {
            this.waitTimeout = waitTimeout;
            return this;
        }

        public Duration getExecutionTimeout() {
            return this.executionTimeout;
        }

        /**
         * The longest an upstream exchange may run, also after its client left; past it the outcome
         * is unknown (see ambiguousOutcome). Spring Cloud Gateway's response-timeout, when shorter, ends it first.
         */
        public Config setExecutionTimeout(Duration executionTimeout) {
            this.executionTimeout = executionTimeout;
            return this;
        }

        public int getMaxInFlightPerClient() {
            return this.maxInFlightPerClient;
        }

        /**
         * The most keys one client may hold in flight on this route at once; one more is answered
         * 429 before any key is claimed. 0 (the default) sets no limit.
         */
        public Config setMaxInFlightPerClient(int maxInFlightPerClient) {
            this.maxInFlightPerClient = maxInFlightPerClient;
            return this;
        }

        public List<String> getExcludedHeaders() {
            return this.excludedHeaders;
        }

        /** Response headers never stored or replayed, in addition to the built-in list. */
        public Config setExcludedHeaders(List<String> excludedHeaders) {
            this.excludedHeaders = new ArrayList<>(excludedHeaders);
            return this;
        }
    }
}
