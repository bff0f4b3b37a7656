package dev.idempotency.gateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written by hand over a plain socket: sends bytes that {@code WebTestClient} and the
 * JDK's {@code HttpClient} refuse to send (control characters in a header, a 10 kB key, a body
 * cut off half way) and can drop the connection at any moment, as a real client does. One request
 * per connection; the response is read by {@code Content-Length}, chunked, or until the close.
 */
public final class RawHttpClient implements Closeable {

    private final Socket socket;

    private final OutputStream out;

    private final InputStream in;

    private RawHttpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
    }

    public static RawHttpClient connect(String host, int port, Duration connectTimeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            return new RawHttpClient(socket);
        }
        catch (IOException ex) {
            socket.close();
            throw ex;
        }
    }

    /** Sends one request and reads its response; for the simple cases. */
    public static Response exchange(int port, byte[] request, Duration timeout) throws IOException {
        try (RawHttpClient connection = connect("127.0.0.1", port, timeout)) {
            connection.write(request);
            return connection.readResponse(timeout, false);
        }
    }

    /** Sends a request, waits {@code patience}, then hangs up without reading the answer: a client that gives up. */
    public static void sendAndHangUp(int port, byte[] request, Duration patience) throws IOException, InterruptedException {
        try (RawHttpClient connection = connect("127.0.0.1", port, Duration.ofSeconds(5))) {
            connection.write(request);
            Thread.sleep(patience.toMillis());
        }
    }

    public static RequestBuilder request(String method, String target) {
        return new RequestBuilder(method, target);
    }

    public void write(byte[] bytes) throws IOException {
        this.out.write(bytes);
        this.out.flush();
    }

    public void write(byte[] bytes, int offset, int length) throws IOException {
        this.out.write(bytes, offset, length);
        this.out.flush();
    }

    /**
     * Reads one response within {@code timeout}.
     * @param headRequest whether the request was a HEAD (a response without a body)
     * @throws SocketTimeoutException when no complete response arrived in time
     * @throws IOException when the connection closed before a complete response
     */
    public Response readResponse(Duration timeout, boolean headRequest) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String statusLine = readLine(deadline);
            if (statusLine == null) {
                throw new IOException("Connection closed before a status line");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("Not an HTTP status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (String line = readLine(deadline); line != null && !line.isEmpty(); line = readLine(deadline)) {
                int colon = line.indexOf(':');
                headers.add(Map.entry(colon < 0 ? line : line.substring(0, colon),
                        colon < 0 ? "" : line.substring(colon + 1).strip()));
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            Response head = new Response(status, parts.length > 2 ? parts[2] : "", headers, new byte[0]);
            byte[] body;
            if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            }
            else if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
                body = readChunked(deadline);
            }
            else if (head.header("Content-Length") != null) {
                body = readExactly(Integer.parseInt(head.header("Content-Length")), deadline);
            }
            else {
                body = readToEnd(deadline);
            }
            return new Response(status, head.reason(), headers, body);
        }
    }

    /** Closes with a TCP reset instead of a graceful FIN: the abrupt end of a killed client. */
    public void reset() {
        try {
            this.socket.setSoLinger(true, 0);
        }
        catch (IOException ignored) {
            // closing is all that matters
        }
        close();
    }

    @Override
    public void close() {
        try {
            this.socket.close();
        }
        catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    private int read(long deadline) throws IOException {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        if (deadline - System.nanoTime() <= 0) {
            throw new SocketTimeoutException("Response not complete in time");
        }
        this.socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
        return this.in.read();
    }

    private String readLine(long deadline) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = read(deadline)) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private byte[] readExactly(int length, long deadline) throws IOException {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            int b = read(deadline);
            if (b == -1) {
                throw new IOException("Connection closed after " + i + " of " + length + " body bytes");
            }
            body[i] = (byte) b;
        }
        return body;
    }

    private byte[] readChunked(long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(deadline);
            if (size == null) {
                throw new IOException("Connection closed inside a chunked body");
            }
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
            if (length == 0) {
                for (String trailer = readLine(deadline); trailer != null && !trailer.isEmpty(); trailer = readLine(deadline)) {
                    // trailers are not used here
                }
                return body.toByteArray();
            }
            body.write(readExactly(length, deadline));
            readLine(deadline);
        }
    }

    private byte[] readToEnd(long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int b;
        while ((b = read(deadline)) != -1) {
            body.write(b);
        }
        return body.toByteArray();
    }

    /** A response as it came off the wire. */
    public record Response(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body) {

        /** The first value of a header, by case-insensitive name; {@code null} if absent. */
        public String header(String name) {
            return this.headers.stream()
                .filter(header -> header.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        }

        public String text() {
            return new String(this.body, StandardCharsets.UTF_8);
        }

        public boolean isProblem() {
            String type = header("Content-Type");
            return type != null && type.toLowerCase(Locale.ROOT).startsWith("application/problem+json");
        }

        /** The slug of a gateway problem's type URI ({@code idempotency-key-invalid}), or {@code null}. */
        public String problemType() {
            if (!isProblem()) {
                return null;
            }
            String text = text();
            int at = text.indexOf("/problems/");
            return at < 0 ? null : text.substring(at + "/problems/".length(), text.indexOf('"', at));
        }

        public boolean replayed() {
            return "true".equals(header("Idempotent-Replayed"));
        }

        @Override
        public String toString() {
            return this.status + " " + this.reason + " " + this.headers + " " + text();
        }
    }

    /** Builds the bytes of a request; every part may be any byte sequence. */
    public static final class RequestBuilder {

        private final ByteArrayOutputStream head = new ByteArrayOutputStream();

        private byte[] body;

        private boolean chunked;

        private int chunkSize = 16;

        private boolean contentLength = true;

        private boolean host = true;

        private RequestBuilder(String method, String target) {
            line((method + " " + target + " HTTP/1.1").getBytes(StandardCharsets.ISO_8859_1));
        }

        /** A header line whose value is taken byte for byte (each char is one ISO-8859-1 byte). */
        public RequestBuilder header(String name, String value) {
            return headerBytes(name, value.getBytes(StandardCharsets.ISO_8859_1));
        }

        public RequestBuilder headerBytes(String name, byte[] value) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.writeBytes((name + ": ").getBytes(StandardCharsets.ISO_8859_1));
            line.writeBytes(value);
            return line(line.toByteArray());
        }

        /** Any raw bytes as one header line (CRLF appended). */
        public RequestBuilder line(byte[] line) {
            if (line.length >= 5 && new String(line, 0, 5, StandardCharsets.ISO_8859_1).equalsIgnoreCase("host:")) {
                this.host = false;
            }
            this.head.writeBytes(line);
            this.head.writeBytes(new byte[] { '\r', '\n' });
            return this;
        }

        public RequestBuilder body(byte[] body) {
            this.body = body;
            return this;
        }

        public RequestBuilder body(String body) {
            return body(body.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends the body with {@code Transfer-Encoding: chunked}, in chunks of {@code size} bytes. */
        public RequestBuilder chunked(int size) {
            this.chunked = true;
            this.chunkSize = size;
            return this;
        }

        /** Leaves out the automatic {@code Content-Length} (a header set by hand stays). */
        public RequestBuilder withoutContentLength() {
            this.contentLength = false;
            return this;
        }

        public RequestBuilder withoutHost() {
            this.host = false;
            return this;
        }

        public byte[] build() {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(this.head.toByteArray());
            if (this.host) {
                request.writeBytes("Host: localhost\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            request.writeBytes("Connection: close\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] body = this.body == null ? new byte[0] : this.body;
            if (this.chunked) {
                request.writeBytes("Transfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                for (int i = 0; i < body.length; i += this.chunkSize) {
                    int length = Math.min(this.chunkSize, body.length - i);
                    request.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    request.write(body, i, length);
                    request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                request.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                return request.toByteArray();
            }
            if (this.contentLength && (this.body != null)) {
                request.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            request.writeBytes(body);
            return request.toByteArray();
        }
    }
}
